package engine

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer collects debug lines written from the probes' goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDebugLogsEveryProbeAttemptWithSecretsMasked: with Options.Debug each
// readiness attempt is a line naming the service, its kind and address, the
// result and its duration; a generated password in a probe's error is
// masked, even where nothing around it says it is one.
func TestDebugLogsEveryProbeAttemptWithSecretsMasked(t *testing.T) {
	var out lockedBuffer
	s := testSession(t, quickstart(), fakeWithImages(), &recorder{}, "")
	s.opts.Debug = &out
	s.debug = s.newDebugLog()
	var mu sync.Mutex
	attempts := map[string]int{}
	s.probe = func(ctx context.Context, service string) error {
		mu.Lock()
		defer mu.Unlock()
		if attempts[service]++; attempts[service] > 1 {
			return nil
		}
		ps := s.currentPlan().service(service)
		return fmt.Errorf("not yet: tried postgres://app:%s@127.0.0.1/app, then %s", ps.Credentials.Password, ps.Credentials.Password)
	}
	up(t, s)

	text := out.String()
	p := s.currentPlan()
	for _, name := range []string{"db", "cache"} {
		ps := p.service(name)
		if ps.Credentials.Password == "" {
			t.Fatalf("%s has no generated password to hide", name)
		}
		if strings.Contains(text, ps.Credentials.Password) {
			t.Errorf("%s's password is in the debug log:\n%s", name, text)
		}
		addr := regexp.QuoteMeta(ps.Address())
		kind := ps.Stack.Kind()
		failed := regexp.MustCompile(`(?m)^parity debug: \+\d+\.\d{3}s probe ` + name + ` \(` + kind + `\) ` + addr +
			`: not yet: tried postgres://app:\*\*\*\*@127\.0\.0\.1/app, then \*\*\*\* in \d+(\.\d+)?[µm]?s$`)
		ok := regexp.MustCompile(`(?m)^parity debug: \+\d+\.\d{3}s probe ` + name + ` \(` + kind + `\) ` + addr + `: ok in \d+(\.\d+)?[µm]?s$`)
		if !failed.MatchString(text) || !ok.MatchString(text) {
			t.Errorf("no failed and ok attempt of %s (%s) at %s in\n%s", name, kind, ps.Address(), text)
		}
	}
}
