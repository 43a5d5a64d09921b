package manifest

import (
	"errors"
	"testing"

	"github.com/compose-spec/compose-go/v2/template"
)

func mapping(env map[string]string) template.Mapping {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestSubstitute(t *testing.T) {
	env := map[string]string{"SET": "v", "EMPTY": ""}
	tests := []struct {
		in, want string
		unset    []string
	}{
		{"plain", "plain", nil},
		{"$SET ${SET}", "v v", nil},
		{"$UNSET", placeholder("UNSET"), []string{"UNSET"}},
		{"${UNSET}", placeholder("UNSET"), []string{"UNSET"}},
		{"${UNSET:?must be set}", placeholder("UNSET"), []string{"UNSET"}},
		{"${UNSET?must be set}", placeholder("UNSET"), []string{"UNSET"}},
		{"${EMPTY:?must be set}", placeholder("EMPTY"), []string{"EMPTY"}},
		{"${EMPTY?must be set}", "", nil},
		{"${EMPTY}", "", nil},
		{"${UNSET:-dflt}", "dflt", nil},
		{"${UNSET-dflt}", "dflt", nil},
		{"${EMPTY:-dflt}", "dflt", nil},
		{"${EMPTY-dflt}", "", nil},
		{"${UNSET:+alt}", "", nil},
		{"${UNSET+alt}", "", nil},
		{"${SET:+alt}", "alt", nil},
		{"${EMPTY+alt}", "alt", nil},
		{"${EMPTY:+alt}", "", nil},
		{"${UNSET:-${SET}}", "v", nil},
		{"${UNSET:-${OTHER}}", placeholder("OTHER"), []string{"OTHER"}},
		{"${UNSET:-a:b-c}", "a:b-c", nil},
		{"${UNSET:-x} and ${B}", "x and " + placeholder("B"), []string{"B"}},
		{"${SET:?x} ${B:?y} ${C}", "v " + placeholder("B") + " " + placeholder("C"), []string{"B", "C"}},
		{"$$SET $${SET} $$$SET", "$SET ${SET} $v", nil},
		{"pre${UNSET}post", "pre" + placeholder("UNSET") + "post", []string{"UNSET"}},
		{"${lower_case}", placeholder("lower_case"), []string{"lower_case"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s := newUnsetSubstitution()
			got, err := s.substitute(tt.in, mapping(env))
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "substitute", got, tt.want)
			equal(t, "unset", s.names(), tt.unset)
		})
	}
}

// Where nothing is missing, parity must interpolate exactly as Compose.
func TestSubstituteAgreesWithCompose(t *testing.T) {
	env := map[string]string{"A": "a", "B": "", "C": "c c"}
	for _, in := range []string{
		"$A ${A} ${B} x$$y",
		"${A:-d} ${B:-d} ${Z:-d} ${A-d} ${B-d} ${Z-d}",
		"${A:+p} ${B:+p} ${Z:+p} ${A+p} ${B+p} ${Z+p}",
		"${A:?e} ${B?e} ${C}",
		"${Z:-${A}}/${Z:-${B:-${C}}}",
		"${A:-x}${C:-y}",
		"postgres://u:${A}@db:5432/${C:-db}?sslmode=${Z:-disable}",
	} {
		want, err := template.Substitute(in, mapping(env))
		if err != nil {
			t.Fatalf("compose-go: %v", err)
		}
		s := newUnsetSubstitution()
		got, err := s.substitute(in, mapping(env))
		if err != nil {
			t.Fatal(err)
		}
		equal(t, in, got, want)
		equal(t, in+" unset", s.names(), []string(nil))
	}
}

func TestSubstituteInvalidTemplate(t *testing.T) {
	for _, in := range []string{"${", "${ A}", "${A!x}", "${9}"} {
		_, err := newUnsetSubstitution().substitute(in, mapping(nil))
		var invalid *template.InvalidTemplateError
		if !errors.As(err, &invalid) {
			t.Errorf("substitute(%q) err = %v, want an InvalidTemplateError like Compose's", in, err)
		}
	}
}
