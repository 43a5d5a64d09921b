package docker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// processStart is when parity started, near enough: debug lines give their
// time since it, so lines from the engine client and from the probes, and
// from two sessions of one command, share one clock.
var processStart = time.Now()

// DebugLog is parity's --debug trace: one line per Docker API call and per
// readiness probe attempt, each prefixed "parity debug: +1.234s". It is what
// a developer (or a maintainer reading a bug report) needs to see what parity
// asked the engine and what it answered, so every line is masked first: env
// entries and flags whose name looks secret, URL passwords and every secret
// registered with SecretsFrom. A nil *DebugLog logs nothing.
type DebugLog struct {
	w     io.Writer
	start time.Time

	mu      sync.Mutex
	sources []func() []string
}

// NewDebugLog writes debug lines to w (stderr); nil when w is nil, so the
// option can be passed through unconditionally.
func NewDebugLog(w io.Writer) *DebugLog {
	if w == nil {
		return nil
	}
	return &DebugLog{w: w, start: processStart}
}

// minSecretLen is the shortest registered secret that is masked wherever it
// appears. Shorter values ("1", "app") also occur in ports, durations and
// names, which masking would garble; such a value is still masked where its
// variable's name or its URL says it is a password.
const minSecretLen = 4

// SecretsFrom registers a source of secrets asked at every line: the
// engine's generated passwords change when a project is planned again.
// source must not call back into the log.
func (d *DebugLog) SecretsFrom(source func() []string) {
	if d == nil || source == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sources = append(d.sources, source)
}

// Printf writes one masked line.
func (d *DebugLog) Printf(format string, args ...any) {
	if d == nil {
		return
	}
	msg := d.mask(fmt.Sprintf(format, args...))
	msg = strings.ReplaceAll(msg, "\n", `\n`)
	line := fmt.Sprintf("parity debug: +%.3fs %s\n", time.Since(d.start).Seconds(), msg)
	d.mu.Lock()
	defer d.mu.Unlock()
	_, _ = io.WriteString(d.w, line)
}

// mask hides what looks secret in free text: URL passwords, values after a
// password flag (--requirepass X), and every registered secret.
func (d *DebugLog) mask(s string) string {
	s = maskText(s)
	if d == nil {
		return s
	}
	for _, secret := range d.known() {
		s = strings.ReplaceAll(s, secret, masked)
	}
	return s
}

// known are the registered secrets, longest first so that a secret
// containing another is masked whole.
func (d *DebugLog) known() []string {
	d.mu.Lock()
	sources := slices.Clone(d.sources)
	d.mu.Unlock()
	var out []string
	for _, src := range sources {
		for _, v := range src() {
			if len(v) >= minSecretLen {
				out = append(out, v)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

// transport wraps base so that every call through it is logged: method,
// path and query, status and duration, and a masked summary of a JSON
// request body. Streaming calls (events, followed logs, pulls, builds) log
// when their answer starts and when their body is closed.
func (d *DebugLog) transport(base http.RoundTripper) http.RoundTripper {
	if d == nil {
		return base
	}
	return &debugTransport{base: base, log: d}
}

type debugTransport struct {
	base http.RoundTripper
	log  *DebugLog
}

func (t *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	call := "docker " + req.Method + " " + req.URL.RequestURI()
	body := ""
	if isJSON(req.Header.Get("Content-Type")) {
		var raw []byte
		raw, req = peekBody(req)
		if summary := t.log.summarize(raw); summary != "" {
			body = " " + summary
		}
	}
	apiPath := versionPrefix.ReplaceAllString(req.URL.Path, "")
	stream := streaming(req.Method, apiPath, req.URL.Query())
	resp, err := t.base.RoundTrip(req)
	took := time.Since(start)
	switch {
	case err != nil:
		t.log.Printf("%s failed after %s: %v%s", call, roundDuration(took), err, body)
	case stream:
		t.log.Printf("%s %d stream started after %s%s", call, resp.StatusCode, roundDuration(took), body)
		resp.Body = &streamEnd{ReadCloser: resp.Body, end: func() {
			t.log.Printf("%s stream ended after %s", call, roundDuration(time.Since(start)))
		}}
	default:
		t.log.Printf("%s %d %s%s", call, resp.StatusCode, roundDuration(took), body)
	}
	return resp, err
}

// streamEnd calls end once, when the stream's body is closed.
type streamEnd struct {
	io.ReadCloser
	once sync.Once
	end  func()
}

func (s *streamEnd) Close() error {
	err := s.ReadCloser.Close()
	s.once.Do(s.end)
	return err
}

func isJSON(contentType string) bool {
	return strings.HasPrefix(strings.TrimSpace(contentType), "application/json")
}

// maxBodyPeek bounds how much of a request body is read for its summary;
// parity's JSON bodies are a few kilobytes.
const maxBodyPeek = 1 << 20

// peekBody returns the request body's bytes and a request that still sends
// them. The SDK's bodies can be read again through GetBody; any other is
// read once and replaced on a copy of the request, which is what is sent.
func peekBody(req *http.Request) ([]byte, *http.Request) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, req
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, req
		}
		defer rc.Close()
		raw, _ := io.ReadAll(io.LimitReader(rc, maxBodyPeek))
		return raw, req
	}
	raw, err := io.ReadAll(req.Body)
	req.Body.Close()
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(raw))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
	if err != nil {
		return nil, out
	}
	if len(raw) > maxBodyPeek {
		raw = raw[:maxBodyPeek]
	}
	return raw, out
}

