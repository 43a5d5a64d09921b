package stacks

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
)

// NATS is the NATS server (core NATS and JetStream), as packaged by the
// official nats image, whose settings are nats-server's command-line
// options.
type NATS struct{}

func natsFor(img Image) (NATS, bool) {
	return NATS{}, img.repoIs("nats")
}

func (NATS) Kind() string { return "nats" }

// Port: the client port. The monitoring (8222) and route
// (6222) ports are published when the manifest names them.
func (NATS) Port() int { return 4222 }

// DataDir: "". Core NATS keeps nothing; a JetStream store
// directory is kept when the manifest mounts a named volume there, as any
// other volume.
func (NATS) DataDir() string { return "" }

// Configure: Whether clients log in is production's
// decision, read from its command: --user/--pass (a password) or --auth (a
// token), in any of the forms Go's flag package reads (-pass, --pass x,
// --pass=x). The password or token becomes parity's secret. Credentials in
// a mounted configuration file are not seen; the probe then reports ErrAuth.
func (NATS) Configure(svc Service, secret string) Config {
	env := cloneEnv(svc.Env)
	cmd := cloneArgs(svc.Command)
	secret = natsPassword(cmd, secret)
	var creds Credentials
	for i := 0; i < len(cmd); i++ {
		name, value, inline := natsFlag(cmd[i])
		switch name {
		case "user":
			if inline {
				creds.User = value
			} else if i+1 < len(cmd) {
				creds.User = cmd[i+1]
			}
		case "pass", "auth":
			if inline {
				cmd[i] = cmd[i][:strings.IndexByte(cmd[i], '=')+1] + secret
			} else if i+1 < len(cmd) {
				// Same length as the manifest's command: the engine binds
				// the variable that filled this position to the secret.
				cmd[i+1] = secret
				i++
			} else {
				continue // no value: production's server would not start either
			}
			creds.Password = secret
			if name == "auth" {
				creds.User = "" // a token stands alone
			}
		}
	}
	if creds.Password == "" {
		creds.User = ""
	}
	return Config{Credentials: creds, Env: env, Command: cmd}
}

// natsPassword is the password or token production's command gives, where
// the repository has it, else secret.
func natsPassword(cmd []string, secret string) string {
	for i, arg := range cmd {
		name, value, inline := natsFlag(arg)
		if name != "pass" && name != "auth" {
			continue
		}
		if !inline && i+1 < len(cmd) {
			value = cmd[i+1]
		}
		if strings.TrimSpace(value) != "" {
			return value
		}
	}
	return secret
}

// natsFlag splits "-pass", "--pass" and "--pass=x" into the option's name,
// its inline value and whether it had one; name is "" for a non-option.
func natsFlag(arg string) (name, value string, inline bool) {
	if !strings.HasPrefix(arg, "-") {
		return "", "", false
	}
	arg = strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	name, value, inline = strings.Cut(arg, "=")
	return name, value, inline
}

// Probe: it connects (the server's INFO, the client's
// CONNECT with the credentials) and flushes, a PING answered PONG, which
// is when an authorization failure shows.
func (NATS) Probe(ctx context.Context, ep Endpoint) error {
	timeout := probeTimeout(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	dialer := &probeDialer{}
	defer dialer.closeAll()
	opts := []nats.Option{
		nats.Name("parity probe"),
		nats.Timeout(timeout),
		nats.NoReconnect(),
		nats.SetCustomDialer(natsDialer{d: dialer, ctx: ctx}),
		nats.NoCallbacksAfterClientClose(),
		// nats.go prints asynchronous errors to stderr unless handled.
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}),
	}
	nc, err := nats.Connect(natsURL(ep), opts...)
	if err != nil {
		return natsFailed(ctx, dialer, err)
	}
	defer nc.Close()
	if err := nc.FlushWithContext(ctx); err != nil {
		return natsFailed(ctx, dialer, err)
	}
	return nil
}

type natsDialer struct {
	d   *probeDialer
	ctx context.Context
}

func (n natsDialer) Dial(network, addr string) (net.Conn, error) {
	return n.d.DialContext(n.ctx, network, addr)
}

func natsFailed(ctx context.Context, dialer *probeDialer, err error) error {
	if errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) ||
		errors.Is(err, nats.ErrAuthRevoked) || strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
		return probeFailed(ErrAuth, err)
	}
	if cause := dialer.transportCause(); cause != nil {
		return cause
	}
	if reason := transportReason(err); reason != nil {
		return probeFailed(reason, err)
	}
	if errors.Is(err, nats.ErrTimeout) {
		return probeFailed(ErrTimeout, err)
	}
	if ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	return err
}

// URL: nats://user:pass@host:port, or nats://token@host:port.
func (NATS) URL(ep Endpoint) string { return natsURL(ep) }

func natsURL(ep Endpoint) string {
	u := &url.URL{Scheme: "nats", Host: net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))}
	switch c := ep.Credentials; {
	case c.User != "" && c.Password != "":
		u.User = url.UserPassword(c.User, c.Password)
	case c.Password != "":
		u.User = url.User(c.Password) // a token
	}
	return u.String()
}

func (NATS) Schemes() []string { return []string{"nats"} }

func (NATS) Vars() []string { return []string{"NATS_URL"} }

// Shell: nil, the official image has no client.
func (NATS) Shell(Credentials) ShellCommand { return ShellCommand{} }
