package doctor

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/stacks"
)

// dockerHubAPI is where Docker Hub's registry API answers.
const dockerHubAPI = "registry-1.docker.io"

// checkRegistry says whether the images up needs are present or their
// registry answers. An unreachable registry is a warning, never a failure:
// the engine may reach it through a proxy or a mirror of its own
// (daemon.json), which a probe from here cannot see.
func (d *run) checkRegistry(ctx context.Context) {
	if d.preview == nil {
		d.add(CheckRegistry, Skip, "fix the manifest first", "no manifest loaded")
		return
	}
	var refs []string
	seen := map[string]bool{}
	for _, s := range d.preview.Services {
		if (s.Role == engine.RoleBacking || s.Role == engine.RoleGeneric) && s.PullRef != "" && !seen[s.PullRef] {
			seen[s.PullRef] = true
			refs = append(refs, s.PullRef)
		}
	}
	if len(refs) == 0 {
		d.add(CheckRegistry, Skip, "", "no image to pull")
		return
	}
	var present, missing []string
	for _, ref := range refs {
		ok := false
		if d.engineUp {
			ok, _ = d.client.ImagePresent(ctx, ref)
		}
		if ok {
			present = append(present, ref)
		} else {
			missing = append(missing, ref)
		}
	}
	if len(missing) == 0 {
		d.add(CheckRegistry, OK, "", "every image is present locally, nothing to pull: %s", strings.Join(present, ", "))
		return
	}

	byHost := map[string][]string{}
	for _, ref := range missing {
		host := stacks.ParseImage(ref).Registry
		if stacks.ParseImage(ref).DockerHub() {
			host = dockerHubAPI
		}
		byHost[host] = append(byHost[host], ref)
	}
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	var good, bad []string
	for _, h := range hosts {
		verb := "to pull"
		if !d.engineUp {
			verb = "for"
		}
		if err := d.probeRegistry(ctx, h); err != nil {
			bad = append(bad, fmt.Sprintf("%s does not answer (%v) %s %s", h, err, verb, strings.Join(byHost[h], ", ")))
		} else {
			good = append(good, fmt.Sprintf("%s answers %s %s", h, verb, strings.Join(byHost[h], ", ")))
		}
	}
	if len(present) > 0 {
		good = append(good, "present locally: "+strings.Join(present, ", "))
	}
	if len(bad) > 0 {
		fix := "check the network or proxy, or pull through a registry mirror: --registry-mirror HOST[:PORT] or PARITY_REGISTRY_MIRROR; up still works if the engine reaches it through its own proxy or mirror"
		if d.opts.Engine.Mirror != "" {
			fix = fmt.Sprintf("check that the mirror %s runs and serves Docker Hub's paths (library/NAME:TAG)", d.opts.Engine.Mirror)
		}
		d.add(CheckRegistry, Warn, fix, "%s%s", strings.Join(bad, "; "), prefixed("; ", good))
		return
	}
	d.add(CheckRegistry, OK, "", "%s", strings.Join(good, "; "))
}

// probeRegistry asks a registry's API root (/v2/) for any answer: 200, or
// the 401 that asks for a token, both mean it is reachable. HTTPS is tried
// first, then plain HTTP, as the engine does for insecure registries such
// as a mirror on 127.0.0.1.
func (d *run) probeRegistry(ctx context.Context, host string) error {
	var firstErr error
	for _, scheme := range []string{"https", "http"} {
		if host == dockerHubAPI && scheme == "http" {
			break
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+host+"/v2/", nil)
		if err != nil {
			return err
		}
		resp, err := d.opts.HTTP.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
			err = fmt.Errorf("HTTP %s", resp.Status)
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return shortErr(firstErr)
}

// shortErr keeps the last, most specific part of a wrapped network error.
func shortErr(err error) error {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		return fmt.Errorf("%s", msg[i+2:])
	}
	return err
}
