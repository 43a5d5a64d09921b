package engine

import "slices"

// Names lists the manifest's services and the profiles they use, sorted,
// for shell completion. Open with the profile "*" to see every service.
func (s *Session) Names() (services, profiles []string) {
	for _, svc := range s.project.Services {
		services = append(services, svc.Name)
		profiles = append(profiles, svc.Profiles...)
	}
	slices.Sort(services)
	slices.Sort(profiles)
	return services, slices.Compact(profiles)
}
