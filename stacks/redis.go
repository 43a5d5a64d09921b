package stacks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Redis is Redis and the servers that speak its protocol (Valkey, KeyDB,
// Redis Stack), as packaged by one family of images. The zero value is the
// official redis image; ForImage returns one set for the image at hand.
type Redis struct {
	family redisFamily
}

type redisFamily int

const (
	redisOfficial redisFamily = iota // redis, redis/redis-stack(-server)
	redisValkey
	redisKeyDB
	redisBitnami
	redisBitnamiValkey
)

// redisImages are the repositories Redis matches, as repoIs reads them.
// Left out on purpose: bitnami/redis-sentinel (a sentinel answers on 26379
// and hands out masters; it stores nothing), bitnami/redis-cluster (a node
// serves nothing until a cluster is formed), and tools such as
// redis-commander, redisinsight and redis_exporter.
var redisImages = slices.Concat(imageTable[redisFamily]{
	{"redis", redisOfficial},
	{"redis/redis-stack", redisOfficial},
	{"redis/redis-stack-server", redisOfficial},
	{"valkey/valkey", redisValkey},
	{"eqalpha/keydb", redisKeyDB},
}, bitnami("redis", redisBitnami), bitnami("valkey", redisBitnamiValkey))

func redisFor(img Image) (Redis, bool) {
	family, ok := redisImages.match(img)
	return Redis{family: family}, ok
}

func (Redis) Kind() string { return "redis" }

func (Redis) Port() int { return 6379 }

func (r Redis) DataDir() string {
	switch r.family {
	case redisBitnami:
		return "/bitnami/redis/data"
	case redisBitnamiValkey:
		return "/bitnami/valkey/data"
	}
	return "/data"
}

// argVars are environment variables whose value images split into server
// arguments: Redis Stack's REDIS_ARGS, Bitnami's *_EXTRA_FLAGS.
var argVars = []string{"REDIS_ARGS", "REDIS_EXTRA_FLAGS", "VALKEY_EXTRA_FLAGS"}

// Configure: Whether there is a password at all is
// production's decision, read from where production puts it: a
// --requirepass argument (in the command, in a `sh -c` line, in REDIS_ARGS)
// or Bitnami's password variables. Its value becomes parity's secret. With
// none of these, production runs without auth and so does parity, so the app
// is tested against the same thing. A requirepass inside a mounted
// redis.conf is not seen; the probe then reports ErrAuth.
func (r Redis) Configure(svc Service, secret string) Config {
	env := cloneEnv(svc.Env)
	// Same length as the manifest's command: the engine maps argument
	// positions to the values that replaced them.
	cmd := cloneArgs(svc.Command)
	secret = redisPassword(r, env, cmd, secret)
	auth := false
	for i := range cmd {
		switch {
		case cmd[i] == "--requirepass":
			// Last with no value, production's server would not start
			// either; leave that for its logs to tell.
			if i+1 < len(cmd) {
				cmd[i+1] = secret
				auth = true
			}
		case strings.Contains(cmd[i], "--requirepass"):
			// One argument holding a shell line: sh -c "redis-server --requirepass $P".
			if line, ok := replaceRequirepass(cmd[i], secret); ok {
				cmd[i] = line
				auth = true
			}
		}
	}
	for _, v := range argVars {
		if line, ok := replaceRequirepass(env[v], secret); ok {
			env[v] = line
			auth = true
		}
	}
	if r.family == redisBitnami || r.family == redisBitnamiValkey {
		if configureBitnamiRedis(env, r.family, secret) {
			auth = true
		}
	}
	if !auth {
		// A shell line that writes the password from a container variable
		// into a configuration file: echo "requirepass '$REDIS_PASSWORD'" > /etc/redis.conf.
		if name := requirepassVar(cmd, env); name != "" {
			secret = password(env, secret, name)
			env[name] = secret
			auth = true
		}
	}
	creds := Credentials{}
	if auth {
		creds.Password = secret
	}
	return Config{Credentials: creds, Env: env, Command: cmd}
}

// redisPassword is the password production's manifest gives the server
// where the repository has it (a literal, or a variable set on this
// machine), else secret.
func redisPassword(r Redis, env map[string]string, cmd []string, secret string) string {
	if name := requirepassVar(cmd, env); name != "" && strings.TrimSpace(env[name]) != "" {
		return env[name]
	}
	for i, arg := range cmd {
		switch {
		case arg == "--requirepass":
			if i+1 < len(cmd) && strings.TrimSpace(cmd[i+1]) != "" {
				return cmd[i+1]
			}
		case strings.Contains(arg, "--requirepass"):
			if v, ok := requirepassValue(arg); ok {
				return v
			}
		}
	}
	for _, v := range argVars {
		if v, ok := requirepassValue(env[v]); ok {
			return v
		}
	}
	if r.family == redisBitnami || r.family == redisBitnamiValkey {
		prefix := "REDIS_"
		if r.family == redisBitnamiValkey {
			prefix = "VALKEY_"
		}
		return password(env, secret, prefix+"PASSWORD", prefix+"REQUIREPASS")
	}
	return secret
}

var shellVar = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// requirepassVar is the container variable a shell line in cmd gives
// requirepass (in any form: an option, a line written to a config file),
// when the service's environment sets it; "" otherwise.
func requirepassVar(cmd []string, env map[string]string) string {
	for _, arg := range cmd {
		i := strings.Index(arg, "requirepass")
		if i < 0 {
			continue
		}
		rest := arg[i+len("requirepass"):]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[:nl]
		}
		if m := shellVar.FindStringSubmatch(rest); m != nil {
			if _, ok := env[m[1]]; ok {
				return m[1]
			}
		}
	}
	return ""
}

