package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// syncBuffer is a bytes.Buffer safe for the transport's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMaskingHidesSecretsAndKeepsTheRest(t *testing.T) {
	for _, c := range []struct {
		name, body string
		secrets    []string
		want       []string // substrings of the summary
		never      []string
	}{
		{
			name:  "postgres create body: password by name, the rest kept",
			body:  `{"Image":"postgres:15.4","Env":["POSTGRES_DB=shop","POSTGRES_PASSWORD=s3cr3t-pg","POSTGRES_USER=app","PGDATA=/var/lib/postgresql/data"],"Tty":false,"Cmd":null}`,
			want:  []string{`"POSTGRES_DB=shop"`, `"POSTGRES_PASSWORD=****"`, `"POSTGRES_USER=app"`, `"PGDATA=/var/lib/postgresql/data"`, `"Image":"postgres:15.4"`},
			never: []string{"s3cr3t-pg", `"Tty"`, `"Cmd"`},
		},
		{
			name:  "every secret-looking variable name",
			body:  `{"Env":["RABBITMQ_DEFAULT_PASS=a1","MYSQL_ROOT_PWD=a2","JWT_SECRET=a3","GITHUB_TOKEN=a4","MINIO_ACCESS_KEY=a5","REDIS_AUTH=a6","GOOGLE_APPLICATION_CREDENTIALS=a7","db_password=a8"]}`,
			want:  []string{"RABBITMQ_DEFAULT_PASS=****", "MYSQL_ROOT_PWD=****", "JWT_SECRET=****", "GITHUB_TOKEN=****", "MINIO_ACCESS_KEY=****", "REDIS_AUTH=****", "GOOGLE_APPLICATION_CREDENTIALS=****", "db_password=****"},
			never: []string{"=a1", "=a2", "=a3", "=a4", "=a5", "=a6", "=a7", "=a8"},
		},
		{
			name:  "URL passwords in values whose name says nothing",
			body:  `{"Env":["DATABASE_URL=postgres://app:pg-pass-1@db:5432/shop?sslmode=disable","REDIS_URL=redis://:redis-pass-2@cache:6379/0","HOME_URL=http://example.com:8080/a@b"]}`,
			want:  []string{"DATABASE_URL=postgres://app:****@db:5432/shop?sslmode=disable", "REDIS_URL=redis://:****@cache:6379/0", "HOME_URL=http://example.com:8080/a@b"},
			never: []string{"pg-pass-1", "redis-pass-2"},
		},
		{
			name:  "a password flag's argument in an argument list and in a shell line",
			body:  `{"Cmd":["redis-server","--requirepass","flag-pass-3","--appendonly","yes"],"Entrypoint":["sh","-c","exec nats-server --pass=flag-pass-4 --user app"]}`,
			want:  []string{`["redis-server","--requirepass","****","--appendonly","yes"]`, "--pass=**** --user app"},
			never: []string{"flag-pass-3", "flag-pass-4"},
		},
		{
			name:    "registered secrets wherever they appear",
			body:    `{"Cmd":["sh","-c","echo gen-secret-value-5 | kafka-configs"],"Labels":{"note":"x gen-secret-value-5 y"},"Env":["JAAS=user password=\"gen-secret-value-5\""]}`,
			secrets: []string{"gen-secret-value-5"},
			want:    []string{"echo **** | kafka-configs", `"note":"x **** y"`},
			never:   []string{"gen-secret-value-5"},
		},
		{
			name:  "fields whose name looks secret, nested",
			body:  `{"HostConfig":{"Binds":["shop-db:/data"]},"Auth":{"Password":"field-pass-6","Username":"me"}}`,
			want:  []string{`"Password":"****"`, `"Username":"me"`, `"Binds":["shop-db:/data"]`},
			never: []string{"field-pass-6"},
		},
		{
			name:  "nothing secret: left alone",
			body:  `{"ConsoleSize":[0,0],"Image":"redis:7.0","Env":["POSTGRES_DB=passport","REDIS_PORT=6379","APP_ENV=development","HOSTNAME=db"],"ExposedPorts":{"6379/tcp":{}},"Cmd":["redis-server","--port","6379"]}`,
			want:  []string{"POSTGRES_DB=passport", "REDIS_PORT=6379", "APP_ENV=development", "HOSTNAME=db", `["redis-server","--port","6379"]`},
			never: []string{"****", "ConsoleSize"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := NewDebugLog(io.Discard)
			d.SecretsFrom(func() []string { return c.secrets })
			got := d.summarize([]byte(c.body))
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("summary %s\ndoes not contain %s", got, w)
				}
			}
			for _, n := range c.never {
				if strings.Contains(got, n) {
					t.Errorf("summary %s\nshows %s", got, n)
				}
			}
		})
	}
}

