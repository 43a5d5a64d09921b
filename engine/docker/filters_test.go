package docker

import (
	"maps"
	"reflect"
	"slices"
	"testing"
)

func TestLabelFilters(t *testing.T) {
	args := labelFilters(map[string]string{"dev.parity.project": "shop", "dev.parity.test": "1", "dev.parity.managed": ""})
	got := slices.Collect(maps.Keys(args["label"]))
	want := []string{"dev.parity.managed", "dev.parity.project=shop", "dev.parity.test=1"}
	if !reflect.DeepEqual(slices.Sorted(slices.Values(got)), want) {
		t.Errorf("label filters = %v, want %v", got, want)
	}
	if n := len(labelFilters(nil)); n != 0 {
		t.Errorf("no labels gave %d filters", n)
	}
}

func TestHasLabels(t *testing.T) {
	have := map[string]string{"a": "1", "b": "2"}
	for _, tc := range []struct {
		want map[string]string
		ok   bool
	}{
		{nil, true},
		{map[string]string{"a": "1"}, true},
		{map[string]string{"a": "1", "b": "2"}, true},
		{map[string]string{"a": ""}, true},
		{map[string]string{"a": "2"}, false},
		{map[string]string{"c": ""}, false},
	} {
		if got := hasLabels(have, tc.want); got != tc.ok {
			t.Errorf("hasLabels(%v, %v) = %v, want %v", have, tc.want, got, tc.ok)
		}
	}
}