// requirepassValue is the non-empty value of --requirepass in a shell line.
func requirepassValue(line string) (string, bool) {
	words := shellWords(line)
	for i, w := range words {
		if w.op || w.text != "--requirepass" || i+1 >= len(words) {
			continue
		}
		// A value the shell computes in the container ($REDIS_PASSWORD,
		// $(cat /run/secrets/...)) is not known here.
		if v := words[i+1]; !v.op && !strings.HasPrefix(v.text, "--") && strings.TrimSpace(v.text) != "" && !strings.ContainsAny(v.text, "$`") {
			return v.text, true
		}
	}
	return "", false
}

// configureBitnamiRedis sets Bitnami's password variables and reports
// whether the server will ask for a password. Bitnami refuses to start with
// no password unless ALLOW_EMPTY_PASSWORD is yes, so a manifest without
// either still means a password in production (from a file or a secret
// store parity cannot see).
func configureBitnamiRedis(env map[string]string, family redisFamily, secret string) bool {
	prefix := "REDIS_"
	if family == redisBitnamiValkey {
		prefix = "VALKEY_"
	}
	pass, requirepass := prefix+"PASSWORD", prefix+"REQUIREPASS"
	set := anySet(env, pass, pass+"_FILE", requirepass, requirepass+"_FILE")
	if !set && isYes(env["ALLOW_EMPTY_PASSWORD"]) {
		return false
	}
	// The _FILE paths are production secrets that do not exist here.
	hadRequirepass := anySet(env, requirepass, requirepass+"_FILE")
	delete(env, pass+"_FILE")
	delete(env, requirepass+"_FILE")
	env[pass] = secret
	if hadRequirepass {
		env[requirepass] = secret
	}
	return true
}

// isYes reads a Bitnami boolean.
func isYes(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "1":
		return true
	}
	return false
}

// replaceRequirepass puts secret as the value of --requirepass in a shell
// line, quoted for the shell. When the value is missing (it was a variable
// unset on this machine, which the manifest loader turned into nothing) the
// secret is inserted after the option.
func replaceRequirepass(line, secret string) (string, bool) {
	if !strings.Contains(line, "--requirepass") {
		return line, false
	}
	words := shellWords(line)
	for i, w := range words {
		if w.op || w.text != "--requirepass" {
			continue
		}
		if i+1 < len(words) && !words[i+1].op && !strings.HasPrefix(words[i+1].text, "--") {
			v := words[i+1]
			return line[:v.start] + shellQuote(secret) + line[v.end:], true
		}
		return line[:w.end] + " " + shellQuote(secret) + line[w.end:], true
	}
	return line, false
}

