package engine

import (
	"context"
	"fmt"
	"github.com/parity-dev/parity/engine/manifest"
	"strings"
	"time"
)

// ServiceStatus is one service as `parity status` reports it.
type ServiceStatus struct {
	Name      string        `json:"name"`
	Role      string        `json:"role"`
	Why       string        `json:"why"`
	Kind      string        `json:"kind,omitempty"`
	Job       bool          `json:"job,omitempty"` // a one-shot job: "completed" when it exited 0
	Image     string        `json:"image,omitempty"`
	Container string        `json:"container,omitempty"`
	State     string        `json:"state"` // running, exited, ..., "absent"
	Ready     bool          `json:"ready"`
	Reason    string        `json:"reason,omitempty"` // why not ready
	Address   string        `json:"address,omitempty"`
	URL       string        `json:"url,omitempty"` // password masked
	Uptime    time.Duration `json:"-"`             // in JSON: uptimeSeconds
	// Source is where production's source defines the service
	// ("infra/rds.tf:12"); "" for Compose. Managed says which managed
	// engine and version it runs there, and that it is a floor.
	Source  string `json:"source,omitempty"`
	Managed string `json:"managed,omitempty"`
	// Data says where the service's current data came from: initialised
	// here, a template, a snapshot, seeded, reset; "" when parity has no
	// record (data from before it kept one).
	Data *DataOrigin `json:"data,omitempty"`

	// UsualPort, PortNote and PortHeldBy are as in ServiceSummary: the port
	// the service would normally have and, when Address is not on it, why.
	UsualPort  int         `json:"usualPort,omitempty"`
	PortNote   string      `json:"portNote,omitempty"`
	PortHeldBy *PortHolder `json:"portHeldBy,omitempty"`
}

// Status reports every service of the manifest: its role, container state,
// whether it answers now (one quick probe) and where.
func (s *Session) Status(ctx context.Context) ([]ServiceStatus, error) {
	if s.docker == nil {
		if err := s.connect(ctx); err != nil {
			return nil, err
		}
	}
	sf, err := s.prepare(ctx)
	if err != nil {
		return nil, err
	}
	origins := sf.Origins
	sf.Close() // status never changes the state
	cs, err := s.docker.Containers(ctx, map[string]string{LabelProject: s.project.Name})
	if err != nil {
		return nil, err
	}
	byService := map[string]int{}
	for i, c := range cs {
		byService[c.Labels[LabelService]] = i
	}
	var out []ServiceStatus
	for _, ps := range s.currentPlan().Services {
		st := ServiceStatus{Name: ps.Name, Role: string(ps.Role), Why: ps.Why, Image: ps.Image, State: "absent", Job: ps.Job,
			Source: ps.Svc.Origin, Managed: managedNote(ps.Svc)}
		if o, ok := origins[ps.Name]; ok && ps.DataVolume != "" {
			st.Data = &o
		}
		if ps.Stack != nil {
			st.Kind = ps.Stack.Kind()
		}
		if ps.Role != RoleBacking && ps.Role != RoleGeneric {
			st.State = ""
			out = append(out, st)
			continue
		}
		if i, ok := byService[ps.Name]; ok {
			c, err := s.docker.Inspect(ctx, cs[i].ID)
			if err != nil {
				return nil, err
			}
			st.Container, st.State = c.Name, c.State
			if b, ok := c.Ports[portKey(ps.MainPort)]; ok && ps.MainPort != 0 {
				// Report the address the container really has, which may
				// predate a change in the state file.
				ps.Ports[ps.MainPort] = b.HostPort
			}
			st.Address = ps.Address()
			st.URL = maskURL(ps.URL())
			if ps.Job && !c.Running {
				// A job is meant to exit: 0 is its success, not a crash.
				if c.State == "exited" && c.ExitCode == 0 {
					st.State, st.Ready = "completed", true
				} else if c.State == "exited" {
					st.Reason = fmt.Sprintf("exit code %d", c.ExitCode)
				}
			}
			st.UsualPort, st.PortNote, st.PortHeldBy = ps.UsualPort, ps.PortNote, ps.PortHeldBy
			if ps.Ports[ps.MainPort] == ps.UsualPort {
				st.PortNote, st.PortHeldBy = "", nil
			}
			if c.Running {
				st.Uptime = time.Since(c.StartedAt).Round(time.Second)
				s.setID(ps.Name, c.ID)
				t := s.target(ps)
				switch {
				case ps.Job:
					st.Reason = "still running"
				case t.health:
					st.Ready = c.Health == "healthy"
					if !st.Ready {
						st.Reason = "healthcheck: " + orDefault(c.Health, "starting")
					}
				case t.probe != nil:
					pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
					if err := t.probe(pctx); err != nil {
						st.Reason = shortReason(err)
					} else {
						st.Ready = true
					}
					cancel()
				default:
					st.Ready = true
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

func portKey(port int) string { return itoa(port) + "/tcp" }

// managedNote says which managed service production runs and what that
// means for the version parity runs; "" for a plain image.
func managedNote(svc *manifest.Service) string {
	m := svc.Managed
	if m == nil {
		return ""
	}
	what := strings.TrimSpace(m.Provider + " " + m.Engine + " " + m.Version)
	note := what + ": a managed version is a floor (the provider upgrades minor versions on its own); pin production's exact release in parity.yaml (services." + svc.Name + ".image) when you know it"
	if m.Note != "" {
		note = what + ": " + m.Note
	}
	return note
}
