package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed/sockproxy"
)

// TestAnEngineThatNeverAnswersIsReportedAfterTheContactTimeout: an engine
// that accepts connections and says nothing fails Ping, and the call after it,
// within the contact timeout, naming the endpoint and what to check.
func TestAnEngineThatNeverAnswersIsReportedAfterTheContactTimeout(t *testing.T) {
	p := sockproxy.Start(t, "/nonexistent/docker.sock")
	p.Hang()
	t.Setenv(TimeoutEnv, "300ms")
	e, err := NewAt(p.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	start := time.Now()
	_, err = e.Ping(context.Background())
	took := time.Since(start)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Ping: want ErrUnreachable, got %v", err)
	}
	for _, want := range []string{p.Host, "accepts connections but has not answered for 300ms", "docker info"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Ping is a version negotiation and a call: one timeout, not two.
	if took < 300*time.Millisecond || took > 550*time.Millisecond {
		t.Errorf("Ping failed after %v, want about 300ms", took)
	}
	start = time.Now()
	if _, err := e.Containers(context.Background(), nil); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Containers: want ErrUnreachable, got %v", err)
	}
	if took := time.Since(start); took > 550*time.Millisecond {
		t.Errorf("Containers on a silent engine failed after %v", took)
	}
}

func TestContactTimeoutReadsDurationsAndSeconds(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"": DefaultContactTimeout, "2s": 2 * time.Second, "7": 7 * time.Second, "0.5": 500 * time.Millisecond,
		"-1s": DefaultContactTimeout, "soon": DefaultContactTimeout,
	} {
		if got := contactTimeout(func(string) string { return in }); got != want {
			t.Errorf("%s=%q: %v, want %v", TimeoutEnv, in, got, want)
		}
	}
}

// fakeEngine serves handler on a unix socket, with /_ping and /version answered.
func fakeEngine(t *testing.T, handler http.HandlerFunc) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "fe-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ln, err := net.Listen("unix", filepath.Join(dir, "docker.sock"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		switch path := versionPrefix.ReplaceAllString(r.URL.Path, ""); path {
		case "/_ping":
			fmt.Fprint(w, "OK")
		case "/version":
			fmt.Fprint(w, `{"Version":"20.10.24","ApiVersion":"1.41","Os":"linux"}`)
		default:
			handler(w, r)
		}
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return "unix://" + ln.Addr().String()
}

// TestALaterCallWithoutAnswerHitsTheBackstopButStreamsAreNotCut: after the
// engine has answered, a non-streaming call that gets no answer fails after
// the backstop; an event stream whose answer starts later is left alone.
func TestALaterCallWithoutAnswerHitsTheBackstopButStreamsAreNotCut(t *testing.T) {
	host := fakeEngine(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/containers/json"):
			<-r.Context().Done() // never answers
		case strings.HasSuffix(r.URL.Path, "/events"):
			time.Sleep(400 * time.Millisecond)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"db"}},"time":1}`+"\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	})
	e, err := NewAt(host)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.answers.call = 200 * time.Millisecond
	if _, err := e.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	_, err = e.Containers(context.Background(), nil)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), host) ||
		!strings.Contains(err.Error(), "has not answered GET /containers/json for 200ms") {
		t.Fatalf("Containers on an engine that stopped answering: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the backstop fired after %v", took)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	evs, errs := e.Events(ctx, nil)
	select {
	case ev := <-evs:
		if ev.Name != "db" || ev.Action != "start" {
			t.Errorf("event %+v", ev)
		}
	case err := <-errs:
		t.Fatalf("the event stream was cut: %v", err)
	case <-ctx.Done():
		t.Fatal("no event")
	}
}

func TestStreamingCallsAndStopGraceAreRecognised(t *testing.T) {
	for _, c := range []struct {
		method, path, query string
		want                bool
	}{
		{"GET", "/events", "", true},
		{"GET", "/containers/abc/logs", "follow=1", true},
		{"GET", "/containers/abc/logs", "follow=0&tail=20", false},
		{"POST", "/images/create", "fromImage=redis", true},
		{"POST", "/build", "", true},
		{"POST", "/containers/abc/wait", "", true},
		{"GET", "/containers/json", "all=1", false},
		{"POST", "/containers/abc/start", "", false},
		{"GET", "/images/redis:7/json", "", false},
	} {
		q, _ := url.ParseQuery(c.query)
		if got := streaming(c.method, c.path, q); got != c.want {
			t.Errorf("streaming(%s %s?%s) = %v", c.method, c.path, c.query, got)
		}
	}
	if got := stopGrace("/containers/abc/stop", url.Values{"t": {"30"}}); got != 30*time.Second {
		t.Errorf("stop grace %v", got)
	}
	if got := stopGrace("/containers/abc/start", nil); got != 0 {
		t.Errorf("start grace %v", got)
	}
}

// TestStartOnAStaleTaskIsErrStaleTask: the engine's answers to starting a
// container whose containerd task (or runc container) survived the engine's
// death; a name conflict is not one of them.
func TestStartOnAStaleTaskIsErrStaleTask(t *testing.T) {
	const id = "4f2a9c0d1e3b5a7c"
	for msg, stale := range map[string]bool{
		"failed to create task for container: task " + id + ": already exists: unknown":                          true,
		"task " + id + " already exists":                                                                         true,
		`container "` + id + `": already exists`:                                                                 true,
		"OCI runtime create failed: container with id exists: " + id + ": unknown":                               true,
		`Conflict. The container name "/db" is already in use by container "` + id + `". You have to remove it.`: false,
		"network parity-x already exists":                                                                        false,
	} {
		host := fakeEngine(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			b, _ := json.Marshal(map[string]string{"message": msg})
			w.Write(b)
		})
		e, err := NewAt(host)
		if err != nil {
			t.Fatal(err)
		}
		err = e.Start(context.Background(), id)
		e.Close()
		if got := errors.Is(err, ErrStaleTask); got != stale {
			t.Errorf("answer %q: ErrStaleTask %v, want %v (%v)", msg, got, stale, err)
		}
		if stale && !strings.Contains(err.Error(), "start container "+id) {
			t.Errorf("error %q does not name the container", err)
		}
	}
}
