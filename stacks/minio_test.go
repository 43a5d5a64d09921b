package stacks

import (
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMinIOConfigure(t *testing.T) {
	cfg := ForImage("minio/minio:RELEASE.2024-08-17T01-24-54Z").Configure(Service{
		Env:     map[string]string{"MINIO_ROOT_USER": "", "MINIO_ROOT_PASSWORD_FILE": "/run/secrets/minio"},
		Command: []string{"server", "/data", "--console-address", ":9001"},
	}, secret)
	if cfg.Credentials != (Credentials{User: "minioadmin", Password: secret}) {
		t.Errorf("credentials = %+v", cfg.Credentials)
	}
	if cfg.Env["MINIO_ROOT_USER"] != "minioadmin" || cfg.Env["MINIO_ROOT_PASSWORD"] != secret {
		t.Errorf("env = %v", cfg.Env)
	}
	if _, ok := cfg.Env["MINIO_ROOT_PASSWORD_FILE"]; ok {
		t.Error("MINIO_ROOT_PASSWORD_FILE kept: it names a production secret")
	}
	b := ForImage("bitnami/minio:2024").Configure(Service{Env: map[string]string{"MINIO_ROOT_USER": "admin", "MINIO_DEFAULT_BUCKETS": "uploads:public,avatars"}}, secret)
	if b.Credentials != (Credentials{User: "admin", Password: secret, Database: "avatars"}) {
		t.Errorf("bitnami credentials = %+v", b.Credentials)
	}
}

func TestMinIOBuckets(t *testing.T) {
	got := minioBuckets(map[string]string{
		"MINIO_DEFAULT_BUCKETS":   "uploads:public, avatars",
		"S3_BUCKET":               "uploads",
		"AWS_STORAGE_BUCKET_NAME": "static-files",
		"BUCKET":                  "x", // too short for S3
		"S3_BUCKET_URL":           "s3://reports/2024",
		"LOG_BUCKET":              "",
		"OTHER":                   "not-a-bucket-var",
		"BACKUP_BUCKET":           "Bad_Name",
	})
	if want := []string{"avatars", "static-files", "uploads"}; !reflect.DeepEqual(got, want) {
		t.Errorf("minioBuckets = %v, want %v", got, want)
	}
}

func TestMinIOVarValues(t *testing.T) {
	ep := Endpoint{Host: "127.0.0.1", Port: 9002, Credentials: Credentials{User: "minioadmin", Password: "pw"}}
	m := ForImage("minio/minio:RELEASE.2024-08-17T01-24-54Z")
	got := m.(VarValuer).VarValues(ep)
	want := map[string]string{"S3_ENDPOINT": "http://127.0.0.1:9002", "AWS_ACCESS_KEY_ID": "minioadmin", "AWS_SECRET_ACCESS_KEY": "pw", "AWS_REGION": "us-east-1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("VarValues = %v", got)
	}
	for _, v := range m.Vars() {
		if _, ok := got[v]; !ok {
			t.Errorf("Vars has %s, VarValues does not", v)
		}
	}
	if m.URL(ep) != "http://127.0.0.1:9002" {
		t.Errorf("URL = %q, want no credentials in it", m.URL(ep))
	}
}

// fakeS3 is a MinIO stand-in: health, ListBuckets and CreateBucket, each
// signed request checked by signing it again with the known secret.
type fakeS3 struct {
	mu      sync.Mutex
	ready   bool
	user    string
	secret  string
	buckets map[string]bool
	puts    int
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == "/minio/health/ready" {
		if !f.ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		return
	}
	check, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	date, _ := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	signV4(check, r.Header.Get("X-Amz-Content-Sha256"), f.user, f.secret, "us-east-1", "s3", date)
	if got := r.Header.Get("Authorization"); got == "" || got != check.Header.Get("Authorization") {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`<Error><Code>SignatureDoesNotMatch</Code></Error>`))
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/":
		_, _ = w.Write([]byte(`<ListAllMyBucketsResult/>`))
	case r.Method == http.MethodPut && strings.Count(r.URL.Path, "/") == 1:
		f.puts++
		name := strings.TrimPrefix(r.URL.Path, "/")
		if f.buckets[name] {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`<Error><Code>BucketAlreadyOwnedByYou</Code></Error>`))
			return
		}
		f.buckets[name] = true
	default:
		w.WriteHeader(http.StatusNotImplemented)
	}
}

func (f *fakeS3) endpoint(t *testing.T, user, password string) Endpoint {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	n, _ := strconv.Atoi(port)
	return Endpoint{Host: host, Port: n, Credentials: Credentials{User: user, Password: password}}
}

func TestMinIOProbe(t *testing.T) {
	m := ForImage("minio/minio:RELEASE.2024-08-17T01-24-54Z")
	f := &fakeS3{user: "minioadmin", secret: "pw", buckets: map[string]bool{}}
	ep := f.endpoint(t, "minioadmin", "pw")
	wantReason(t, "not ready yet", m.Probe(probeCtx(t, 2*time.Second), ep), ErrStarting)
	f.mu.Lock()
	f.ready = true
	f.mu.Unlock()
	if err := m.Probe(probeCtx(t, 2*time.Second), ep); err != nil {
		t.Errorf("ready, right keys: %v", err)
	}
	bad := ep
	bad.Credentials.Password = "wrong"
	wantReason(t, "wrong secret key", m.Probe(probeCtx(t, 2*time.Second), bad), ErrAuth)
	wantReason(t, "nothing listens", m.Probe(probeCtx(t, 2*time.Second), Endpoint{Host: "127.0.0.1", Port: closedPort(t)}), ErrRefused)
	wantReason(t, "proxy with nobody behind it", m.Probe(probeCtx(t, 2*time.Second), Endpoint{Host: "127.0.0.1", Port: serve(t, hangUp)}), ErrNoAnswer)
}

func TestMinIOInitCreatesTheManifestsBuckets(t *testing.T) {
	in := ForImage("minio/minio:RELEASE.2024-08-17T01-24-54Z").(Initializer)
	f := &fakeS3{ready: true, user: "minioadmin", secret: "pw", buckets: map[string]bool{"avatars": true}}
	ep := f.endpoint(t, "minioadmin", "pw")
	svc := Service{Name: "minio", Env: map[string]string{"MINIO_ROOT_USER": "minioadmin", "S3_BUCKET": "uploads", "AVATARS_BUCKET": "avatars"}}
	for i := 0; i < 2; i++ { // Init runs after every successful probe: it must be idempotent
		if err := in.Init(probeCtx(t, 2*time.Second), ep, svc); err != nil {
			t.Fatalf("Init #%d: %v", i+1, err)
		}
	}
	if !f.buckets["uploads"] || !f.buckets["avatars"] || len(f.buckets) != 2 {
		t.Errorf("buckets = %v, want uploads created and avatars kept", f.buckets)
	}
	if err := in.Init(probeCtx(t, 2*time.Second), ep, Service{Env: map[string]string{"LOG_LEVEL": "info"}}); err != nil || f.puts != 4 {
		t.Errorf("Init with no bucket named: %v, %d requests (want none)", err, f.puts-4)
	}
	bad := ep
	bad.Credentials.Password = "wrong"
	wantReason(t, "wrong secret key", in.Init(probeCtx(t, 2*time.Second), bad, svc), ErrAuth)
}
