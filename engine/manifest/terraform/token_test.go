package terraform

import (
	"slices"
	"testing"
)

// A token that string functions cut apart is not a value parity can
// use, and what is left of it names the variable it stood for.
func TestTokensCutApart(t *testing.T) {
	s := secrets{}
	tok := s.token("TF_VAR_database_version")
	for _, tc := range []struct {
		in       string
		ok       bool
		stripped string
	}{
		{in: tok, ok: true, stripped: ""},
		{in: "POSTGRES_" + tok, ok: true, stripped: "POSTGRES_"},
		{in: "POSTGRES" + tok[8:], ok: false, stripped: "POSTGRES_"}, // replace(v, substr(v, 0, 8), "POSTGRES")
		{in: "15", ok: true, stripped: "15"},
	} {
		if _, ok := s.value(tc.in); ok != tc.ok {
			t.Errorf("value(%q) ok = %v, want %v", tc.in, ok, tc.ok)
		}
		text, names := s.strip(tc.in)
		if text != tc.stripped {
			t.Errorf("strip(%q) = %q, want %q", tc.in, text, tc.stripped)
		}
		if want := tc.stripped != tc.in; want != slices.Equal(names, []string{"TF_VAR_database_version"}) {
			t.Errorf("strip(%q) names = %v", tc.in, names)
		}
	}
}
