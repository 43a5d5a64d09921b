package stacks

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// RabbitMQ is the RabbitMQ broker over AMQP 0-9-1, as packaged by the
// official image (with or without the management plugin: "3-management")
// or by Bitnami. The zero value is the official image.
type RabbitMQ struct {
	bitnami bool
}

var rabbitmqImages = slices.Concat(imageTable[bool]{
	{"rabbitmq", false},
}, bitnami("rabbitmq", true))

func rabbitmqFor(img Image) (RabbitMQ, bool) {
	bitnami, ok := rabbitmqImages.match(img)
	return RabbitMQ{bitnami: bitnami}, ok
}

func (RabbitMQ) Kind() string { return "rabbitmq" }

// Port: AMQP. The management UI's 15672 is published too
// when the manifest publishes or exposes it, like any port it names.
func (RabbitMQ) Port() int { return 5672 }

func (r RabbitMQ) DataDir() string {
	if r.bitnami {
		return "/bitnami/rabbitmq/mnesia"
	}
	return "/var/lib/rabbitmq"
}

// Configure: The user and vhost are production's (guest
// and "/" when it names none); the password is parity's secret. RabbitMQ
// creates that user and vhost when it boots on an empty data directory.
//
// RabbitMQ keeps its data under the node's name, rabbit@<hostname>, and a
// container's hostname changes each time it is recreated, which would
// leave the data (queues, and the user) behind in the volume. So, unless
// production names the node, the node is rabbit@localhost, as Bitnami's
// image does by default.
func (r RabbitMQ) Configure(svc Service, secret string) Config {
	env := cloneEnv(svc.Env)
	if r.bitnami {
		return Config{Credentials: configureBitnamiRabbitMQ(env, secret), Env: env, Command: cloneArgs(svc.Command)}
	}
	for _, v := range []string{"RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS", "RABBITMQ_DEFAULT_VHOST"} {
		delete(env, v+"_FILE")
	}
	secret = password(env, secret, "RABBITMQ_DEFAULT_PASS")
	user := firstSet(env, "RABBITMQ_DEFAULT_USER")
	if user == "" {
		// guest may only log in over loopback unless loopback_users says
		// otherwise; the official image's configuration does.
		user = "guest"
	}
	vhost := firstSet(env, "RABBITMQ_DEFAULT_VHOST")
	if vhost == "" {
		vhost = "/"
	}
	env["RABBITMQ_DEFAULT_USER"] = user
	env["RABBITMQ_DEFAULT_PASS"] = secret
	fillEmpty(env, vhost, "RABBITMQ_DEFAULT_VHOST")
	if firstSet(env, "RABBITMQ_NODENAME") == "" {
		env["RABBITMQ_NODENAME"] = "rabbit@localhost"
	}
	return Config{Credentials: Credentials{User: user, Password: secret, Database: rabbitVhost(vhost)}, Env: env, Command: cloneArgs(svc.Command)}
}

// configureBitnamiRabbitMQ follows Bitnami's rabbitmq-env.sh: RABBITMQ_USERNAME
// (user by default), RABBITMQ_PASSWORD (bitnami), RABBITMQ_VHOST ("/").
func configureBitnamiRabbitMQ(env map[string]string, secret string) Credentials {
	for _, v := range []string{"RABBITMQ_USERNAME", "RABBITMQ_PASSWORD", "RABBITMQ_VHOST"} {
		delete(env, v+"_FILE")
	}
	secret = password(env, secret, "RABBITMQ_PASSWORD")
	user := firstSet(env, "RABBITMQ_USERNAME")
	if user == "" {
		user = "user"
	}
	vhost := firstSet(env, "RABBITMQ_VHOST")
	if vhost == "" {
		vhost = "/"
	}
	env["RABBITMQ_USERNAME"] = user
	env["RABBITMQ_PASSWORD"] = secret
	fillEmpty(env, vhost, "RABBITMQ_VHOST")
	return Credentials{User: user, Password: secret, Database: rabbitVhost(vhost)}
}

