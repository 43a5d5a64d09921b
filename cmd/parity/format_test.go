package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestFormatFlag checks --format and --json on every text-or-JSON command
// through the runF seam: both spellings ask for JSON, text is the default,
// and a wrong value is an error that lists the right ones.
func TestFormatFlag(t *testing.T) {
	io, _, _ := testStreams()
	g := &globalOptions{}
	var asJSON bool
	commands := map[string]func() *cobra.Command{
		"status": func() *cobra.Command {
			return newStatusCmd(io, g, func(o *statusOptions) error { asJSON = o.json; return nil })
		},
		"check": func() *cobra.Command {
			return newCheckCmd(io, g, func(o *checkOptions) error { asJSON = o.json; return nil })
		},
		"doctor": func() *cobra.Command {
			return newDoctorCmd(io, g, func(o *doctorOptions) error { asJSON = o.json; return nil })
		},
		"up": func() *cobra.Command {
			return newUpCmd(io, g, func(o *upOptions) error { asJSON = o.json; return nil })
		},
	}
	for name, mk := range commands {
		for _, tc := range []struct {
			args    []string
			want    bool
			wantErr string
		}{
			{nil, false, ""},
			{[]string{"--json"}, true, ""},
			{[]string{"--format", "json"}, true, ""},
			{[]string{"--format=text"}, false, ""},
			{[]string{"--format", "yaml"}, false, `unknown --format "yaml": use text or json`},
			{[]string{"--json", "--format", "text"}, false, "--json and --format text disagree"},
		} {
			asJSON = false
			err := execute(t, mk(), tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(errText(err), tc.wantErr) {
					t.Errorf("%s %v: err = %v, want %q", name, tc.args, err, tc.wantErr)
				}
				// check's own failures exit 2, apart from drift's 1.
				var ee *exitError
				if name == "check" && (!errors.As(err, &ee) || ee.code != 2) {
					t.Errorf("check %v: err = %#v, want exit status 2", tc.args, err)
				}
				continue
			}
			if err != nil || asJSON != tc.want {
				t.Errorf("%s %v: json = %v (err %v), want %v", name, tc.args, asJSON, err, tc.want)
			}
		}
	}
}

// errText is what parity prints for err: check's failures carry their
// message in an exitError (exit status 2).
func errText(err error) string {
	var ee *exitError
	if errors.As(err, &ee) && ee.msg != "" {
		return ee.msg
	}
	return err.Error()
}
