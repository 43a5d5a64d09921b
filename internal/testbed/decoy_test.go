package testbed

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

// decoyOn serves the decoy for port on a free loopback port and returns
// its address.
func decoyOn(t *testing.T, port int) (host string, p int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	startDecoy(t, l, decoyFor(port))
	return "127.0.0.1", l.Addr().(*net.TCPAddr).Port
}

func TestDecoysRefuseLoginsAtProtocolLevel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("postgres", func(t *testing.T) {
		host, port := decoyOn(t, 5432)
		for _, sslmode := range []string{"prefer", "disable"} {
			_, err := pgx.Connect(ctx, "host="+host+" port="+strconv.Itoa(port)+" user=app password=x dbname=app sslmode="+sslmode)
			if err == nil || !strings.Contains(err.Error(), "28P01") {
				t.Errorf("sslmode=%s: %v, want SQLSTATE 28P01", sslmode, err)
			}
		}
	})
	t.Run("redis", func(t *testing.T) {
		host, port := decoyOn(t, 6379)
		for _, pw := range []string{"", "x"} {
			rdb := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(host, strconv.Itoa(port)), Password: pw, MaxRetries: -1})
			err := rdb.Set(ctx, "k", "v", 0).Err()
			rdb.Close()
			if err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
				t.Errorf("password %q: %v, want WRONGPASS", pw, err)
			}
		}
	})
	t.Run("mysql", func(t *testing.T) {
		host, port := decoyOn(t, 3306)
		cfg := mysql.NewConfig()
		cfg.Net, cfg.Addr, cfg.User, cfg.Passwd, cfg.DBName = "tcp", net.JoinHostPort(host, strconv.Itoa(port)), "app", "x", "app"
		c, err := mysql.NewConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(c)
		defer db.Close()
		err = db.PingContext(ctx)
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1045 {
			t.Errorf("ping: %v, want ERR 1045", err)
		}
	})
	t.Run("rabbitmq", func(t *testing.T) {
		host, port := decoyOn(t, 5672)
		conn, err := amqp.DialConfig("amqp://guest:guest@"+net.JoinHostPort(host, strconv.Itoa(port))+"/", amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
		if err == nil {
			conn.Close()
			t.Fatal("dial succeeded against the decoy")
		}
	})
}

func TestHoldPortsLeavesAPortAnotherProgramHolds(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	HoldPorts(t, port) // must not fail: the port is held either way
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("the other program's listener no longer answers: %v", err)
	}
	c.Close()
}
