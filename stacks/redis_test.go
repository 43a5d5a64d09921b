package stacks

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisConfigureCommand(t *testing.T) {
	tests := []struct {
		name     string
		cmd      []string
		want     []string
		password string // "" when the server has no auth
	}{
		{"no command: no auth, as in production", nil, nil, ""},
		{"command without requirepass", []string{"redis-server", "--appendonly", "yes"}, []string{"redis-server", "--appendonly", "yes"}, ""},
		{
			"a literal password is production's own: kept",
			[]string{"redis-server", "--requirepass", "prod-pass", "--appendonly", "yes"},
			[]string{"redis-server", "--requirepass", "prod-pass", "--appendonly", "yes"}, "prod-pass",
		},
		{
			"value of a variable unset here",
			[]string{"redis-server", "--appendonly", "yes", "--requirepass", ""},
			[]string{"redis-server", "--appendonly", "yes", "--requirepass", secret}, secret,
		},
		{
			"options only (the entrypoint adds redis-server)",
			[]string{"--requirepass", ""}, []string{"--requirepass", secret}, secret,
		},
		{
			"valkey-server",
			[]string{"valkey-server", "--requirepass", "x"}, []string{"valkey-server", "--requirepass", "x"}, "x",
		},
		{
			"requirepass last, with no value: left as is",
			[]string{"redis-server", "--requirepass"}, []string{"redis-server", "--requirepass"}, "",
		},
		{
			"sh -c with a container variable: not known here",
			[]string{"sh", "-c", `redis-server --requirepass "$REDIS_PASSWORD" --appendonly yes`},
			[]string{"sh", "-c", "redis-server --requirepass " + secret + " --appendonly yes"}, secret,
		},
		{
			"sh -c with a value from the manifest: kept",
			[]string{"/bin/sh", "-c", "redis-server --requirepass prodpass"},
			[]string{"/bin/sh", "-c", "redis-server --requirepass prodpass"}, "prodpass",
		},
		{
			"sh -c whose value was unset here",
			[]string{"sh", "-c", "redis-server --requirepass  --appendonly yes"},
			[]string{"sh", "-c", "redis-server --requirepass " + secret + "  --appendonly yes"}, secret,
		},
		{
			"sh -c ending at requirepass",
			[]string{"sh", "-c", "redis-server --requirepass "},
			[]string{"sh", "-c", "redis-server --requirepass " + secret + " "}, secret,
		},
		{
			"sh -c reading a secret file",
			[]string{"sh", "-c", `exec redis-server --requirepass "$(cat /run/secrets/redis password)" && true`},
			[]string{"sh", "-c", "exec redis-server --requirepass " + secret + " && true"}, secret,
		},
		{
			"sh -c with a quoted empty value",
			[]string{"sh", "-c", `redis-server --requirepass ''; echo done`},
			[]string{"sh", "-c", "redis-server --requirepass " + secret + "; echo done"}, secret,
		},
	}
	for _, tt := range tests {
		cfg := ForImage("redis:7.2").Configure(Service{Name: "cache", Command: tt.cmd}, secret)
		if !reflect.DeepEqual(cfg.Command, tt.want) {
			t.Errorf("%s: command %q, want %q", tt.name, cfg.Command, tt.want)
		}
		if tt.cmd != nil && len(cfg.Command) != len(tt.cmd) {
			t.Errorf("%s: command has %d arguments, the manifest's %d", tt.name, len(cfg.Command), len(tt.cmd))
		}
		if wantCreds := (Credentials{Password: tt.password}); cfg.Credentials != wantCreds {
			t.Errorf("%s: credentials %+v, want %+v", tt.name, cfg.Credentials, Credentials{Password: tt.password})
		}
	}
}

func TestRedisConfigureQuotesSecret(t *testing.T) {
	odd := `it's a "pass" $HOME`
	cfg := Redis{}.Configure(Service{Command: []string{"sh", "-c", "redis-server --requirepass ''"}}, odd)
	want := `redis-server --requirepass 'it'\''s a "pass" $HOME'`
	if cfg.Command[2] != want {
		t.Errorf("command %q, want %q", cfg.Command[2], want)
	}
	// The shell must read back the secret as one word.
	words := shellWords(cfg.Command[2])
	if len(words) != 3 || words[2].text != odd {
		t.Errorf("shell reads %+v, want the secret as one word", words)
	}
}

