package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/nats-io/nats.go"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

// appVars is the variable each kind's write and read go through: the one
// the app's own environment in the manifest sets, naming the service by its
// Compose name, which parity rewrites to the local server.
var appVars = map[string]string{
	"postgres":  "DATABASE_URL",
	"redis":     "REDIS_URL",
	"mariadb":   "DATABASE_URL",
	"rabbitmq":  "AMQP_URL",
	"memcached": "MEMCACHED_SERVERS",
	"nats":      "NATS_URL",
}

// store is one backing service as an app uses it: a value under a key.
// read reports ok=false when the key is not there (for NATS, which keeps
// nothing, always, after a round trip that proves the server answers).
type store interface {
	write(ctx context.Context, key, value string) error
	read(ctx context.Context, key string) (value string, ok bool, err error)
	close()
}

var openers = map[string]func(ctx context.Context, raw string) (store, string, error){
	"postgres": openPostgres, "redis": openRedis, "mariadb": openMariaDB,
	"rabbitmq": openRabbitMQ, "memcached": openMemcached, "nats": openNATS,
}

// writeOrRead runs `KIND write KEY VALUE` or `KIND read KEY` and prints
// "KIND wrote KEY via ADDR", "KIND KEY=VALUE via ADDR" or "KIND KEY missing
// via ADDR", ADDR being the host:port the app's variable led to.
func writeOrRead(ctx context.Context, args []string) int {
	kind, op := args[0], args[1]
	open, ok := openers[kind]
	if !ok || (op == "write" && len(args) != 4) || (op == "read" && len(args) != 3) || (op != "write" && op != "read") {
		fmt.Fprintln(os.Stderr, "usage: kindcheck KIND write KEY VALUE | kindcheck KIND read KEY (KIND: postgres redis mariadb rabbitmq memcached nats)")
		return 2
	}
	name := appVars[kind]
	raw, err := need(name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kindcheck %s %s: %v\n", kind, op, err)
		return 1
	}
	s, addr, err := open(ctx, raw)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kindcheck %s %s: %s=%s: %v\n", kind, op, name, raw, err)
		return 1
	}
	defer s.close()
	key := args[2]
	if op == "write" {
		if err := s.write(ctx, key, args[3]); err != nil {
			fmt.Fprintf(os.Stderr, "kindcheck %s write via %s: %v\n", kind, addr, err)
			return 1
		}
		fmt.Printf("%s wrote %s via %s\n", kind, key, addr)
		return 0
	}
	v, found, err := s.read(ctx, key)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kindcheck %s read via %s: %v\n", kind, addr, err)
		return 1
	}
	if !found {
		fmt.Printf("%s %s missing via %s\n", kind, key, addr)
	} else {
		fmt.Printf("%s %s=%s via %s\n", kind, key, v, addr)
	}
	return 0
}

type pgStore struct{ c *pgx.Conn }

func openPostgres(ctx context.Context, raw string) (store, string, error) {
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		return nil, "", err
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, addr, err
	}
	return pgStore{c}, addr, nil
}

func (s pgStore) write(ctx context.Context, key, value string) error {
	if _, err := s.c.Exec(ctx, "CREATE TABLE IF NOT EXISTS kindcheck_kv (k text PRIMARY KEY, v text NOT NULL)"); err != nil {
		return err
	}
	_, err := s.c.Exec(ctx, "INSERT INTO kindcheck_kv VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v", key, value)
	return err
}

func (s pgStore) read(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.c.QueryRow(ctx, "SELECT v FROM kindcheck_kv WHERE k = $1", key).Scan(&v)
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows), errors.As(err, &pgErr) && pgErr.Code == "42P01": // undefined_table
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return v, true, nil
}

func (s pgStore) close() { s.c.Close(context.Background()) }

type redisStore struct{ c *redis.Client }

func openRedis(ctx context.Context, raw string) (store, string, error) {
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, "", err
	}
	c := redis.NewClient(opts)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, opts.Addr, err
	}
	return redisStore{c}, opts.Addr, nil
}

func (s redisStore) write(ctx context.Context, key, value string) error {
	return s.c.Set(ctx, "kindcheck:"+key, value, 0).Err()
}

func (s redisStore) read(ctx context.Context, key string) (string, bool, error) {
	v, err := s.c.Get(ctx, "kindcheck:"+key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	return v, err == nil, err
}

func (s redisStore) close() { s.c.Close() }

type mysqlStore struct{ conn *sql.DB }

func openMariaDB(ctx context.Context, raw string) (store, string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mysql" {
		return nil, "", fmt.Errorf("%q is not a mysql:// URL", raw)
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.DBName = "tcp", u.Host, u.User.Username(), strings.TrimPrefix(u.Path, "/")
	cfg.Passwd, _ = u.User.Password()
	db, err := openMySQL(cfg)
	if err != nil {
		return nil, u.Host, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, u.Host, err
	}
	return mysqlStore{db}, u.Host, nil
}

func (s mysqlStore) write(ctx context.Context, key, value string) error {
	if _, err := s.conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS kindcheck_kv (k VARCHAR(64) PRIMARY KEY, v VARCHAR(255) NOT NULL)"); err != nil {
		return err
	}
	_, err := s.conn.ExecContext(ctx, "REPLACE INTO kindcheck_kv VALUES (?, ?)", key, value)
	return err
}