func TestMaskOfFreeTextAndShortOrSourcedSecrets(t *testing.T) {
	d := NewDebugLog(io.Discard)
	d.SecretsFrom(func() []string { return []string{"", "ab", "longsecret", "longsecret-and-more"} })
	planned := "from-the-plan"
	d.SecretsFrom(func() []string { return []string{planned} })
	for in, want := range map[string]string{
		"dial postgres://app:hunter22@127.0.0.1:5432/app: refused": "dial postgres://app:****@127.0.0.1:5432/app: refused",
		"probe said longsecret-and-more, then longsecret":          "probe said ****, then ****",
		"ab is too short to be masked everywhere: tab, abc":        "ab is too short to be masked everywhere: tab, abc",
		"redis-server --requirepass 'a b c' --port 1":              "redis-server --requirepass **** --port 1",
		"AUTH from-the-plan failed":                                "AUTH **** failed",
	} {
		if got := d.mask(in); got != want {
			t.Errorf("mask(%q)\n = %q\nwant %q", in, got, want)
		}
	}
	planned = "replanned-secret"
	if got := d.mask("now replanned-secret"); got != "now ****" {
		t.Errorf("a secret source is asked at every line: %q", got)
	}
	var none *DebugLog
	none.Printf("nothing %s", "happens") // a nil log is usable
	if got := none.mask("postgres://u:pw12@h"); got != "postgres://u:****@h" {
		t.Errorf("nil log mask = %q", got)
	}
}

func TestUnreadableBodyIsSummarisedBySize(t *testing.T) {
	if got := NewDebugLog(io.Discard).summarize([]byte(`{"Env":["X=`)); got != "(11 bytes of unreadable JSON)" {
		t.Errorf("summary %q", got)
	}
}

func TestLongBodiesAreCutAfterMasking(t *testing.T) {
	d := NewDebugLog(io.Discard)
	secret := "a-generated-secret-that-straddles-the-cut"
	d.SecretsFrom(func() []string { return []string{secret} })
	// Unmasked, the secret would start 10 bytes before the cut.
	pad := strings.Repeat("x", maxSummary-10-len(`{"A":"`)-len(`","B":"`))
	got := d.summarize([]byte(fmt.Sprintf(`{"A":%q,"B":"%s","C":%q}`, pad, secret, strings.Repeat("y", 100))))
	if !strings.HasSuffix(got, "…") || len(got) > maxSummary+len("…") {
		t.Errorf("summary of %d bytes not cut: %q", len(got), got)
	}
	if strings.Contains(got, secret[:10]) {
		t.Errorf("the cut left part of a secret: %q", got)
	}
}

var debugLine = regexp.MustCompile(`^parity debug: \+\d+\.\d{3}s docker `)