func TestRedisConfigureKeepsProductionsPassword(t *testing.T) {
	tests := []struct {
		image string
		env   map[string]string
		cmd   []string
		want  string
	}{
		{"redis/redis-stack-server:7.2.0-v10", map[string]string{"REDIS_ARGS": "--requirepass prod --maxmemory 100mb"}, nil, "prod"},
		{"bitnami/redis:7.2", map[string]string{"REDIS_PASSWORD": "prod"}, nil, "prod"},
		{"bitnami/valkey:8", map[string]string{"VALKEY_PASSWORD": "prod"}, nil, "prod"},
		{"redis:7", nil, []string{"redis-server", "--requirepass", "dev/pass#1"}, "dev/pass#1"},
	}
	for _, tt := range tests {
		cfg := ForImage(tt.image).Configure(Service{Name: "cache", Image: tt.image, Env: tt.env, Command: tt.cmd}, secret)
		if cfg.Credentials.Password != tt.want {
			t.Errorf("%s %v %q: password %q, want production's %q", tt.image, tt.env, tt.cmd, cfg.Credentials.Password, tt.want)
		}
		for k, v := range tt.env {
			if cfg.Env[k] != v {
				t.Errorf("%s: %s = %q, want it kept as %q", tt.image, k, cfg.Env[k], v)
			}
		}
	}
}

func TestRedisConfigureEnv(t *testing.T) {
	tests := []struct {
		name    string
		image   string
		env     map[string]string
		wantEnv map[string]string
		hasAuth bool
	}{
		{
			"redis stack arguments", "redis/redis-stack-server:7.2.0-v10",
			map[string]string{"REDIS_ARGS": "--requirepass  --maxmemory 100mb"},
			map[string]string{"REDIS_ARGS": "--requirepass " + secret + "  --maxmemory 100mb"}, true,
		},
		{
			"official redis ignores REDIS_PASSWORD", "redis:7",
			map[string]string{"REDIS_PASSWORD": "prod"},
			map[string]string{"REDIS_PASSWORD": "prod"}, false,
		},
		{
			"bitnami password set to a variable unset here", "bitnami/redis:7.2",
			map[string]string{"REDIS_PASSWORD": ""},
			map[string]string{"REDIS_PASSWORD": secret}, true,
		},
		{
			"bitnami password unset here", "bitnami/redis:7.2",
			map[string]string{"REDIS_PASSWORD": "", "ALLOW_EMPTY_PASSWORD": "no"},
			map[string]string{"REDIS_PASSWORD": secret, "ALLOW_EMPTY_PASSWORD": "no"}, true,
		},
		{
			"bitnami password file", "bitnamilegacy/redis:7.4",
			map[string]string{"REDIS_PASSWORD_FILE": "/run/secrets/redis", "REDIS_REQUIREPASS": ""},
			map[string]string{"REDIS_PASSWORD": secret, "REDIS_REQUIREPASS": secret}, true,
		},
		{
			"bitnami without a password", "bitnami/redis:7.2",
			map[string]string{"ALLOW_EMPTY_PASSWORD": "yes"},
			map[string]string{"ALLOW_EMPTY_PASSWORD": "yes"}, false,
		},
		{
			"bitnami with neither: production must have one", "bitnami/redis:7.2",
			nil,
			map[string]string{"REDIS_PASSWORD": secret}, true,
		},
		{
			"bitnami extra flags", "bitnami/redis:7.2",
			map[string]string{"ALLOW_EMPTY_PASSWORD": "yes", "REDIS_EXTRA_FLAGS": "--requirepass \"$(cat /run/secrets/r)\" --maxmemory 1gb"},
			map[string]string{"ALLOW_EMPTY_PASSWORD": "yes", "REDIS_EXTRA_FLAGS": "--requirepass " + secret + " --maxmemory 1gb"}, true,
		},
		{
			"bitnami valkey", "bitnami/valkey:8",
			map[string]string{"VALKEY_PASSWORD": ""},
			map[string]string{"VALKEY_PASSWORD": secret}, true,
		},
	}
	for _, tt := range tests {
		cfg := ForImage(tt.image).Configure(Service{Name: "cache", Image: tt.image, Env: tt.env}, secret)
		if !reflect.DeepEqual(cfg.Env, tt.wantEnv) {
			t.Errorf("%s: env %v, want %v", tt.name, cfg.Env, tt.wantEnv)
		}
		if got := cfg.Credentials.Password == secret; got != tt.hasAuth || cfg.Credentials.User != "" {
			t.Errorf("%s: credentials %+v, want password: %v", tt.name, cfg.Credentials, tt.hasAuth)
		}
	}
}

