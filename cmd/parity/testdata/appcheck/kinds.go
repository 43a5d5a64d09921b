package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

// parseURL reads the parts a scheme://user:pass@host:port/path?query URL
// names; absent parts stay nil.
func parseURL(raw string) (*urlParts, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("unparsable URL: %v", redactErr(err, raw))
	}
	p := &urlParts{params: map[string]string{}}
	str := func(s string) *string { return &s }
	if h := u.Hostname(); h != "" {
		p.host = str(h)
	}
	if port := u.Port(); port != "" {
		p.port = str(port)
	}
	if u.User != nil {
		p.user = str(u.User.Username())
		if pw, ok := u.User.Password(); ok {
			p.password = str(pw)
		}
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		p.database = str(db)
	}
	for k, v := range u.Query() {
		if len(v) > 0 {
			p.params[k] = v[0]
		}
	}
	return p, nil
}

// redactErr keeps a URL's password out of an error message.
func redactErr(err error, raw string) string {
	msg := err.Error()
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "***")
		}
	}
	return msg
}

// parseDSN reads a libpq key/value string (host=... port=... 'quoted').
func parseDSN(s string) (*urlParts, error) {
	p := &urlParts{params: map[string]string{}}
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimLeftFunc(s, unicode.IsSpace) {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("not a key=value connection string near %q", s)
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeftFunc(s[eq+1:], unicode.IsSpace)
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			i := 1
			for ; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			s = s[min(i+1, len(s)):]
		} else {
			end := strings.IndexFunc(s, unicode.IsSpace)
			if end < 0 {
				end = len(s)
			}
			val.WriteString(s[:end])
			s = s[end:]
		}
		v := val.String()
		switch key {
		case "host":
			p.host = &v
		case "port":
			p.port = &v
		case "user":
			p.user = &v
		case "password":
			p.password = &v
		case "dbname":
			p.database = &v
		default:
			p.params[key] = v
		}
	}
	return p, nil
}

// fill gives a part its driver default when nothing set it.
func fill(v *value, def string) {
	if v.v == "" && def != "" {
		src := v.source
		if src == "" {
			src = "driver default"
		} else if !strings.Contains(src, "driver default") {
			src += ", driver default"
		}
		*v = value{v: def, source: src, set: true}
	}
}

// urlPartsFor parses the URL value for kind, or returns nil when the
// variable is unset or empty.
func urlPartsFor(kind string, c Check, u value) (*urlParts, error) {
	if !u.set || u.v == "" {
		return nil, nil
	}
	var p *urlParts
	var err error
	switch {
	case kind == "postgres" && !strings.Contains(u.v, "://"):
		p, err = parseDSN(u.v)
	case kind == "rabbitmq":
		p, err = parseAMQP(u.v)
	default:
		p, err = parseURL(u.v)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", urlSource(c, u), err)
	}
	return p, nil
}

// ---- PostgreSQL ----

func checkPostgres(ctx context.Context, c Check, u value) (string, error) {
	parts, err := urlPartsFor("postgres", c, u)
	if err != nil {
		return "", err
	}
	e := c.merge(parts, urlSource(c, u))
	conn, err := connectPG(ctx, e, e.database.v)
	var pgErr *pgconn.PgError
	if err != nil && c.CreateDatabase && errors.As(err, &pgErr) && pgErr.Code == "3D000" {
		if cerr := createPGDatabase(ctx, e); cerr != nil {
			return "", failed(e, fmt.Errorf("connect: %v; creating the database (as the app does): %v", err, cerr))
		}
		conn, err = connectPG(ctx, e, e.database.v)
	}
	if err != nil {
		return "", failed(e, fmt.Errorf("connect: %v", err))
	}
	defer conn.Close(ctx)
	want := fmt.Sprintf("appcheck-%d", time.Now().UnixNano())
	var who, got string
	err = func() error {
		if _, err := conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS appcheck_rw (id bigserial PRIMARY KEY, v text NOT NULL)"); err != nil {
			return err
		}
		var id int64
		if err := conn.QueryRow(ctx, "INSERT INTO appcheck_rw (v) VALUES ($1) RETURNING id", want).Scan(&id); err != nil {
			return err
		}
		return conn.QueryRow(ctx, "SELECT v, current_user || '@' || current_database() FROM appcheck_rw WHERE id = $1", id).Scan(&got, &who)
	}()
	if err != nil {
		return "", failed(e, fmt.Errorf("round trip: %v", err))
	}
	if got != want {
		return "", failed(e, fmt.Errorf("read back %q, wrote %q", got, want))
	}
	return fmt.Sprintf("row written and read as %s at %s:%d — %s", who, conn.Config().Host, conn.Config().Port, e.describe()), nil
}