// rabbitVhost is the vhost as Credentials keep it: "" for the default "/",
// which an AMQP URL writes as an empty path.
func rabbitVhost(vhost string) string {
	if vhost == "/" {
		return ""
	}
	return vhost
}

// Probe: it opens an AMQP connection, which logs in and
// opens the vhost, and closes it. RabbitMQ opens its AMQP listener last,
// once it has booted and created the default user, so until then Docker's
// port proxy hangs up (ErrNoAnswer).
func (RabbitMQ) Probe(ctx context.Context, ep Endpoint) error {
	timeout := probeTimeout(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	dialer := &probeDialer{}
	defer dialer.closeAll()
	uri, err := amqp.ParseURI(rabbitURL(ep))
	if err != nil {
		return err
	}
	cfg := amqp.Config{
		SASL:      []amqp.Authentication{uri.PlainAuth()},
		Vhost:     uri.Vhost,
		Heartbeat: 10 * time.Second,
		Locale:    "en_US",
		Dial: func(network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// The handshake honours the connection's deadline, not ctx.
			if dl, ok := ctx.Deadline(); ok {
				_ = c.SetDeadline(dl)
			}
			return c, nil
		},
		Properties: amqp.Table{"connection_name": "parity probe"},
	}
	conn, err := amqp.DialConfig(rabbitURL(ep), cfg)
	if err != nil {
		return rabbitFailed(ctx, dialer, err)
	}
	_ = conn.Close()
	return nil
}

func rabbitFailed(ctx context.Context, dialer *probeDialer, err error) error {
	// amqp091 returns ErrCredentials and ErrVhost also when the broker drops
	// the connection after the login or the vhost step; it reaches those
	// steps only once the broker has answered, so a dropped connection
	// there is the broker's refusal, not a proxy with nobody behind it.
	var aerr *amqp.Error
	if errors.As(err, &aerr) {
		vhost := strings.Contains(strings.ToLower(aerr.Reason), "vhost")
		switch {
		case aerr == amqp.ErrVhost, (aerr.Code == amqp.NotAllowed || aerr.Code == amqp.AccessRefused) && vhost:
			return probeFailed(ErrNoDatabase, err)
		case aerr.Code == amqp.AccessRefused:
			return probeFailed(ErrAuth, err)
		case aerr.Code == amqp.ConnectionForced:
			return probeFailed(ErrStarting, err) // the broker is shutting down or restarting
		}
	}
	if cause := dialer.transportCause(); cause != nil {
		return cause
	}
	if reason := transportReason(err); reason != nil {
		return probeFailed(reason, err)
	}
	if ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	return err
}

// URL: amqp://user:pass@host:port/vhost, with the default
// vhost "/" as an empty path (the AMQP URI spec writes it "%2F"; both work).
func (RabbitMQ) URL(ep Endpoint) string { return rabbitURL(ep) }

func rabbitURL(ep Endpoint) string {
	u := &url.URL{Scheme: "amqp", Host: net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)), Path: "/"}
	if v := ep.Credentials.Database; v != "" {
		u.Path = "/" + v
		u.RawPath = "/" + url.PathEscape(v)
	}
	switch c := ep.Credentials; {
	case c.User != "" && c.Password != "":
		u.User = url.UserPassword(c.User, c.Password)
	case c.User != "":
		u.User = url.User(c.User)
	}
	return u.String()
}

// Schemes: amqps is TLS; the local broker has none, so the
// engine gives the app amqp.
func (RabbitMQ) Schemes() []string { return []string{"amqp", "amqps"} }

func (RabbitMQ) Vars() []string { return []string{"AMQP_URL", "RABBITMQ_URL", "CELERY_BROKER_URL"} }

// Shell: nil, RabbitMQ has no interactive client
// (rabbitmqctl runs one command; the management UI is on 15672).
func (RabbitMQ) Shell(Credentials) ShellCommand { return ShellCommand{} }
