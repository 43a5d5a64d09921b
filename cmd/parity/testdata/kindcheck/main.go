// Command kindcheck does a real round trip with one backing service through
// the variables parity gives an app: the kind's conventional variable
// (MYSQL_URL, RABBITMQ_URL, MEMCACHE_SERVERS, NATS_URL) and the manifest's
// own variables, rewritten to the local container (MYSQL_HOST and friends,
// AMQP_URL, MEMCACHED_SERVERS, NATS_SERVERS). It writes through one and
// reads through the other, so both must point at the same running server
// with working credentials. The end-to-end tests run it through
// `parity run -- kindcheck KIND` and compare the line it prints.
//
// `kindcheck KIND write KEY VALUE` and `kindcheck KIND read KEY` split a
// round trip in two, so a test can stop, remove or restart the server in
// between: they go through the one variable an app names the service by
// (appVars) and print the address they reached, so the test can tell
// parity's server from another program on the usual port.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/nats-io/nats.go"
	amqp "github.com/rabbitmq/amqp091-go"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if len(os.Args) >= 3 {
		os.Exit(writeOrRead(ctx, os.Args[1:]))
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kindcheck mariadb|rabbitmq|memcached|nats")
		fmt.Fprintln(os.Stderr, "       kindcheck KIND write KEY VALUE | kindcheck KIND read KEY")
		os.Exit(2)
	}
	checks := map[string]func(context.Context) (string, error){
		"mariadb": checkMySQL, "rabbitmq": checkRabbitMQ, "memcached": checkMemcached, "nats": checkNATS,
	}
	check, ok := checks[os.Args[1]]
	if !ok {
		fmt.Fprintln(os.Stderr, "kindcheck: unknown kind", os.Args[1])
		os.Exit(2)
	}
	out, err := check(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kindcheck %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	fmt.Println(out)
}

func need(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("%s is not set", name)
	}
	return v, nil
}

// checkMySQL writes a row with the split variables and reads it back with
// MYSQL_URL, and checks DATABASE_URL (MySQL is the only database).
func checkMySQL(ctx context.Context) (string, error) {
	split := mysql.NewConfig()
	split.Net = "tcp"
	split.Addr = net.JoinHostPort(os.Getenv("MYSQL_HOST"), os.Getenv("MYSQL_PORT"))
	split.User, split.Passwd, split.DBName = os.Getenv("MYSQL_USER"), os.Getenv("MYSQL_PASSWORD"), os.Getenv("MYSQL_DATABASE")
	raw, err := need("MYSQL_URL")
	if err != nil {
		return "", err
	}
	if db := os.Getenv("DATABASE_URL"); db != raw {
		return "", fmt.Errorf("DATABASE_URL %q is not MYSQL_URL", db)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mysql" {
		return "", fmt.Errorf("MYSQL_URL %q is not a mysql:// URL", raw)
	}
	conv := mysql.NewConfig()
	conv.Net, conv.Addr, conv.User, conv.DBName = "tcp", u.Host, u.User.Username(), strings.TrimPrefix(u.Path, "/")
	conv.Passwd, _ = u.User.Password()

	w, err := openMySQL(split)
	if err != nil {
		return "", fmt.Errorf("MYSQL_HOST/PORT/USER/PASSWORD: %w", err)
	}
	defer w.Close()
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS kindcheck (id INT PRIMARY KEY, v VARCHAR(64))",
		"REPLACE INTO kindcheck VALUES (1, CONCAT(CURRENT_USER(), '@', DATABASE()))",
	} {
		if _, err := w.ExecContext(ctx, q); err != nil {
			return "", err
		}
	}
	r, err := openMySQL(conv)
	if err != nil {
		return "", fmt.Errorf("MYSQL_URL: %w", err)
	}
	defer r.Close()
	var v string
	if err := r.QueryRowContext(ctx, "SELECT v FROM kindcheck WHERE id = 1").Scan(&v); err != nil {
		return "", err
	}
	return "mariadb row=" + v, nil
}