// pgQuote quotes a libpq key/value value.
func pgQuote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func connectPG(ctx context.Context, e endpoint, database string) (*pgx.Conn, error) {
	kv := []string{"connect_timeout=10"}
	add := func(k, v string) { kv = append(kv, k+"="+pgQuote(v)) }
	if e.host.v != "" {
		add("host", e.host.v)
	}
	if e.port.v != "" {
		add("port", e.port.v)
	}
	if e.user.v != "" {
		add("user", e.user.v)
	}
	if e.password.set {
		add("password", e.password.v)
	}
	if database != "" {
		add("dbname", database)
	}
	sslmode := e.params["sslmode"]
	if sslmode == "" {
		sslmode = "prefer" // libpq's default
	}
	add("sslmode", sslmode)
	cfg, err := pgx.ParseConfig(strings.Join(kv, " "))
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg)
}

func createPGDatabase(ctx context.Context, e endpoint) error {
	var conn *pgx.Conn
	var err error
	for _, maint := range []string{"postgres", "template1"} {
		if conn, err = connectPG(ctx, e, maint); err == nil {
			break
		}
	}
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{e.database.v}.Sanitize())
	return err
}

// ---- MySQL / MariaDB ----

func checkMySQL(ctx context.Context, c Check, u value) (string, error) {
	parts, err := urlPartsFor("mysql", c, u)
	if err != nil {
		return "", err
	}
	e := c.merge(parts, urlSource(c, u))
	fill(&e.host, "localhost")
	fill(&e.port, "3306")
	db, err := openMySQL(ctx, e, e.database.v)
	var myErr *mysql.MySQLError
	if err != nil && c.CreateDatabase && errors.As(err, &myErr) && myErr.Number == 1049 {
		if cdb, cerr := openMySQL(ctx, e, ""); cerr == nil {
			_, cerr = cdb.ExecContext(ctx, "CREATE DATABASE `"+strings.ReplaceAll(e.database.v, "`", "``")+"`")
			cdb.Close()
			if cerr != nil {
				return "", failed(e, fmt.Errorf("connect: %v; creating the database: %v", err, cerr))
			}
			db, err = openMySQL(ctx, e, e.database.v)
		}
	}
	if err != nil {
		return "", failed(e, fmt.Errorf("connect: %v", err))
	}
	defer db.Close()
	want := fmt.Sprintf("appcheck-%d", time.Now().UnixNano())
	var got, who string
	err = func() error {
		if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS appcheck_rw (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(100) NOT NULL)"); err != nil {
			return err
		}
		res, err := db.ExecContext(ctx, "INSERT INTO appcheck_rw (v) VALUES (?)", want)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		return db.QueryRowContext(ctx, "SELECT v, CONCAT(CURRENT_USER(), '/', DATABASE()) FROM appcheck_rw WHERE id = ?", id).Scan(&got, &who)
	}()
	if err != nil {
		return "", failed(e, fmt.Errorf("round trip: %v", err))
	}
	if got != want {
		return "", failed(e, fmt.Errorf("read back %q, wrote %q", got, want))
	}
	return fmt.Sprintf("row written and read as %s — %s", who, e.describe()), nil
}

func openMySQL(ctx context.Context, e endpoint, database string) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort(e.host.v, e.port.v)
	cfg.User, cfg.Passwd, cfg.DBName = e.user.v, e.password.v, database
	cfg.Timeout = 10 * time.Second
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// ---- Redis ----

func checkRedis(ctx context.Context, c Check, u value) (string, error) {
	parts, err := urlPartsFor("redis", c, u)
	if err != nil {
		return "", err
	}
	e := c.merge(parts, urlSource(c, u))
	fill(&e.host, "localhost")
	fill(&e.port, "6379")
	dbIndex := 0
	if e.database.v != "" {
		if dbIndex, err = strconv.Atoi(e.database.v); err != nil {
			return "", failed(e, fmt.Errorf("database index %q is not a number", e.database.v))
		}
	}
	opts := &redis.Options{
		Addr:        net.JoinHostPort(e.host.v, e.port.v),
		Username:    e.user.v,
		Password:    e.password.v,
		DB:          dbIndex,
		DialTimeout: 10 * time.Second,
		MaxRetries:  -1,
	}
	if parts != nil && strings.HasPrefix(u.v, "rediss:") {
		return "", failed(e, errors.New("rediss:// (TLS) is not supported by this client"))
	}
	note := ""
	line, err := redisRoundTrip(ctx, opts)
	if err != nil && c.PasswordOptional && opts.Password != "" && noPasswordConfigured(err) {
		opts.Username, opts.Password = "", ""
		note = " (the server has no password; the app's client ignores the failed AUTH)"
		line, err = redisRoundTrip(ctx, opts)
	}
	if err != nil {
		return "", failed(e, err)
	}
	return line + note + " — " + e.describe(), nil
}