// TestDebugTransportLogsEachCall: with WithDebug, each call to the engine
// is one line with method, path and query, status, duration and the masked
// body; streams log their start and their end; the body still reaches the
// engine whole.
func TestDebugTransportLogsEachCall(t *testing.T) {
	var gotBody string
	var mu sync.Mutex
	host := fakeEngine(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/containers/create"):
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			gotBody = string(b)
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"Id":"c0ffee","Warnings":[]}`)
		case strings.HasSuffix(r.URL.Path, "/containers/json"):
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `[]`)
		case strings.HasSuffix(r.URL.Path, "/json"): // inspect of a missing container
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"No such container: nosuch"}`)
		case strings.HasSuffix(r.URL.Path, "/events"):
			w.Header().Set("Content-Type", "application/json")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	})
	var out syncBuffer
	log := NewDebugLog(&out)
	e, err := NewAt(host, WithDebug(log))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	if _, err := e.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	id, err := e.Create(ctx, ContainerSpec{
		Name: "shop-db-1", Image: "postgres:15.4",
		Env: []string{"POSTGRES_DB=shop", "POSTGRES_PASSWORD=pw-in-create-body"},
		Cmd: []string{"postgres", "-c", "max_connections=200"},
	})
	if err != nil || id != "c0ffee" {
		t.Fatalf("create: %q, %v", id, err)
	}
	mu.Lock()
	if !strings.Contains(gotBody, "pw-in-create-body") {
		t.Errorf("the engine got %q: the body must be sent unmasked", gotBody)
	}
	mu.Unlock()
	if _, err := e.Containers(ctx, map[string]string{"dev.parity.project": "shop"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Inspect(ctx, "nosuch"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("inspect: %v", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	_, errs := e.Events(sctx, nil)
	waitFor(t, func() bool { return strings.Contains(out.String(), "/events") })
	cancel()
	<-errs
	waitFor(t, func() bool { return strings.Contains(out.String(), "stream ended") })

	text := out.String()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for _, l := range lines {
		if !debugLine.MatchString(l) {
			t.Errorf("line %q lacks the prefix, time and source", l)
		}
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`docker HEAD /_ping 200 \d+(\.\d+)?[mµ]?s`),
		regexp.MustCompile(`docker GET /v1\.41/version 200 `),
		regexp.MustCompile(`docker POST /v1\.41/containers/create\?name=shop-db-1 201 \d+(\.\d+)?[mµ]?s \{.*"Env":\["POSTGRES_DB=shop","POSTGRES_PASSWORD=\*\*\*\*"\].*"Image":"postgres:15\.4"`),
		regexp.MustCompile(`docker GET /v1\.41/containers/json\?all=1&filters=\S+ 200 `),
		regexp.MustCompile(`docker GET /v1\.41/containers/nosuch/json 404 `),
		regexp.MustCompile(`docker GET /v1\.41/events\?\S* 200 stream started after `),
		regexp.MustCompile(`docker GET /v1\.41/events\?\S* stream ended after `),
	} {
		if !want.MatchString(text) {
			t.Errorf("no line matches %s in\n%s", want, text)
		}
	}
	if strings.Contains(text, "pw-in-create-body") {
		t.Errorf("the password is in the debug log:\n%s", text)
	}
}

// TestDebugKeepsTheTimeouts: the debug transport sits around the answer
// timeouts, so a call the backstop cuts still fails as ErrUnreachable, and
// the line says it failed and when.
func TestDebugKeepsTheTimeouts(t *testing.T) {
	host := fakeEngine(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	})
	var out syncBuffer
	e, err := NewAt(host, WithDebug(NewDebugLog(&out)))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.answers.call = 150 * time.Millisecond
	if _, err := e.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Containers(context.Background(), nil); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("want ErrUnreachable, got %v", err)
	}
	if !regexp.MustCompile(`docker GET /v1\.41/containers/json\S* failed after 1\d\dms: .*has not answered`).MatchString(out.String()) {
		t.Errorf("no failure line in\n%s", out.String())
	}
}

// TestPeekBodyWithoutGetBodyStillSendsIt: a body that cannot be read
// twice is read once and sent from the copy.
func TestPeekBodyWithoutGetBodyStillSendsIt(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://docker/containers/create", io.NopCloser(strings.NewReader(`{"A":1}`)))
	req.GetBody = nil
	raw, sent := peekBody(req)
	if string(raw) != `{"A":1}` {
		t.Errorf("peeked %q", raw)
	}
	b, _ := io.ReadAll(sent.Body)
	if string(b) != `{"A":1}` {
		t.Errorf("sent %q", b)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// FuzzDebugSummary: any request body is summarised without panicking, as
// valid UTF-8, and a registered secret never shows in the summary.
func FuzzDebugSummary(f *testing.F) {
	f.Add(`{"Env":["POSTGRES_PASSWORD=hunter22"],"Cmd":["redis-server","--requirepass","hunter22"]}`, "hunter22")
	f.Add(`{"Env":["DATABASE_URL=postgres://u:hunter22@db/app"]}`, "hunter22")
	f.Add(`[1,null,{"a":[{"b":""}]},"x"]`, "zzzz")
	f.Add(`{"A":"`+strings.Repeat("é", 400)+`"}`, "éééé")
	f.Fuzz(func(t *testing.T, body, secret string) {
		d := NewDebugLog(io.Discard)
		d.SecretsFrom(func() []string { return []string{secret} })
		got := d.summarize([]byte(body))
		if !utf8.ValidString(body) || !utf8.ValidString(secret) {
			return
		}
		if !utf8.ValidString(got) {
			t.Errorf("summary of valid UTF-8 is not: %q", got)
		}
		if len(secret) >= minSecretLen && !strings.Contains(secret, "*") && strings.Contains(got, secret) {
			t.Errorf("secret %q shown in %q", secret, got)
		}
	})
}
