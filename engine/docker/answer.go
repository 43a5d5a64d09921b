package docker

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// TimeoutEnv overrides DefaultContactTimeout ("5s", or a number of seconds).
const TimeoutEnv = "PARITY_ENGINE_TIMEOUT"

// DefaultContactTimeout is how long parity waits for an engine's first
// answer. An engine that accepts connections and says nothing (Docker
// Desktop starting, a paused VM) must be reported, not waited on forever.
const DefaultContactTimeout = 5 * time.Second

// defaultCallTimeout is the backstop for a call to an engine that has
// answered before: no answer (its headers) within it is an error. Streaming
// calls are exempt, and a stop's own grace period is added.
const defaultCallTimeout = 60 * time.Second

// contactTimeout reads TimeoutEnv; anything unreadable keeps the default.
func contactTimeout(getenv func(string) string) time.Duration {
	v := strings.TrimSpace(getenv(TimeoutEnv))
	if v == "" {
		return DefaultContactTimeout
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs > 0 {
		return time.Duration(secs * float64(time.Second))
	}
	return DefaultContactTimeout
}

// answerTimeouts is an http.RoundTripper that bounds how long the engine may
// take to answer (send response headers): the contact timeout until the
// engine has answered once, then the call backstop for non-streaming calls.
// Once a first contact has timed out, calls made within the next contact
// timeout fail at once with the same error, so a command's version
// negotiation and its first call do not wait twice.
type answerTimeouts struct {
	base     http.RoundTripper
	endpoint string
	contact  time.Duration
	call     time.Duration

	mu          sync.Mutex
	answered    bool
	silentUntil time.Time
	silentErr   error
}

func (a *answerTimeouts) RoundTrip(req *http.Request) (*http.Response, error) {
	a.mu.Lock()
	first := !a.answered
	if first && time.Now().Before(a.silentUntil) {
		err := a.silentErr
		a.mu.Unlock()
		return nil, err
	}
	a.mu.Unlock()

	apiPath := versionPrefix.ReplaceAllString(req.URL.Path, "")
	limit := a.contact
	if !first {
		if streaming(req.Method, apiPath, req.URL.Query()) {
			return a.base.RoundTrip(req)
		}
		limit = a.call + stopGrace(apiPath, req.URL.Query())
	}
	ctx, cancel := context.WithCancel(req.Context())
	var connected, timedOut atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	})
	timer := time.AfterFunc(limit, func() {
		timedOut.Store(true)
		cancel()
	})
	resp, err := a.base.RoundTrip(req.WithContext(ctx))
	timer.Stop()
	if err != nil {
		cancel()
		if !timedOut.Load() || req.Context().Err() != nil {
			return nil, err
		}
		silent := &noAnswerError{
			endpoint:  a.endpoint,
			call:      req.Method + " " + apiPath,
			after:     limit,
			first:     first,
			connected: connected.Load(),
		}
		if first {
			a.mu.Lock()
			a.silentUntil, a.silentErr = time.Now().Add(a.contact), silent
			a.mu.Unlock()
		}
		return nil, silent
	}
	a.mu.Lock()
	a.answered = true
	a.mu.Unlock()
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

var versionPrefix = regexp.MustCompile(`^/v[0-9]+\.[0-9]+`)

// streamingPaths are calls whose answer may rightly take long to start or
// never end: events, a followed log, waits and attaches, pulls, pushes,
// builds and image transfers. The backstop must not cut them.
var streamingPaths = regexp.MustCompile(`^/(events|build|images/create|images/load|images/get|images/[^/]+(/[^/]+)*/(push|get)|containers/[^/]+/(wait|attach)|exec/[^/]+/start)$`)

func streaming(method, apiPath string, q url.Values) bool {
	if streamingPaths.MatchString(apiPath) {
		return true
	}
	if strings.HasPrefix(apiPath, "/containers/") && strings.HasSuffix(apiPath, "/logs") {
		follow, _ := strconv.ParseBool(q.Get("follow"))
		return follow
	}
	return false
}

// stopGrace is the time a stop or restart call may rightly take on top of
// the backstop: the grace period it gives the container before killing it.
func stopGrace(apiPath string, q url.Values) time.Duration {
	if !strings.HasPrefix(apiPath, "/containers/") ||
		!(strings.HasSuffix(apiPath, "/stop") || strings.HasSuffix(apiPath, "/restart")) {
		return 0
	}
	secs, err := strconv.Atoi(q.Get("t"))
	if err != nil || secs < 0 {
		return 10 * time.Second // the engine's default
	}
	return time.Duration(secs) * time.Second
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// noAnswerError is ErrUnreachable for an engine that has not answered in
// time: it names the endpoint, what it was asked, and what to check.
type noAnswerError struct {
	endpoint  string
	call      string
	after     time.Duration
	first     bool
	connected bool
}

func (n *noAnswerError) Error() string {
	if n.first {
		did := "accepts connections but has not answered"
		if !n.connected {
			did = "has not accepted a connection"
		}
		return fmt.Sprintf("the Docker engine at %s %s for %v: is Docker Desktop still starting, or the VM paused? "+
			"check with `docker info` (or set %s to wait longer)", n.endpoint, did, n.after, TimeoutEnv)
	}
	return fmt.Sprintf("the Docker engine at %s has not answered %s for %v: is it overloaded, or the VM paused? "+
		"check with `docker info`", n.endpoint, n.call, n.after)
}

func (n *noAnswerError) Is(target error) bool { return target == ErrUnreachable }

// newAnswerTimeouts wraps the transport that dials the engine in
// answerTimeouts.
func newAnswerTimeouts(base http.RoundTripper, endpoint string) *answerTimeouts {
	return &answerTimeouts{
		base:     base,
		endpoint: endpoint,
		contact:  contactTimeout(os.Getenv),
		call:     defaultCallTimeout,
	}
}
