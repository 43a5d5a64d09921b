package doctor

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/parity-dev/parity/engine"
	"github.com/parity-dev/parity/stacks"
)

// checkServices says which services parity recognises and whether each
// backing service is pinned to one version, the point of running production's.
func (d *run) checkServices() {
	if d.preview == nil {
		d.add(CheckServices, Skip, "fix the manifest first", "no manifest loaded")
		return
	}
	var backing, generic, apps, unpinned []string
	example := ""
	for _, s := range d.preview.Services {
		switch s.Role {
		case engine.RoleBacking:
			backing = append(backing, fmt.Sprintf("%s %s (%s)", s.Name, s.Image, s.Kind))
			if img := stacks.ParseImage(s.Image); !img.Pinned() {
				unpinned = append(unpinned, fmt.Sprintf("%s (%s)", s.Name, orUnknown2(s.Image)))
				if example == "" {
					example = img.Repo + ":<version>"
				}
			}
		case engine.RoleGeneric:
			generic = append(generic, fmt.Sprintf("%s %s", s.Name, s.Image))
		case engine.RoleApp:
			apps = append(apps, s.Name)
		}
	}
	var parts []string
	if len(backing) > 0 {
		parts = append(parts, "backing: "+strings.Join(backing, ", "))
	}
	if len(generic) > 0 {
		parts = append(parts, "generic containers: "+strings.Join(generic, ", "))
	}
	if len(apps) > 0 {
		parts = append(parts, "app (run locally): "+strings.Join(apps, ", "))
	}
	detail := strings.Join(parts, "; ")
	switch {
	case len(unpinned) > 0:
		d.add(CheckServices, Warn,
			fmt.Sprintf("pin a version in %s, e.g. %s, so every laptop runs what production runs", baseNames(d.preview.Files), example),
			"not pinned to a version: %s; %s", strings.Join(unpinned, ", "), detail)
	case len(backing) == 0 && len(generic) == 0:
		d.add(CheckServices, Warn, "check that -f names the production manifest; parity recognises Postgres and Redis images (see `parity status`)",
			"no service to run: parity recognises no backing service and no third-party image in the manifest; %s", orNone(detail))
	case len(backing) == 0:
		d.add(CheckServices, Warn, "if one of these is a database or cache, use its official image name so parity can give the app its URL",
			"no backing service parity recognises (Postgres, Redis); %s", detail)
	default:
		d.add(CheckServices, OK, "", "%s", detail)
	}
}

func orUnknown2(image string) string {
	if image == "" {
		return "no image"
	}
	return image
}

func orNone(s string) string {
	if s == "" {
		return "no services"
	}
	return s
}

func baseNames(files []string) string {
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	return strings.Join(names, ", ")
}

// checkPorts looks at each host port up would try first: free, held by this
// project's own container (reused), or held by something else, which never
// blocks up — it publishes on another free port and remembers it — but
// moves the service's address, which is worth knowing.
func (d *run) checkPorts(ctx context.Context) {
	if d.preview == nil {
		d.add(CheckPorts, Skip, "fix the manifest first", "no manifest loaded")
		return
	}
	holders := map[int]string{} // host port -> parity container holding it
	owners := map[int]string{}  // host port -> its parity project
	if d.engineUp {
		cs, err := d.client.Containers(ctx, map[string]string{engine.LabelProject: ""})
		if err == nil {
			for _, c := range cs {
				for _, b := range c.Ports {
					holders[b.HostPort] = c.Name
					owners[b.HostPort] = c.Labels[engine.LabelProject]
				}
			}
		}
	}
	var notes, taken []string
	fixPort := 0
	for _, s := range d.preview.Services {
		for _, p := range s.Ports {
			where := fmt.Sprintf("%s %d", s.Name, p.HostPort)
			switch {
			case owners[p.HostPort] == d.preview.Project && holders[p.HostPort] != "":
				notes = append(notes, where+" (its running container "+holders[p.HostPort]+")")
			case portFree(p.HostPort):
				notes = append(notes, where+" (free)")
			case holders[p.HostPort] != "":
				taken = append(taken, fmt.Sprintf("%s is held by %s of parity project %s", where, holders[p.HostPort], owners[p.HostPort]))
			default:
				taken = append(taken, where+" is held by another program")
			}
			if len(taken) == 1 && fixPort == 0 {
				fixPort = p.HostPort // the first taken port names the fix
			}
		}
	}
	switch {
	case len(taken) > 0:
		d.add(CheckPorts, Warn,
			fmt.Sprintf("nothing blocks up; to keep the usual port, stop what holds it (`ss -ltnp 'sport = :%d'` shows it)", fixPort),
			"%s: up publishes on another free port instead and remembers it (see `parity env`)%s", strings.Join(taken, "; "), prefixed("; ", notes))
	case len(notes) == 0:
		d.add(CheckPorts, OK, "", "no ports to publish")
	default:
		d.add(CheckPorts, OK, "", "127.0.0.1: %s", strings.Join(notes, ", "))
	}
}

func prefixed(sep string, items []string) string {
	if len(items) == 0 {
		return ""
	}
	return sep + strings.Join(items, ", ")
}

// portFree reports whether 127.0.0.1:port can be bound now, the test up makes.
func portFree(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}