func openMySQL(cfg *mysql.Config) (*sql.DB, error) {
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// checkRabbitMQ publishes through the manifest's AMQP_URL and consumes
// through RABBITMQ_URL.
func checkRabbitMQ(ctx context.Context) (string, error) {
	pubURL, err := need("AMQP_URL")
	if err != nil {
		return "", err
	}
	subURL, err := need("RABBITMQ_URL")
	if err != nil {
		return "", err
	}
	pub, err := amqp.Dial(pubURL)
	if err != nil {
		return "", fmt.Errorf("AMQP_URL: %w", err)
	}
	defer pub.Close()
	sub, err := amqp.Dial(subURL)
	if err != nil {
		return "", fmt.Errorf("RABBITMQ_URL: %w", err)
	}
	defer sub.Close()
	pch, err := pub.Channel()
	if err != nil {
		return "", err
	}
	q, err := pch.QueueDeclare("kindcheck", true, false, false, false, nil)
	if err != nil {
		return "", err
	}
	body := fmt.Sprintf("hello-%d", time.Now().UnixNano())
	if err := pch.PublishWithContext(ctx, "", q.Name, false, false, amqp.Publishing{Body: []byte(body), DeliveryMode: amqp.Persistent}); err != nil {
		return "", err
	}
	sch, err := sub.Channel()
	if err != nil {
		return "", err
	}
	msgs, err := sch.ConsumeWithContext(ctx, q.Name, "", true, false, false, false, nil)
	if err != nil {
		return "", err
	}
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				return "", errors.New("consumer closed")
			}
			if string(m.Body) == body {
				return "rabbitmq consumed=1 vhost=" + sub.Config.Vhost, nil
			}
		case <-ctx.Done():
			return "", fmt.Errorf("no message: %w", ctx.Err())
		}
	}
}

// checkMemcached sets a key through MEMCACHED_SERVERS and gets it through
// MEMCACHE_SERVERS, speaking memcached's text protocol.
func checkMemcached(ctx context.Context) (string, error) {
	setAddr, err := need("MEMCACHED_SERVERS")
	if err != nil {
		return "", err
	}
	getAddr, err := need("MEMCACHE_SERVERS")
	if err != nil {
		return "", err
	}
	value := fmt.Sprintf("v%d", time.Now().UnixNano())
	if _, err := memcached(ctx, setAddr, fmt.Sprintf("set kindcheck 0 60 %d\r\n%s\r\n", len(value), value), "STORED"); err != nil {
		return "", fmt.Errorf("set via MEMCACHED_SERVERS=%s: %w", setAddr, err)
	}
	lines, err := memcached(ctx, getAddr, "get kindcheck\r\n", "END")
	if err != nil {
		return "", fmt.Errorf("get via MEMCACHE_SERVERS=%s: %w", getAddr, err)
	}
	if len(lines) != 3 || lines[1] != value {
		return "", fmt.Errorf("get answered %q, want %s", lines, value)
	}
	return "memcached got=set", nil
}

// memcached sends cmd and reads lines up to one equal to last.
func memcached(ctx context.Context, addr, cmd, last string) ([]string, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	if _, err := c.Write([]byte(cmd)); err != nil {
		return nil, err
	}
	var lines []string
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		lines = append(lines, line)
		if line == last {
			return lines, nil
		}
		if strings.HasPrefix(line, "ERROR") || strings.HasPrefix(line, "CLIENT_ERROR") || strings.HasPrefix(line, "SERVER_ERROR") {
			return lines, errors.New(line)
		}
	}
	return lines, fmt.Errorf("connection ended before %s: %v", last, sc.Err())
}

// checkNATS subscribes through NATS_URL and publishes through the
// manifest's NATS_SERVERS, flushing so the message is on the server.
func checkNATS(ctx context.Context) (string, error) {
	subURL, err := need("NATS_URL")
	if err != nil {
		return "", err
	}
	pubURL, err := need("NATS_SERVERS")
	if err != nil {
		return "", err
	}
	sub, err := nats.Connect(subURL, nats.NoReconnect())
	if err != nil {
		return "", fmt.Errorf("NATS_URL: %w", err)
	}
	defer sub.Close()
	ch := make(chan *nats.Msg, 1)
	s, err := sub.ChanSubscribe("kindcheck", ch)
	if err != nil {
		return "", err
	}
	defer s.Unsubscribe()
	if err := sub.FlushWithContext(ctx); err != nil {
		return "", err
	}
	pub, err := nats.Connect(pubURL, nats.NoReconnect())
	if err != nil {
		return "", fmt.Errorf("NATS_SERVERS: %w", err)
	}
	defer pub.Close()
	if err := pub.Publish("kindcheck", []byte("ping")); err != nil {
		return "", err
	}
	if err := pub.FlushWithContext(ctx); err != nil {
		return "", err
	}
	select {
	case m := <-ch:
		return "nats received=" + string(m.Data), nil
	case <-ctx.Done():
		return "", fmt.Errorf("no message: %w", ctx.Err())
	}
}