// Probe: PING with the app's credentials, answered PONG.
func (Redis) Probe(ctx context.Context, ep Endpoint) error {
	timeout := probeTimeout(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// parity dials itself and hands go-redis the open connection. When
	// go-redis's pool fails to dial, it prints to stderr (which would tear
	// through the TUI) and starts a goroutine that keeps redialling in the
	// background; a probe fails to dial many times while a server starts.
	addr := net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return redisFailed(ctx, err)
	}
	var once sync.Once
	dial := func(context.Context, string, string) (net.Conn, error) {
		var c net.Conn
		once.Do(func() { c = conn })
		if c == nil {
			return nil, errors.New("probe connection already used")
		}
		return c, nil
	}

	db := 0
	if n, err := strconv.Atoi(ep.Credentials.Database); err == nil {
		db = n
	}
	client := redis.NewClient(&redis.Options{
		Addr:     addr,
		Dialer:   dial,
		Username: ep.Credentials.User,
		Password: ep.Credentials.Password,
		DB:       db,
		// RESP2 with AUTH works on every server from Redis 2 to Valkey 9 and
		// KeyDB; a probe needs nothing RESP3 adds.
		Protocol:                 2,
		DisableIdentity:          true, // no CLIENT SETINFO, which old servers reject
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		// go-redis retries LOADING and network errors itself; the engine
		// decides when to probe again, and needs each attempt's reason.
		MaxRetries:            -1,
		DialerRetries:         1,
		PoolSize:              1,
		DialTimeout:           timeout,
		ReadTimeout:           timeout,
		WriteTimeout:          timeout,
		ContextTimeoutEnabled: true,
	})
	defer client.Close()
	defer once.Do(func() { conn.Close() }) // if go-redis never took the connection

	pong, err := client.Ping(ctx).Result()
	if err != nil {
		return redisFailed(ctx, err)
	}
	if pong != "PONG" {
		return fmt.Errorf("PING answered %q", pong)
	}
	return nil
}

func redisFailed(ctx context.Context, err error) error {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		msg := rerr.Error()
		switch {
		case strings.HasPrefix(msg, "LOADING"):
			return probeFailed(ErrLoading, err)
		case strings.HasPrefix(msg, "NOAUTH"), strings.HasPrefix(msg, "WRONGPASS"),
			// Before Redis 6: a wrong password, and a password sent to a
			// server that has none (parity's idea of production's auth is wrong).
			strings.HasPrefix(msg, "ERR invalid password"),
			strings.HasPrefix(msg, "ERR Client sent AUTH, but no password is set"),
			strings.HasPrefix(msg, "ERR AUTH <password> called without any password configured"):
			return probeFailed(ErrAuth, err)
		}
		return err
	}
	if reason := transportReason(err); reason != nil {
		return probeFailed(reason, err)
	}
	if ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	return err
}

// URL: redis://:pass@host:port/0, or redis://host:port/0
// without auth.
func (Redis) URL(ep Endpoint) string {
	db := ep.Credentials.Database
	if db == "" {
		db = "0"
	}
	u := &url.URL{Scheme: "redis", Host: net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)), Path: "/" + db}
	switch c := ep.Credentials; {
	case c.Password != "":
		u.User = url.UserPassword(c.User, c.Password)
	case c.User != "":
		u.User = url.User(c.User)
	}
	return u.String()
}

// Schemes: rediss and valkeys are TLS; the local server
// has none, so the engine gives the app the plain scheme for those.
func (Redis) Schemes() []string { return []string{"redis", "rediss", "valkey", "valkeys"} }

// Vars: Valkey images also give VALKEY_URL, which Valkey's
// own client libraries and examples read.
func (r Redis) Vars() []string {
	if r.family == redisValkey || r.family == redisBitnamiValkey {
		return []string{"REDIS_URL", "VALKEY_URL"}
	}
	return []string{"REDIS_URL"}
}

// Shell: the image's own CLI (Valkey and KeyDB images
// name theirs after themselves). The password goes in REDISCLI_AUTH, which
// every one of them reads; valkey-cli from 8 on prefers VALKEYCLI_AUTH.
func (r Redis) Shell(creds Credentials) ShellCommand {
	cli := "redis-cli"
	switch r.family {
	case redisValkey, redisBitnamiValkey:
		cli = "valkey-cli"
	case redisKeyDB:
		cli = "keydb-cli"
	}
	sh := ShellCommand{Args: []string{cli}}
	if creds.User != "" {
		sh.Args = append(sh.Args, "--user", creds.User)
	}
	if creds.Password != "" {
		sh.Env = map[string]string{"REDISCLI_AUTH": creds.Password}
		if cli == "valkey-cli" {
			sh.Env["VALKEYCLI_AUTH"] = creds.Password
		}
	}
	return sh
}