func (s mysqlStore) read(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.conn.QueryRowContext(ctx, "SELECT v FROM kindcheck_kv WHERE k = ?", key).Scan(&v)
	var myErr *mysql.MySQLError
	switch {
	case errors.Is(err, sql.ErrNoRows), errors.As(err, &myErr) && myErr.Number == 1146: // ER_NO_SUCH_TABLE
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return v, true, nil
}

func (s mysqlStore) close() { s.conn.Close() }

// rabbitStore keeps each key as a durable queue holding one persistent
// message, published with a confirm so it is on disk when write returns.
type rabbitStore struct {
	c  *amqp.Connection
	ch *amqp.Channel
}

func openRabbitMQ(ctx context.Context, raw string) (store, string, error) {
	uri, err := amqp.ParseURI(raw)
	if err != nil {
		return nil, "", err
	}
	addr := net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port))
	c, err := amqp.DialConfig(raw, amqp.Config{Dial: amqp.DefaultDial(10 * time.Second)})
	if err != nil {
		return nil, addr, err
	}
	ch, err := c.Channel()
	if err != nil {
		c.Close()
		return nil, addr, err
	}
	return rabbitStore{c, ch}, addr, nil
}

func (s rabbitStore) write(ctx context.Context, key, value string) error {
	q := "kindcheck." + key
	if _, err := s.ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
		return err
	}
	if _, err := s.ch.QueuePurge(q, false); err != nil {
		return err
	}
	if err := s.ch.Confirm(false); err != nil {
		return err
	}
	dc, err := s.ch.PublishWithDeferredConfirmWithContext(ctx, "", q, true, false,
		amqp.Publishing{Body: []byte(value), DeliveryMode: amqp.Persistent})
	if err != nil {
		return err
	}
	acked, err := dc.WaitContext(ctx)
	if err != nil {
		return err
	}
	if !acked {
		return errors.New("the broker nacked the message")
	}
	return nil
}

func (s rabbitStore) read(ctx context.Context, key string) (string, bool, error) {
	q := "kindcheck." + key
	if _, err := s.ch.QueueDeclarePassive(q, true, false, false, false, nil); err != nil {
		var aerr *amqp.Error
		if errors.As(err, &aerr) && aerr.Code == amqp.NotFound {
			return "", false, nil
		}
		return "", false, err
	}
	// Not acknowledged: the message goes back to the queue on close.
	m, ok, err := s.ch.Get(q, false)
	if err != nil || !ok {
		return "", false, err
	}
	return string(m.Body), true, nil
}

func (s rabbitStore) close() { s.c.Close() }

type memcachedStore struct{ addr string }

func openMemcached(ctx context.Context, raw string) (store, string, error) {
	addr := strings.TrimSpace(strings.Split(raw, ",")[0])
	return memcachedStore{addr}, addr, nil
}

func (s memcachedStore) write(ctx context.Context, key, value string) error {
	_, err := memcached(ctx, s.addr, fmt.Sprintf("set kindcheck:%s 0 0 %d\r\n%s\r\n", key, len(value), value), "STORED")
	return err
}

func (s memcachedStore) read(ctx context.Context, key string) (string, bool, error) {
	lines, err := memcached(ctx, s.addr, "get kindcheck:"+key+"\r\n", "END")
	if err != nil {
		return "", false, err
	}
	if len(lines) == 3 {
		return lines[1], true, nil
	}
	return "", false, nil
}

func (memcachedStore) close() {}

// natsStore keeps nothing: NATS without JetStream forgets a message once
// it is delivered. write publishes; read does a request-free round trip on
// a fresh subject and reports the key missing.
type natsStore struct{ c *nats.Conn }

func openNATS(ctx context.Context, raw string) (store, string, error) {
	first := strings.TrimSpace(strings.Split(raw, ",")[0])
	u, err := url.Parse(first)
	if err != nil {
		return nil, "", err
	}
	c, err := nats.Connect(raw, nats.NoReconnect(), nats.Timeout(10*time.Second))
	if err != nil {
		return nil, u.Host, err
	}
	return natsStore{c}, u.Host, nil
}

func (s natsStore) write(ctx context.Context, key, value string) error {
	if err := s.c.Publish("kindcheck."+key, []byte(value)); err != nil {
		return err
	}
	return s.c.FlushWithContext(ctx)
}

func (s natsStore) read(ctx context.Context, key string) (string, bool, error) {
	subject := nats.NewInbox()
	sub, err := s.c.SubscribeSync(subject)
	if err != nil {
		return "", false, err
	}
	defer sub.Unsubscribe()
	if err := s.c.Publish(subject, []byte(key)); err != nil {
		return "", false, err
	}
	if _, err := sub.NextMsgWithContext(ctx); err != nil {
		return "", false, fmt.Errorf("round trip: %w", err)
	}
	return "", false, nil
}

func (s natsStore) close() { s.c.Close() }