func TestRedisURL(t *testing.T) {
	tests := []struct {
		creds Credentials
		want  string
	}{
		{Credentials{}, "redis://127.0.0.1:56379/0"},
		{Credentials{Password: "pw"}, "redis://:pw@127.0.0.1:56379/0"},
		{Credentials{Password: "p@ss:w/rd?#%x"}, "redis://:p%40ss%3Aw%2Frd%3F%23%25x@127.0.0.1:56379/0"},
		{Credentials{User: "app", Password: "pw", Database: "2"}, "redis://app:pw@127.0.0.1:56379/2"},
	}
	for _, tt := range tests {
		got := Redis{}.URL(Endpoint{Host: "127.0.0.1", Port: 56379, Credentials: tt.creds})
		if got != tt.want {
			t.Errorf("URL(%+v) = %q, want %q", tt.creds, got, tt.want)
		}
		opt, err := redis.ParseURL(got)
		if err != nil {
			t.Fatalf("go-redis cannot parse %q: %v", got, err)
		}
		if opt.Password != tt.creds.Password || opt.Username != tt.creds.User || opt.Addr != "127.0.0.1:56379" {
			t.Errorf("go-redis reads %q as %q:%q@%s", got, opt.Username, opt.Password, opt.Addr)
		}
		u, _ := url.Parse(got)
		if pw, _ := u.User.Password(); pw != tt.creds.Password {
			t.Errorf("net/url reads the password of %q as %q", got, pw)
		}
	}
}

func TestRedisShell(t *testing.T) {
	tests := []struct {
		image string
		creds Credentials
		want  ShellCommand
	}{
		{"redis:7", Credentials{Password: "pw"}, ShellCommand{Args: []string{"redis-cli"}, Env: map[string]string{"REDISCLI_AUTH": "pw"}}},
		{"redis:7", Credentials{}, ShellCommand{Args: []string{"redis-cli"}}},
		{"redis:7", Credentials{User: "app", Password: "pw"}, ShellCommand{Args: []string{"redis-cli", "--user", "app"}, Env: map[string]string{"REDISCLI_AUTH": "pw"}}},
		{"valkey/valkey:8", Credentials{Password: "pw"}, ShellCommand{Args: []string{"valkey-cli"}, Env: map[string]string{"REDISCLI_AUTH": "pw", "VALKEYCLI_AUTH": "pw"}}},
		{"eqalpha/keydb:latest", Credentials{}, ShellCommand{Args: []string{"keydb-cli"}}},
		{"bitnami/redis:7.2", Credentials{Password: "pw"}, ShellCommand{Args: []string{"redis-cli"}, Env: map[string]string{"REDISCLI_AUTH": "pw"}}},
	}
	for _, tt := range tests {
		if got := ForImage(tt.image).Shell(tt.creds); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s Shell = %+v, want %+v", tt.image, got, tt.want)
		}
	}
}

// fakeRedis answers each command of every connection with reply(args), a
// raw RESP reply, and records the commands it saw.
type fakeRedis struct {
	mu   sync.Mutex
	seen [][]string
}

func (f *fakeRedis) serve(t *testing.T, reply func(args []string) string) int {
	return serve(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			args, err := readCommand(r)
			if err != nil {
				return
			}
			args[0] = strings.ToUpper(args[0]) // go-redis sends "ping"
			f.mu.Lock()
			f.seen = append(f.seen, args)
			f.mu.Unlock()
			if _, err := c.Write([]byte(reply(args))); err != nil {
				return
			}
		}
	})
}

func (f *fakeRedis) commands() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string{}, f.seen...)
}

