package stacks

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MinIO is the MinIO object store, which speaks Amazon S3's API, as
// packaged by MinIO (minio/minio, quay.io/minio/minio) or Bitnami. The zero
// value is MinIO's image.
//
// Not verified end-to-end here: Debian ships no MinIO. The probe and bucket
// creation are tested against an HTTP fake that checks the requests'
// signatures.
type MinIO struct {
	bitnami bool
}

var minioImages = slices.Concat(imageTable[bool]{
	{"minio/minio", false},
}, bitnami("minio", true))

func minioFor(img Image) (MinIO, bool) {
	bitnami, ok := minioImages.match(img)
	return MinIO{bitnami: bitnami}, ok
}

func (MinIO) Kind() string { return "minio" }

// Port: the S3 API. The console (9001) is published when
// the manifest names it.
func (MinIO) Port() int { return 9000 }

// DataDir: where `minio server /data`, the command every
// MinIO manifest gives, keeps its objects.
func (m MinIO) DataDir() string {
	if m.bitnami {
		return "/bitnami/minio/data"
	}
	return "/data"
}

// S3Region is the region the app is told to sign for. MinIO without a
// configured region accepts any; AWS SDKs insist on one.
const S3Region = "us-east-1"

// Configure: The root user is production's (minioadmin
// when it names none), the password parity's secret; MinIO reads both at
// every start, so unlike a database the password follows the secret even
// on an existing volume. The first bucket of Bitnami's MINIO_DEFAULT_BUCKETS
// is the credentials' database.
func (m MinIO) Configure(svc Service, secret string) Config {
	env := cloneEnv(svc.Env)
	for _, v := range []string{"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"} {
		delete(env, v+"_FILE")
	}
	secret = password(env, secret, "MINIO_ROOT_PASSWORD", "MINIO_SECRET_KEY")
	user := firstSet(env, "MINIO_ROOT_USER", "MINIO_ACCESS_KEY")
	if user == "" {
		user = "minioadmin"
	}
	env["MINIO_ROOT_USER"] = user
	fillEmpty(env, user, "MINIO_ACCESS_KEY")
	env["MINIO_ROOT_PASSWORD"] = secret
	setPresent(env, secret, "MINIO_SECRET_KEY")
	creds := Credentials{User: user, Password: secret}
	if b := minioBuckets(env); len(b) > 0 {
		creds.Database = b[0]
	}
	return Config{Credentials: creds, Env: env, Command: cloneArgs(svc.Command)}
}

