package stacks

import (
	"context"
)

// generic is a service parity runs without knowing its kind: a third-party
// image the app talks to (a mail catcher, an S3 stand-in, a search engine).
type generic struct {
	port int
}

// Generic returns the stack for a service of no known kind that listens on
// port in its container. It sets no credentials and changes nothing in the
// manifest's settings; readiness is TCPProbe.
func Generic(port int) Stack { return generic{port: port} }

func (generic) Kind() string { return "generic" }

func (g generic) Port() int { return g.port }

// DataDir is "": where such a service keeps data is for its manifest's
// volumes to say.
func (generic) DataDir() string { return "" }

func (generic) Configure(svc Service, _ string) Config {
	env := cloneEnv(svc.Env)
	return Config{Env: env, Command: cloneArgs(svc.Command)}
}

func (generic) Probe(ctx context.Context, ep Endpoint) error {
	return TCPProbe(ctx, ep.Host, ep.Port)
}

// URL is "": there is no scheme parity could know; the address is host:port.
func (generic) URL(Endpoint) string { return "" }

func (generic) Schemes() []string { return nil }

func (generic) Vars() []string { return nil }

func (generic) Shell(Credentials) ShellCommand { return ShellCommand{} }
