package docker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/go-connections/sockets"
	"github.com/docker/go-connections/tlsconfig"
	"github.com/moby/moby/client"
)

// Engine is the Client backed by a real Docker Engine through the official
// SDK. The API version is negotiated on first use, so an older engine (API
// 1.41, Docker 20.10) works; parity sends nothing newer than 1.41 needs.
type Engine struct {
	cli      *client.Client
	endpoint string
	answers  *answerTimeouts
}

var _ Client = (*Engine)(nil)

// New connects to the engine the docker CLI would use: DOCKER_HOST, else the
// current docker context, else the default socket. Nothing is dialled yet: an
// engine that is down shows up as ErrUnreachable on the first call.
//
// DOCKER_HOST or a context parity cannot dial (ssh://) is an error matching
// ErrUnsupportedEndpoint that names it and the fix.
func New(opts ...Option) (*Engine, error) {
	home, _ := os.UserHomeDir()
	host, err := resolveEndpoint(os.Getenv, home)
	if err != nil {
		return nil, err
	}
	return NewAt(host, opts...)
}

// Option changes how New and NewAt make the client.
type Option func(*settings)

type settings struct {
	debug *DebugLog
}

// WithDebug logs every API call to d (--debug); a nil d logs nothing.
func WithDebug(d *DebugLog) Option {
	return func(s *settings) { s.debug = d }
}

// NewAt connects to the engine at host (e.g. "unix:///var/run/docker.sock" or
// "tcp://127.0.0.1:2375"). TLS settings and a pinned API version are still
// taken from DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and DOCKER_API_VERSION.
//
// An engine that does not answer its first contact within
// DefaultContactTimeout (PARITY_ENGINE_TIMEOUT), or a later non-streaming
// call within a minute, is an error matching ErrUnreachable.
func NewAt(host string, opts ...Option) (*Engine, error) {
	var set settings
	for _, o := range opts {
		o(&set)
	}
	tr, scheme, err := engineTransport(host)
	if err != nil {
		return nil, &unreachableError{endpoint: host, cause: err}
	}
	answers := newAnswerTimeouts(tr, host)
	cli, err := client.New(
		// WithHost sets the address; the HTTP client given after it
		// replaces the SDK's transport with one parity bounds in time
		// (and, with --debug, logs around those bounds: a call cut by
		// them is logged as failed, with its duration).
		client.WithHost(host),
		client.WithHTTPClient(&http.Client{Transport: set.debug.transport(answers), CheckRedirect: client.CheckRedirect}),
		client.WithScheme(scheme),
		client.WithAPIVersionFromEnv(),
		client.WithAPIVersionNegotiation(),
	)
	if err != nil {
		return nil, &unreachableError{endpoint: host, cause: err}
	}
	return &Engine{cli: cli, endpoint: host, answers: answers}, nil
}

// engineTransport builds the transport that dials host, with TLS from
// DOCKER_CERT_PATH and DOCKER_TLS_VERIFY as the docker CLI reads them, and
// the URL scheme requests use over it.
func engineTransport(host string) (*http.Transport, string, error) {
	u, err := client.ParseHostURL(host)
	if err != nil {
		return nil, "", err
	}
	tr := &http.Transport{}
	scheme := "http"
	if certs := os.Getenv(client.EnvOverrideCertPath); certs != "" {
		cfg, err := tlsconfig.Client(tlsconfig.Options{
			CAFile:             filepath.Join(certs, "ca.pem"),
			CertFile:           filepath.Join(certs, "cert.pem"),
			KeyFile:            filepath.Join(certs, "key.pem"),
			InsecureSkipVerify: os.Getenv(client.EnvTLSVerify) == "",
			MinVersion:         tls.VersionTLS12,
		})
		if err != nil {
			return nil, "", fmt.Errorf("configure TLS from %s=%s: %w", client.EnvOverrideCertPath, certs, err)
		}
		tr.TLSClientConfig = cfg
		scheme = "https"
	}
	if err := sockets.ConfigureTransport(tr, u.Scheme, u.Host); err != nil {
		return nil, "", err
	}
	return tr, scheme, nil
}

// Close releases the SDK's idle connections.
func (e *Engine) Close() error {
	if tr, ok := e.answers.base.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
	return e.cli.Close()
}

// Endpoint is the address the engine is reached at.
func (e *Engine) Endpoint() string { return e.endpoint }

// Ping checks that the engine answers and returns its versions; APIVersion is
// the one negotiated, i.e. what parity speaks to this engine.
func (e *Engine) Ping(ctx context.Context) (Info, error) {
	v, err := e.cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return Info{}, e.fail(err, "ping docker engine")
	}
	return Info{
		Endpoint:      e.endpoint,
		ServerVersion: v.Version,
		APIVersion:    e.cli.ClientVersion(),
		OS:            v.Os,
		ClientMinAPI:  client.MinAPIVersion,
		ClientMaxAPI:  client.MaxAPIVersion,
	}, nil
}

// fail turns an SDK error into parity's: connection failures become
// ErrUnreachable (naming the endpoint and the fix), the daemon's not-found and
// conflict answers match ErrNotFound and ErrConflict, everything else is
// wrapped with what parity was doing.
func (e *Engine) fail(err error, doing string) error {
	var silent *noAnswerError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &silent):
		return silent
	case client.IsErrConnectionFailed(err):
		return &unreachableError{endpoint: e.endpoint, cause: dialCause(e.endpoint, err)}
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("%s: %w", doing, &kindError{kind: ErrNotFound, cause: err})
	case cerrdefs.IsConflict(err):
		return fmt.Errorf("%s: %w", doing, &kindError{kind: ErrConflict, cause: err})
	default:
		return fmt.Errorf("%s: %w", doing, err)
	}
}

// unreachableError is ErrUnreachable with the endpoint, the cause and the fix.
type unreachableError struct {
	endpoint string
	cause    error
}

func (u *unreachableError) Error() string {
	fix := `start Docker (e.g. "sudo systemctl start docker" or Docker Desktop) or set DOCKER_HOST`
	if errors.Is(u.cause, os.ErrPermission) {
		fix = `add your user to the "docker" group ("sudo usermod -aG docker $USER", then log in again) or set DOCKER_HOST`
	}
	return fmt.Sprintf("cannot reach the Docker engine at %s: %v; %s", u.endpoint, u.cause, fix)
}

func (u *unreachableError) Is(target error) bool { return target == ErrUnreachable }
func (u *unreachableError) Unwrap() error        { return u.cause }

// kindError keeps the daemon's message (which names the object) while
// matching one of parity's sentinels.
type kindError struct {
	kind  error
	cause error
}

func (k *kindError) Error() string {
	return strings.TrimPrefix(k.cause.Error(), "Error response from daemon: ")
}
func (k *kindError) Is(target error) bool { return target == k.kind }
func (k *kindError) Unwrap() error        { return k.cause }

// dialCause finds why the endpoint cannot be reached. The SDK replaces the
// dial error with a generic "Cannot connect to the Docker daemon" message;
// dialling again recovers the actual reason ("no such file or directory",
// "connection refused", "permission denied").
func dialCause(endpoint string, sdkErr error) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return sdkErr
	}
	var network, addr string
	switch u.Scheme {
	case "unix":
		network, addr = "unix", u.Path
	case "tcp":
		network, addr = "tcp", u.Host
	default:
		return sdkErr
	}
	conn, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		return err
	}
	conn.Close()
	return sdkErr
}
