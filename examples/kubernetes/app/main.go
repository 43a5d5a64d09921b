// Command app is the Kubernetes example's app: it reads DATABASE_URL and
// REDIS_URL as its Deployment sets them, writes a row to Postgres and a key
// to Redis, reads both back, prints "ok" and exits 0. parity runs it with
// the variables pointed at the services it started from k8s/*.yaml.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "app:", err)
		os.Exit(1)
	}
	fmt.Println("ok")
}

func run(ctx context.Context) error {
	dbURL, redisURL := os.Getenv("DATABASE_URL"), os.Getenv("REDIS_URL")
	if dbURL == "" || redisURL == "" {
		return errors.New("DATABASE_URL and REDIS_URL must be set")
	}
	stamp := time.Now().UTC().Format(time.RFC3339Nano)

	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS visits (at text NOT NULL)`); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO visits (at) VALUES ($1)`, stamp); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	var got string
	if err := db.QueryRow(ctx, `SELECT at FROM visits WHERE at = $1`, stamp).Scan(&got); err != nil {
		return fmt.Errorf("read back from postgres: %w", err)
	}

	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return fmt.Errorf("parse REDIS_URL: %w", err)
	}
	cache := redis.NewClient(opts)
	defer cache.Close()
	if err := cache.Set(ctx, "last-visit", stamp, time.Minute).Err(); err != nil {
		return fmt.Errorf("write to redis: %w", err)
	}
	cached, err := cache.Get(ctx, "last-visit").Result()
	if err != nil {
		return fmt.Errorf("read back from redis: %w", err)
	}
	if got != stamp || cached != stamp {
		return fmt.Errorf("read back %q from postgres and %q from redis; wrote %q", got, cached, stamp)
	}
	return nil
}
