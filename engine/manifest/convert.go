package manifest

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// convertProject is the one boundary between compose-go's types and
// parity's model: nothing outside this file reads a types.Project.
func convertProject(p *types.Project) *Project {
	out := &Project{Name: p.Name, WorkingDir: p.WorkingDir}
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		out.Services = append(out.Services, convertService(p.Services[name]))
	}
	out.Inactive = slices.Sorted(maps.Keys(p.DisabledServices))
	return out
}

func convertService(s types.ServiceConfig) Service {
	out := Service{
		Name:        s.Name,
		Image:       withoutUnset(s.Image),
		ImageUnset:  placeholderVars(s.Image),
		Build:       s.Build != nil,
		Command:     toValues(s.Command),
		Entrypoint:  toValues(s.Entrypoint),
		Environment: convertEnvironment(s.Environment),
		Ports:       convertPorts(s.Ports, s.Expose),
		Healthcheck: convertHealthcheck(s.HealthCheck),
		ShmSize:     int64(s.ShmSize),
		User:        withoutUnset(s.User),
		WorkingDir:  withoutUnset(s.WorkingDir),
		Tmpfs:       plainStrings(s.Tmpfs),
		ExtraHosts:  convertExtraHosts(s.ExtraHosts),
		Aliases:     aliases(s),
		Profiles:    copyStrings(s.Profiles),
	}
	if len(s.Labels) > 0 {
		out.Labels = make(map[string]string, len(s.Labels))
		for k, v := range s.Labels {
			out.Labels[k] = withoutUnset(v)
		}
	}
	for _, v := range s.Volumes {
		out.Volumes = append(out.Volumes, Volume{Type: v.Type, Source: withoutUnset(v.Source), Target: v.Target, ReadOnly: v.ReadOnly})
	}
	if len(s.DependsOn) > 0 {
		out.DependsOn = slices.Sorted(maps.Keys(s.DependsOn))
	}
	out.DependsOnCondition = convertConditions(s.DependsOn)
	out.BuildSpec = convertBuild(s.Build)
	return out
}

// convertExtraHosts lists extra_hosts as the engine takes them ("name:ip"),
// in a stable order so the container's config hash does not change between
// runs; nil when there are none.
func convertExtraHosts(h types.HostsList) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, ip := range h[name] {
			out = append(out, withoutUnset(name)+":"+withoutUnset(ip))
		}
	}
	return out
}

// plainStrings are strings with unset variables substituted as Compose does
// (empty); nil stays nil.
func plainStrings(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = withoutUnset(s)
	}
	return out
}

// copyStrings keeps nil as nil, so "not set in the manifest" survives.
func copyStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return slices.Clone(s)
}

// convertEnvironment drops keys listed without a value that were unset in
// the shell: Compose does not pass them to the container either.
func convertEnvironment(env types.MappingWithEquals) map[string]Value {
	out := map[string]Value{}
	for k, v := range env {
		if v != nil {
			out[k] = toValue(*v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// convertPorts lists published ports, then exposed ports not already listed.
// A target of 0 comes only from an unset variable in a typed field (see
// unsetSubstitution) and is dropped.
func convertPorts(ports []types.ServicePortConfig, expose types.StringOrNumberList) []Port {
	var out []Port
	seen := map[string]bool{}
	for _, p := range ports {
		if p.Target == 0 {
			continue
		}
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		out = append(out, Port{Target: int(p.Target), Published: p.Published, HostIP: p.HostIP, Protocol: proto})
		seen[strconv.Itoa(int(p.Target))+"/"+proto] = true
	}
	for _, e := range expose {
		spec, proto, _ := strings.Cut(e, "/")
		if proto == "" {
			proto = "tcp"
		}
		first, last, isRange := strings.Cut(spec, "-")
		lo, err := strconv.Atoi(first)
		if err != nil || lo == 0 {
			continue
		}
		hi := lo
		if isRange {
			if hi, err = strconv.Atoi(last); err != nil || hi < lo {
				continue
			}
		}
		for port := lo; port <= hi; port++ {
			key := strconv.Itoa(port) + "/" + proto
			if !seen[key] {
				seen[key] = true
				out = append(out, Port{Target: port, Protocol: proto})
			}
		}
	}
	return out
}

func convertHealthcheck(h *types.HealthCheckConfig) *Healthcheck {
	if h == nil {
		return nil
	}
	out := &Healthcheck{
		Test:        plainStrings(h.Test),
		Interval:    duration(h.Interval),
		Timeout:     duration(h.Timeout),
		StartPeriod: duration(h.StartPeriod),
		Disable:     h.Disable || (len(h.Test) > 0 && h.Test[0] == "NONE"),
	}
	if h.Retries != nil {
		out.Retries = int(*h.Retries)
	}
	return out
}

func duration(d *types.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return time.Duration(*d)
}

// aliases are the names other than the service's own that reach it: network
// aliases (networks in name order), hostname, container_name.
func aliases(s types.ServiceConfig) []string {
	var names []string
	for _, network := range slices.Sorted(maps.Keys(s.Networks)) {
		if cfg := s.Networks[network]; cfg != nil {
			names = append(names, cfg.Aliases...)
		}
	}
	names = append(names, s.Hostname, s.ContainerName)
	var out []string
	for _, n := range names {
		n = withoutUnset(n)
		if n != "" && n != s.Name && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// convertConditions keeps each dependency's condition; an empty one is
// Compose's default, service_started.
func convertConditions(deps types.DependsOnConfig) map[string]Condition {
	if len(deps) == 0 {
		return nil
	}
	out := make(map[string]Condition, len(deps))
	for name, d := range deps {
		out[name] = Condition(cmp.Or(d.Condition, types.ServiceConditionStarted))
	}
	return out
}

// convertBuild keeps what parity needs to build the image itself. Paths
// are already absolute (WithResolvedPaths) except a remote context's.
func convertBuild(b *types.BuildConfig) *BuildSpec {
	if b == nil {
		return nil
	}
	out := &BuildSpec{Context: withoutUnset(b.Context), Dockerfile: withoutUnset(b.Dockerfile), DockerfileInline: withoutUnset(b.DockerfileInline), Target: withoutUnset(b.Target)}
	if b.DockerfileInline != "" {
		out.Dockerfile = ""
	}
	for k, v := range b.Args {
		if v == nil {
			continue
		}
		if out.Args == nil {
			out.Args = map[string]string{}
		}
		out.Args[k] = withoutUnset(*v)
	}
	return out
}
