package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/parity-dev/parity/engine/connstr"
)

// selectServices narrows a classified plan to the services named on the
// command line (`parity up db`, `parity run --service db`) and what they
// depend on, as `docker compose up db` does: depends_on, followed
// transitively, and for the app also the services its environment points
// at, since parity wires the app to them. The others stay out of this run
// (Role skipped, Unselected), and containers of theirs that are already
// running are left alone. The app services keep their role: their
// environment is what a command run by parity gets.
func selectServices(services []*plannedService, names []string) error {
	if len(names) == 0 {
		return nil
	}
	byName := map[string]*plannedService{}
	for _, ps := range services {
		byName[ps.Name] = ps
		for _, a := range ps.Svc.Aliases {
			if _, ok := byName[a]; !ok {
				byName[a] = ps
			}
		}
	}
	var all []string
	for _, ps := range services {
		all = append(all, ps.Name)
	}
	selected := map[string]bool{}
	var visit func(ps *plannedService)
	visit = func(ps *plannedService) {
		if selected[ps.Name] {
			return
		}
		selected[ps.Name] = true
		for _, d := range ps.Svc.DependsOn {
			if dep := byName[d]; dep != nil {
				visit(dep)
			}
		}
		if ps.Role == RoleApp {
			for _, k := range sortedKeys(ps.Svc.Environment) {
				for _, host := range hostsIn(ps.Svc.Environment[k].String()) {
					if dep := byName[host]; dep != nil && dep.Role != RoleApp {
						visit(dep)
					}
				}
			}
		}
	}
	for _, name := range names {
		ps := byName[name]
		if ps == nil || ps.Name != name {
			return fmt.Errorf("no service %s in the manifest (its services: %s); a command to run goes after --, as in parity up -- %s", name, strings.Join(all, ", "), strings.Join(names, " "))
		}
		if ps.Role == RoleSkipped {
			return fmt.Errorf("service %s: parity does not run it (%s)", name, ps.Why)
		}
		visit(ps)
	}
	for _, ps := range services {
		if selected[ps.Name] || ps.Role == RoleApp || ps.Role == RoleSkipped {
			continue
		}
		ps.Role, ps.Unselected, ps.Job = RoleSkipped, true, false
		ps.Why = fmt.Sprintf("not named on the command line (%s) nor needed by what was", strings.Join(names, " "))
	}
	return nil
}

// hostsIn returns every host a value names, in a connection string of any
// form, a bare host or host:port.
func hostsIn(v string) []string {
	c, ok := connstr.Parse(v)
	if !ok {
		return nil
	}
	var out []string
	for _, h := range c.Hosts() {
		if !slices.Contains(out, h.Name) {
			out = append(out, h.Name)
		}
	}
	return out
}

// namesApp reports whether one of names is a service parity runs as the app.
func namesApp(services []*plannedService, names []string) bool {
	for _, ps := range services {
		if ps.Role == RoleApp && slices.Contains(names, ps.Name) {
			return true
		}
	}
	return false
}
