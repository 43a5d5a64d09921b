package engine

import (
	"slices"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

// A service calls back to the app on the host as host.docker.internal, as
// on Docker Desktop; on Linux parity asks the engine to map it. The
// manifest's own extra_hosts stay, and its own mapping of that name wins.
func TestPlanExtraHosts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		manifest []string
		gateway  bool
		want     []string
	}{
		{"linux adds the host gateway", nil, true, []string{"host.docker.internal:host-gateway"}},
		{"manifest entries kept", []string{"api.internal:10.0.0.5"}, true, []string{"api.internal:10.0.0.5", "host.docker.internal:host-gateway"}},
		{"manifest maps the name itself", []string{"host.docker.internal:172.17.0.1"}, true, []string{"host.docker.internal:172.17.0.1"}},
		{"docker desktop resolves it itself", []string{"api.internal:10.0.0.5"}, false, []string{"api.internal:10.0.0.5"}},
		{"nothing to add", nil, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := hostGatewayNeeded
			hostGatewayNeeded = tc.gateway
			t.Cleanup(func() { hostGatewayNeeded = old })
			st := newState()
			p := kindsPlan(t, st, nil, manifest.Service{Name: "cache", Image: "redis:7", ExtraHosts: tc.manifest})
			got := p.service("cache").Spec.ExtraHosts
			if !slices.Equal(got, tc.want) {
				t.Errorf("ExtraHosts = %q, want %q", got, tc.want)
			}
		})
	}
}

// The gateway entry is part of the container's config, so a container made
// before it existed is recreated once to get it.
func TestPlanExtraHostsChangeTheConfigHash(t *testing.T) {
	old := hostGatewayNeeded
	t.Cleanup(func() { hostGatewayNeeded = old })
	hash := func(gateway bool) string {
		hostGatewayNeeded = gateway
		p := kindsPlan(t, newState(), nil, manifest.Service{Name: "cache", Image: "redis:7"})
		return p.service("cache").Spec.Labels[LabelConfigHash]
	}
	if hash(true) == hash(false) {
		t.Error("config hash ignores extra hosts")
	}
}