// readCommand reads one RESP array of bulk strings.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return nil, fmt.Errorf("not an array: %q", line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		return nil, err
	}
	args := make([]string, n)
	for i := range args {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}

func TestRedisProbe(t *testing.T) {
	unknownHello := "-ERR unknown command 'HELLO'\r\n" // a server before Redis 6
	tests := []struct {
		name     string
		password string
		reply    func(args []string) string
		reason   error // nil: ready
	}{
		{"ready without auth", "", func(args []string) string {
			if args[0] == "PING" {
				return "+PONG\r\n"
			}
			return unknownHello
		}, nil},
		{"ready with auth", "p@ss", func(args []string) string {
			switch args[0] {
			case "AUTH":
				if len(args) == 2 && args[1] == "p@ss" {
					return "+OK\r\n"
				}
				return "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
			case "PING":
				return "+PONG\r\n"
			}
			return unknownHello
		}, nil},
		{"no password sent to a server that wants one", "", func(args []string) string {
			if args[0] == "PING" {
				return "-NOAUTH Authentication required.\r\n"
			}
			return "-NOAUTH HELLO must be called with the client already authenticated\r\n"
		}, ErrAuth},
		{"wrong password", "wrong", func(args []string) string {
			return "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
		}, ErrAuth},
		{"password sent to a server without one (Redis 5)", "pw", func(args []string) string {
			if args[0] == "AUTH" {
				return "-ERR Client sent AUTH, but no password is set\r\n"
			}
			return unknownHello
		}, ErrAuth},
		{"loading the dataset", "", func(args []string) string {
			if args[0] == "PING" {
				return "-LOADING Redis is loading the dataset in memory\r\n"
			}
			return unknownHello
		}, ErrLoading},
	}
	for _, tt := range tests {
		var f fakeRedis
		port := f.serve(t, tt.reply)
		ep := Endpoint{Host: "127.0.0.1", Port: port, Credentials: Credentials{Password: tt.password}}
		err := Redis{}.Probe(probeCtx(t, time.Second), ep)
		wantReason(t, tt.name, err, tt.reason)
		if tt.reason == ErrLoading {
			// go-redis retries LOADING by itself; the probe must not.
			pings := 0
			for _, c := range f.commands() {
				if c[0] == "PING" {
					pings++
				}
			}
			if pings != 1 {
				t.Errorf("%s: %d PINGs, want 1", tt.name, pings)
			}
		}
	}

	transport := []struct {
		name   string
		port   int
		reason error
	}{
		{"closed port", closedPort(t), ErrRefused},
		{"proxy with nothing behind it", serve(t, hangUp), ErrNoAnswer},
		{"server accepting but silent", serve(t, hold), ErrTimeout},
	}
	for _, tt := range transport {
		err := Redis{}.Probe(probeCtx(t, 500*time.Millisecond), Endpoint{Host: "127.0.0.1", Port: tt.port})
		wantReason(t, tt.name, err, tt.reason)
	}
}

// Zulip's shape: the password is written into a configuration file by a
// shell line, from a container variable the manifest sets.
func TestRedisPasswordWrittenToAConfigFileFromAContainerVariable(t *testing.T) {
	cmd := []string{"sh", "-euc", "echo \"requirepass '$REDIS_PASSWORD'\" > /etc/redis.conf\nexec redis-server /etc/redis.conf\n"}
	cfg := Redis{}.Configure(Service{Command: cmd, Env: map[string]string{"REDIS_PASSWORD": "REPLACE_ME"}}, secret)
	if cfg.Credentials.Password != "REPLACE_ME" || cfg.Env["REDIS_PASSWORD"] != "REPLACE_ME" {
		t.Errorf("credentials %+v env %v, want the manifest's REDIS_PASSWORD", cfg.Credentials, cfg.Env)
	}
	cfg = Redis{}.Configure(Service{Command: cmd, Env: map[string]string{"REDIS_PASSWORD": ""}}, secret)
	if cfg.Credentials.Password != secret || cfg.Env["REDIS_PASSWORD"] != secret {
		t.Errorf("unset here: credentials %+v env %v, want the generated secret in REDIS_PASSWORD", cfg.Credentials, cfg.Env)
	}
}
