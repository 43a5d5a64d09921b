package engine

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The live view's shell key runs `docker exec -it`: the password goes by
// name on the docker CLI's command line (-e NAME, value from its own
// environment), never by value.
func TestShellCommandPassesThePasswordOnlyThroughTheEnvironment(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("ShellCommand needs the docker CLI on PATH")
	}
	f := fakeWithImages()
	s := testSession(t, quickstart(), f, &recorder{}, "")
	up(t, s)
	for _, tc := range []struct{ service, envName, client string }{
		{"db", "PGPASSWORD", "psql"},
		{"cache", "REDISCLI_AUTH", "redis-cli"},
	} {
		p, _, _ := s.snapshot()
		secret := p.service(tc.service).Credentials.Password
		if secret == "" {
			t.Fatalf("%s has no password to hide", tc.service)
		}
		cmd, err := s.shellCommand(tc.service)
		if err != nil {
			t.Fatal(err)
		}
		argv := strings.Join(cmd.Args, " ")
		if strings.Contains(argv, secret) {
			t.Errorf("%s: the password is on the command line %q", tc.service, argv)
		}
		id := s.id(tc.service)
		want := []string{"docker", "exec", "-it", "-e", tc.envName, id, tc.client}
		if len(cmd.Args) < len(want) || !slices.Equal(cmd.Args[:len(want)], want) {
			t.Errorf("%s: argv %q, want it to start %q", tc.service, cmd.Args, want)
		}
		if !slices.Contains(cmd.Env, tc.envName+"="+secret) {
			t.Errorf("%s: the docker CLI's environment lacks %s", tc.service, tc.envName)
		}
	}
}