// Probe: GET /minio/health/ready, which answers 200 once
// the server can serve requests, then a signed ListBuckets, which shows
// whether the credentials are right (403 is ErrAuth).
func (MinIO) Probe(ctx context.Context, ep Endpoint) error {
	timeout := probeTimeout(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base := minioURL(ep)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/minio/health/ready", nil)
	if err != nil {
		return err
	}
	resp, err := probeHTTPClient().Do(req)
	if err != nil {
		return httpFailed(ctx, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode == http.StatusServiceUnavailable {
		return probeFailed(ErrStarting, fmt.Errorf("GET /minio/health/ready: %s", resp.Status))
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /minio/health/ready: %s", resp.Status)
	}
	status, body, err := s3Do(ctx, http.MethodGet, base+"/", ep.Credentials)
	if err != nil {
		return httpFailed(ctx, err)
	}
	switch {
	case status == http.StatusForbidden || status == http.StatusUnauthorized:
		return probeFailed(ErrAuth, fmt.Errorf("list buckets: %d %s", status, s3ErrorCode(body)))
	case status == http.StatusServiceUnavailable:
		return probeFailed(ErrStarting, fmt.Errorf("list buckets: %d %s", status, s3ErrorCode(body)))
	case status != http.StatusOK:
		return fmt.Errorf("list buckets: %d %s", status, s3ErrorCode(body))
	}
	return nil
}

// Init implements Initializer: it creates the buckets the manifest names,
// so an app that expects its bucket to exist (as it does in production)
// finds it: Bitnami's MINIO_DEFAULT_BUCKETS (which that image also creates
// itself) and variables such as S3_BUCKET, AWS_STORAGE_BUCKET_NAME or
// MINIO_BUCKETS in svc.Env, which holds the app's environment too. A bucket
// that exists already is left as it is.
func (MinIO) Init(ctx context.Context, ep Endpoint, svc Service) error {
	for _, b := range minioBuckets(svc.Env) {
		status, body, err := s3Do(ctx, http.MethodPut, minioURL(ep)+"/"+b, ep.Credentials)
		if err != nil {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
		switch {
		case status == http.StatusOK:
		case status == http.StatusConflict && strings.Contains(string(body), "BucketAlreadyOwnedByYou"):
		case status == http.StatusForbidden:
			return probeFailed(ErrAuth, fmt.Errorf("create bucket %s: %d %s", b, status, s3ErrorCode(body)))
		default:
			return fmt.Errorf("create bucket %s: %d %s", b, status, s3ErrorCode(body))
		}
	}
	return nil
}

// bucketName is S3's rule for bucket names MinIO enforces: 3 to 63
// lower-case letters, digits, dots and hyphens, starting and ending with a
// letter or digit.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// minioBuckets finds bucket names in an environment: variables named
// BUCKET, *_BUCKET, *_BUCKET_NAME, *_BUCKETS (comma-separated, Bitnami's
// "name[:policy]" form allowed). Values that are not bucket names (a URL,
// an unset variable) are skipped. The result is sorted and unique.
func minioBuckets(env map[string]string) []string {
	seen := map[string]bool{}
	for k, v := range env {
		up := strings.ToUpper(k)
		if up != "BUCKET" && !strings.HasSuffix(up, "_BUCKET") && !strings.HasSuffix(up, "_BUCKET_NAME") && !strings.HasSuffix(up, "_BUCKETS") {
			continue
		}
		for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			name, _, _ := strings.Cut(item, ":")
			if bucketName.MatchString(name) && !strings.Contains(name, "..") {
				seen[name] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for b := range seen {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}

// s3Do sends one request with an empty body, signed with AWS Signature
// Version 4. Written here rather than taken from an S3 SDK: parity sends
// two kinds of request (list and create a bucket), and minio-go or the AWS
// SDK would bring dozens of packages for them.
func s3Do(ctx context.Context, method, rawURL string, creds Credentials) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		return 0, nil, err
	}
	signV4(req, emptySHA256, creds.User, creds.Password, S3Region, "s3", time.Now())
	resp, err := probeHTTPClient().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, body, nil
}

var s3Code = regexp.MustCompile(`<Code>([^<]+)</Code>`)

// s3ErrorCode is the <Code> of an S3 error body ("AccessDenied"), or "".
func s3ErrorCode(body []byte) string {
	if m := s3Code.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	return ""
}

func minioURL(ep Endpoint) string {
	return "http://" + net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
}

// URL: the S3 endpoint, http://host:port. S3 clients take
// the keys separately (AWS_ACCESS_KEY_ID...), never in the URL.
func (MinIO) URL(ep Endpoint) string { return minioURL(ep) }

func (MinIO) Schemes() []string { return []string{"http", "https", "s3"} }

// Vars: S3_ENDPOINT and the AWS SDKs' standard variables;
// VarValues gives their values.
func (MinIO) Vars() []string {
	return []string{"S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"}
}

// VarValues implements VarValuer.
func (MinIO) VarValues(ep Endpoint) map[string]string {
	return map[string]string{
		"S3_ENDPOINT":           minioURL(ep),
		"AWS_ACCESS_KEY_ID":     ep.Credentials.User,
		"AWS_SECRET_ACCESS_KEY": ep.Credentials.Password,
		"AWS_REGION":            S3Region,
	}
}

// Shell: nil, there is no interactive client.
func (MinIO) Shell(Credentials) ShellCommand { return ShellCommand{} }