func noPasswordConfigured(err error) bool {
	s := err.Error()
	return strings.Contains(s, "without any password configured") || strings.Contains(s, "no password is set")
}

func redisRoundTrip(ctx context.Context, opts *redis.Options) (string, error) {
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	key := fmt.Sprintf("appcheck:%d", time.Now().UnixNano())
	want := "v-" + key
	if err := rdb.Set(ctx, key, want, time.Minute).Err(); err != nil {
		return "", fmt.Errorf("SET: %v", err)
	}
	got, err := rdb.Get(ctx, key).Result()
	if err != nil {
		return "", fmt.Errorf("GET: %v", err)
	}
	if got != want {
		return "", fmt.Errorf("GET read %q, SET wrote %q", got, want)
	}
	_ = rdb.Del(ctx, key).Err()
	return fmt.Sprintf("key set and got at %s db %d", opts.Addr, opts.DB), nil
}

// ---- RabbitMQ ----

// parseAMQP reads an amqp:// URL as the AMQP URI spec (and amqp091-go)
// does: absent credentials are guest/guest, an absent path is vhost "/".
func parseAMQP(raw string) (*urlParts, error) {
	uri, err := amqp.ParseURI(raw)
	if err != nil {
		return nil, fmt.Errorf("unparsable AMQP URL: %v", redactErr(err, raw))
	}
	port := strconv.Itoa(uri.Port)
	return &urlParts{host: &uri.Host, port: &port, user: &uri.Username, password: &uri.Password, database: &uri.Vhost,
		params: map[string]string{"scheme": uri.Scheme}}, nil
}

func checkRabbitMQ(ctx context.Context, c Check, u value) (string, error) {
	parts, err := urlPartsFor("rabbitmq", c, u)
	if err != nil {
		return "", err
	}
	e := c.merge(parts, urlSource(c, u))
	fill(&e.host, "localhost")
	fill(&e.port, "5672")
	if !e.user.set {
		e.user = value{v: "guest", source: "driver default", set: true}
	}
	if !e.password.set {
		e.password = value{v: "guest", source: "driver default", set: true}
	}
	if !e.database.set {
		e.database = value{v: "/", source: "driver default", set: true}
	}
	if e.params["scheme"] == "amqps" {
		return "", failed(e, errors.New("amqps:// (TLS) is not supported by this client"))
	}
	port, err := strconv.Atoi(e.port.v)
	if err != nil {
		return "", failed(e, fmt.Errorf("port %q is not a number", e.port.v))
	}
	uri := amqp.URI{Scheme: "amqp", Host: e.host.v, Port: port, Username: e.user.v, Password: e.password.v, Vhost: e.database.v}
	conn, err := amqp.DialConfig(uri.String(), amqp.Config{Vhost: e.database.v, Dial: amqp.DefaultDial(10 * time.Second)})
	if err != nil {
		return "", failed(e, fmt.Errorf("connect: %v", err))
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return "", failed(e, fmt.Errorf("channel: %v", err))
	}
	q, err := ch.QueueDeclare(fmt.Sprintf("appcheck-%d", time.Now().UnixNano()), false, false, false, false, nil)
	if err != nil {
		return "", failed(e, fmt.Errorf("declare queue: %v", err))
	}
	defer func() { _, _ = ch.QueueDelete(q.Name, false, false, false) }()
	body := "hello " + q.Name
	if err := ch.PublishWithContext(ctx, "", q.Name, false, false, amqp.Publishing{Body: []byte(body)}); err != nil {
		return "", failed(e, fmt.Errorf("publish: %v", err))
	}
	for {
		m, ok, err := ch.Get(q.Name, true)
		if err != nil {
			return "", failed(e, fmt.Errorf("get: %v", err))
		}
		if ok {
			if string(m.Body) != body {
				return "", failed(e, fmt.Errorf("got %q, published %q", m.Body, body))
			}
			return fmt.Sprintf("message published and got on vhost %q — %s", e.database.v, e.describe()), nil
		}
		select {
		case <-ctx.Done():
			return "", failed(e, fmt.Errorf("the published message never arrived: %v", ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}
