package docker

import (
	"maps"
	"slices"

	"github.com/moby/moby/client"
)

// labelFilters selects objects carrying every label (key=value, or just the
// key when the value is empty). The engine ANDs label filters, which is how
// parity scopes everything to one project.
func labelFilters(labels map[string]string) client.Filters {
	args := client.Filters{}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if v := labels[k]; v != "" {
			args.Add("label", k+"="+v)
		} else {
			args.Add("label", k)
		}
	}
	return args
}

// hasLabels reports whether have carries every label in want (an empty value
// in want matches any value), mirroring the engine's label filter.
func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		got, ok := have[k]
		if !ok || (v != "" && got != v) {
			return false
		}
	}
	return true
}