// maxSummary bounds a body summary in a line. Masking happens before the
// cut, so a secret is never left half shown.
const maxSummary = 600

// summarize is a JSON body as one compact line: masked, without the
// empty fields (Docker's create body is mostly zero values), cut short.
func (d *DebugLog) summarize(raw []byte) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Sprintf("(%d bytes of unreadable JSON)", len(raw))
	}
	v, _ = prune(maskJSON(v))
	out, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	s := d.mask(string(out))
	if len(s) > maxSummary {
		cut := maxSummary
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// masked replaces every secret.
const masked = "****"

// secretWords are the parts of a variable, flag or field name that say its
// value is a secret.
var secretWords = []string{"PASSWORD", "PASS", "PWD", "SECRET", "TOKEN", "KEY", "AUTH", "CREDENTIAL"}

// secretName reports whether name (POSTGRES_PASSWORD, requirepass,
// ApiKey) says its value is a secret.
func secretName(name string) bool {
	up := strings.ToUpper(name)
	for _, w := range secretWords {
		if strings.Contains(up, w) {
			return true
		}
	}
	return false
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// maskEnvEntry masks the value of NAME=VALUE when NAME looks secret.
func maskEnvEntry(s string) string {
	name, _, ok := strings.Cut(s, "=")
	if !ok || !envName.MatchString(name) || !secretName(name) {
		return s
	}
	return name + "=" + masked
}

// urlPassword is the password in a URL's userinfo (scheme://user:PASSWORD@).
// A password cannot hold an unescaped "@", "/", "?" or "#".
var urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s"]*:)[^@/?#\s"]*@`)

// flagValue is a password flag's value in a command line
// ("--requirepass X", "--password=X", "-auth X").
var flagValue = regexp.MustCompile(`(?i)(^|[\s"'=])(--?[a-z0-9_-]*(?:pass|pwd|secret|token|key|auth|credential)[a-z0-9_-]*)([ =])("[^"]*"|'[^']*'|[^\s"']+)`)

// maskText masks URL passwords and password flags' values in free text.
func maskText(s string) string {
	s = urlPassword.ReplaceAllString(s, "${1}"+masked+"@")
	return flagValue.ReplaceAllString(s, "${1}${2}${3}"+masked)
}

// maskJSON masks a decoded JSON value: strings as text, env entries by
// their name, object fields whose name looks secret, and in an argument
// list the argument after a password flag ("--requirepass", "X").
func maskJSON(v any) any {
	switch x := v.(type) {
	case string:
		return maskText(maskEnvEntry(x))
	case []any:
		out := make([]any, len(x))
		afterFlag := false
		for i, e := range x {
			s, isString := e.(string)
			switch {
			case afterFlag && isString:
				out[i] = masked
			default:
				out[i] = maskJSON(e)
			}
			afterFlag = isString && isSecretFlag(s)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if _, isString := e.(string); isString && secretName(k) {
				out[k] = masked
				continue
			}
			out[k] = maskJSON(e)
		}
		return out
	default:
		return v
	}
}

// isSecretFlag reports whether arg is a flag that takes a secret as the
// next argument: "--requirepass", "-password", "--auth".
func isSecretFlag(arg string) bool {
	name, ok := strings.CutPrefix(arg, "-")
	if !ok || strings.Contains(arg, "=") {
		return false
	}
	name = strings.TrimPrefix(name, "-")
	return name != "" && envName.MatchString(name) && secretName(name)
}

// prune drops what carries nothing: null, "", false, 0, empty lists and
// objects. It reports whether v itself is empty.
func prune(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		return x, x == ""
	case bool:
		return x, !x
	case json.Number:
		return x, x.String() == "0"
	case []any:
		// Positions are kept (an empty argument still is one); a list of
		// nothing but zeros (ConsoleSize [0,0]) is dropped.
		out := make([]any, 0, len(x))
		empty := true
		for _, e := range x {
			p, e := prune(e)
			out = append(out, p)
			empty = empty && e
		}
		return out, empty
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if p, empty := prune(e); !empty {
				out[k] = p
			}
		}
		return out, len(out) == 0
	default:
		return v, false
	}
}

// roundDuration is a duration as a developer reads it: 12ms, 1.234s.
func roundDuration(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
