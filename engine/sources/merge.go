package sources

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// Disagreement is two production sources naming different images for the
// same service (Terraform's RDS says Postgres 15, the Helm values 16).
// `up` warns and runs the first source's; `parity check` fails.
type Disagreement struct {
	Service      string
	Kind         string
	First, Other string // the images
	FirstAt      string // where each source says so (file:line, or the format)
	OtherAt      string
}

func (d Disagreement) String() string {
	return fmt.Sprintf("production sources disagree on %s (%s): %s says %s, %s says %s; parity runs %s (the first source given); make them agree or pin the image in parity.yaml (services.%s.image)",
		d.Service, d.Kind, d.FirstAt, d.First, d.OtherAt, d.Other, d.First, d.Service)
}

// merge folds the projects read from several sources into one, in the
// order given: versions from Terraform and the app's environment from a
// Compose file, for example. A service of a later source is the same as
// one already there when it has the same name, or else when both are the
// only backing services of their kind in their sources; the two become one
// service under the first name, the other name kept as an alias so the
// app's URLs that use it still point at it. The first source's image
// wins; a different image in a later one is a Disagreement.
func merge(projects []*manifest.Project) (*manifest.Project, []Disagreement) {
	if len(projects) == 1 {
		return projects[0], nil
	}
	out := *projects[0]
	out.Services = slices.Clone(projects[0].Services)
	out.Files = slices.Clone(out.Files)
	out.Warnings = slices.Clone(out.Warnings)
	out.Unset = slices.Clone(out.Unset)
	out.DotEnv = maps.Clone(out.DotEnv)
	formats := []string{sourceName(projects[0])}
	var disagreements []Disagreement
	for _, p := range projects[1:] {
		if f := sourceName(p); !slices.Contains(formats, f) {
			formats = append(formats, f)
		}
		if out.Name == "" {
			out.Name = p.Name
		}
		if p.FromCompose() && !out.FromCompose() && len(out.EnvFiles) == 0 {
			// The Compose file read the project's .env as Compose does.
			out.WorkingDir, out.EnvFiles, out.DotEnv, out.EnvSample = p.WorkingDir, p.EnvFiles, maps.Clone(p.DotEnv), p.EnvSample
		}
		out.Files = append(out.Files, p.Files...)
		out.Warnings = append(out.Warnings, p.Warnings...)
		out.Unset = append(out.Unset, p.Unset...)
		if out.DotEnv == nil {
			out.DotEnv = maps.Clone(p.DotEnv)
		} else {
			for k, v := range p.DotEnv {
				if _, ok := out.DotEnv[k]; !ok {
					out.DotEnv[k] = v
				}
			}
		}
		out.Inactive = append(out.Inactive, p.Inactive...)
		soleOfKind := soleBacking(p.Services)
		mineSole := soleBacking(out.Services)
		for _, svc := range p.Services {
			i := slices.IndexFunc(out.Services, func(s manifest.Service) bool { return s.Name == svc.Name })
			if i < 0 {
				if k := kindOf(svc); k != "" && soleOfKind[k] == svc.Name {
					if mine, ok := mineSole[k]; ok {
						i = slices.IndexFunc(out.Services, func(s manifest.Service) bool { return s.Name == mine })
					}
				}
			}
			if i < 0 {
				out.Services = append(out.Services, svc)
				continue
			}
			d := combine(&out.Services[i], svc, &out, p)
			if d != nil {
				disagreements = append(disagreements, *d)
			}
		}
	}
	slices.SortFunc(out.Services, func(a, b manifest.Service) int { return strings.Compare(a.Name, b.Name) })
	slices.Sort(out.Unset)
	out.Unset = slices.Compact(out.Unset)
	slices.Sort(out.Inactive)
	out.Inactive = slices.Compact(out.Inactive)
	out.Source = strings.Join(formats, "+")
	return &out, disagreements
}

// combine folds svc (from project p) into have (from the merged project
// so far): the image and its origin stay have's unless have has none;
// environment, aliases, ports and depends_on are joined, have's values
// winning.
func combine(have *manifest.Service, svc manifest.Service, merged, p *manifest.Project) *Disagreement {
	var d *Disagreement
	switch {
	case have.Image == "" && !have.Build:
		have.Image, have.Managed = svc.Image, svc.Managed
		if have.Origin == "" {
			have.Origin = svc.Origin
		}
	case svc.Image != "" && have.Image != "" && !sameImage(have.Image, svc.Image) && !have.App && !svc.App:
		d = &Disagreement{Service: have.Name, Kind: kindOf(*have), First: have.Image, Other: svc.Image,
			FirstAt: where(*have, merged), OtherAt: where(svc, p)}
	}
	if have.Origin == "" && !merged.FromCompose() {
		have.Origin = svc.Origin
	}
	have.App = have.App || svc.App
	if have.Managed == nil {
		have.Managed = svc.Managed
	}
	if have.Environment == nil {
		have.Environment = map[string]manifest.Value{}
	}
	for k, v := range svc.Environment {
		if _, ok := have.Environment[k]; !ok {
			have.Environment[k] = v
		}
	}
	for _, a := range append([]string{svc.Name}, svc.Aliases...) {
		if a != have.Name && !slices.Contains(have.Aliases, a) {
			have.Aliases = append(have.Aliases, a)
		}
	}
	for _, port := range svc.Ports {
		if !slices.ContainsFunc(have.Ports, func(q manifest.Port) bool { return q.Target == port.Target }) {
			have.Ports = append(have.Ports, port)
		}
	}
	for _, dep := range svc.DependsOn {
		if !slices.Contains(have.DependsOn, dep) {
			have.DependsOn = append(have.DependsOn, dep)
		}
	}
	if have.Command == nil {
		have.Command = svc.Command
	}
	return d
}

// soleBacking maps each backing kind to its service's name, for the kinds
// only one service of the project has.
func soleBacking(services []manifest.Service) map[string]string {
	count := map[string]int{}
	name := map[string]string{}
	for _, s := range services {
		if k := kindOf(s); k != "" {
			count[k]++
			name[k] = s.Name
		}
	}
	for k, n := range count {
		if n > 1 {
			delete(name, k)
		}
	}
	return name
}

// kindOf is the backing kind a service's image is, "" for the app and
// images parity does not know.
func kindOf(s manifest.Service) string {
	if s.App || s.Image == "" {
		return ""
	}
	if st := stacks.ForImage(s.Image); st != nil {
		return st.Kind()
	}
	return ""
}

// sameImage reports whether two references name the same image: equal
// once Docker Hub's implicit parts are spelt out.
func sameImage(a, b string) bool {
	return stacks.ParseImage(a).String() == stacks.ParseImage(b).String()
}

func where(s manifest.Service, p *manifest.Project) string {
	if s.Origin != "" {
		return s.Origin
	}
	if len(p.Files) > 0 {
		return p.Files[0]
	}
	return sourceName(p)
}

func sourceName(p *manifest.Project) string {
	if p.Source == "" {
		return "compose"
	}
	return p.Source
}
