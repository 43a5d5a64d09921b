package stacks

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Memcached is the memcached cache, as packaged by the official image (no
// authentication) or by Bitnami (SASL when MEMCACHED_PASSWORD is set). The
// zero value is the official image.
type Memcached struct {
	bitnami bool
}

var memcachedImages = slices.Concat(imageTable[bool]{
	{"memcached", false},
}, bitnami("memcached", true))

func memcachedFor(img Image) (Memcached, bool) {
	bitnami, ok := memcachedImages.match(img)
	return Memcached{bitnami: bitnami}, ok
}

func (Memcached) Kind() string { return "memcached" }

func (Memcached) Port() int { return 11211 }

// DataDir: "", memcached keeps everything in memory.
func (Memcached) DataDir() string { return "" }

// Configure: The official image has no authentication,
// and neither does parity's. Bitnami's turns SASL on when production sets
// MEMCACHED_PASSWORD; its value becomes parity's secret.
func (m Memcached) Configure(svc Service, secret string) Config {
	env := cloneEnv(svc.Env)
	var creds Credentials
	if m.bitnami && anySet(env, "MEMCACHED_PASSWORD", "MEMCACHED_PASSWORD_FILE") {
		delete(env, "MEMCACHED_PASSWORD_FILE")
		secret = password(env, secret, "MEMCACHED_PASSWORD")
		user := firstSet(env, "MEMCACHED_USERNAME")
		if user == "" {
			user = "root"
		}
		fillEmpty(env, user, "MEMCACHED_USERNAME")
		env["MEMCACHED_PASSWORD"] = secret
		creds = Credentials{User: user, Password: secret}
	}
	return Config{Credentials: creds, Env: env, Command: cloneArgs(svc.Command)}
}

// Probe: the version command, answered "VERSION x.y.z".
// Memcached opens its port only once it serves, but Docker's proxy accepts
// before that and hangs up (ErrNoAnswer). With SASL on, memcached speaks
// only its binary protocol, where VERSION needs no login; parity's password
// is then not checked, there being no command that checks it without the
// SASL exchange.
func (Memcached) Probe(ctx context.Context, ep Endpoint) error {
	timeout := probeTimeout(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return memcachedFailed(ctx, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return memcachedFailed(ctx, err)
	}
	if ep.Credentials.Password != "" {
		err = memcachedBinaryVersion(conn)
	} else {
		err = memcachedTextVersion(conn)
	}
	if err != nil {
		return memcachedFailed(ctx, err)
	}
	return nil
}

func memcachedTextVersion(conn net.Conn) error {
	if _, err := io.WriteString(conn, "version\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "VERSION ") {
		return fmt.Errorf("version answered %q", strings.TrimSpace(line))
	}
	return nil
}

// memcachedBinaryVersion sends a binary-protocol VERSION request (magic
// 0x80, opcode 0x0b) and reads the response header.
func memcachedBinaryVersion(conn net.Conn) error {
	req := make([]byte, 24)
	req[0], req[1] = 0x80, 0x0b
	if _, err := conn.Write(req); err != nil {
		return err
	}
	var hdr [24]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return err
	}
	if hdr[0] != 0x81 || hdr[1] != 0x0b {
		return fmt.Errorf("version answered with magic %#x opcode %#x", hdr[0], hdr[1])
	}
	if status := binary.BigEndian.Uint16(hdr[6:8]); status != 0 {
		if status == 0x20 { // authentication error
			return probeFailed(ErrAuth, fmt.Errorf("version refused: status %#x", status))
		}
		return fmt.Errorf("version refused: status %#x", status)
	}
	return nil
}

func memcachedFailed(ctx context.Context, err error) error {
	var perr *probeError
	if errors.As(err, &perr) {
		return err
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	if reason := transportReason(err); reason != nil {
		return probeFailed(reason, err)
	}
	if ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	return err
}

// URL: host:port, the form memcached clients take (there
// is no URL scheme they agree on).
func (Memcached) URL(ep Endpoint) string {
	return net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
}

// Schemes: the memcached:// form a few libraries accept.
func (Memcached) Schemes() []string { return []string{"memcached", "memcache"} }

// Vars: the server lists Rails (MEMCACHE_SERVERS), Dalli
// and Django's pylibmc setups read, as host:port.
func (Memcached) Vars() []string { return []string{"MEMCACHED_SERVERS", "MEMCACHE_SERVERS"} }

// Shell: nil, memcached has no client in its image.
func (Memcached) Shell(Credentials) ShellCommand { return ShellCommand{} }
