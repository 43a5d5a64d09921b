package testbed

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

// startDecoy serves proto on a port of the system's choosing, as HoldPorts
// does on the usual ports, and returns its address.
func startDecoy(t *testing.T, proto decoyProtocol) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(serveDecoy(l, proto).close)
	return l.Addr().String()
}

func decoyCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDecoyRefusesPostgresLoginsWithInvalidPassword(t *testing.T) {
	addr := startDecoy(t, decoyPostgres)
	// prefer asks for TLS first, which the decoy declines; disable does not ask.
	for _, mode := range []string{"prefer", "disable"} {
		conn, err := pgx.Connect(decoyCtx(t), "postgres://app:secret@"+addr+"/app?sslmode="+mode)
		if err == nil {
			conn.Close(context.Background())
			t.Fatalf("sslmode=%s: connected to the decoy", mode)
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "28P01" || !strings.Contains(pgErr.Message, `"app"`) {
			t.Errorf("sslmode=%s: %v, want SQLSTATE 28P01 for user app", mode, err)
		}
	}
}

func TestDecoyAnswersEveryRedisCommandWithWrongpass(t *testing.T) {
	addr := startDecoy(t, decoyRedis)
	for _, password := range []string{"", "secret"} {
		c := redis.NewClient(&redis.Options{Addr: addr, Password: password, MaxRetries: -1})
		err := c.Set(decoyCtx(t), "k", "v", 0).Err()
		c.Close()
		if err == nil || !strings.HasPrefix(err.Error(), "WRONGPASS") {
			t.Errorf("password %q: SET gave %v, want WRONGPASS", password, err)
		}
	}
	// Inline commands, as from telnet or redis-cli's old protocol.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "PING\r\nGET k\r\n"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2*len(redisWrongPass))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != redisWrongPass+redisWrongPass {
		t.Errorf("inline commands answered %q, %v", buf, err)
	}
}

func TestDecoyRefusesMySQLLoginsWithAccessDenied(t *testing.T) {
	addr := startDecoy(t, decoyMySQL)
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.Passwd, cfg.DBName = "tcp", addr, "app", "secret", "app"
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	err = db.PingContext(decoyCtx(t))
	var myErr *mysql.MySQLError
	if !errors.As(err, &myErr) || myErr.Number != 1045 || !strings.Contains(myErr.Message, "'app'") {
		t.Errorf("ping gave %v, want error 1045 for user app", err)
	}
}

func TestDecoyClosesAMQPConnectionsAfterTheHeader(t *testing.T) {
	addr := startDecoy(t, decoyAMQP)
	conn, err := amqp.DialConfig("amqp://guest:guest@"+addr+"/", amqp.Config{Dial: amqp.DefaultDial(10 * time.Second)})
	if err == nil {
		conn.Close()
		t.Fatal("connected to the decoy")
	}
}

func TestDecoyClosesOtherConnections(t *testing.T) {
	addr := startDecoy(t, decoyClose)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("read %d bytes, %v; want EOF", n, err)
	}
}

func TestHoldPortsHoldsFreePortsUntilTheTestEndsAndSkipsHeldOnes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := l.Addr().(*net.TCPAddr).Port
	l.Close()
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	heldPort := held.Addr().(*net.TCPAddr).Port

	t.Run("hold", func(t *testing.T) {
		HoldPorts(t, free, heldPort)
		if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(free)); err == nil {
			l.Close()
			t.Fatalf("port %d is still free", free)
		}
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(free))
		if err != nil {
			t.Fatalf("the decoy on %d does not accept: %v", free, err)
		}
		c.Close()
	})
	// The subtest's end released the port, and left the other holder alone.
	l, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(free))
	if err != nil {
		t.Fatalf("port %d still held after the test: %v", free, err)
	}
	l.Close()
	c, err := net.Dial("tcp", held.Addr().String())
	if err != nil {
		t.Fatalf("the other holder's port %d was closed: %v", heldPort, err)
	}
	c.Close()
}
