// Command app is the shop's app in the Terraform example: it knows nothing
// about parity or Terraform and reads DATABASE_URL and REDIS_URL, the
// variables the ECS task definition in ../infra gives it. It writes and
// reads back one row in Postgres and one key in Redis, prints "ok" and
// exits 0, which is what `parity run` and the end-to-end tests check.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
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
		return errors.New("DATABASE_URL and REDIS_URL must be set (run me with `parity run -f examples/terraform/infra -- go run ./examples/terraform/app`)")
	}
	stamp := time.Now().UTC().Format(time.RFC3339Nano)

	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect postgres: %w", err)
	}
	defer db.Close(context.Background())
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS orders (id bigserial PRIMARY KEY, placed text NOT NULL)`); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	var id int64
	if err := db.QueryRow(ctx, `INSERT INTO orders (placed) VALUES ($1) RETURNING id`, stamp).Scan(&id); err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	var placed string
	if err := db.QueryRow(ctx, `SELECT placed FROM orders WHERE id = $1`, id).Scan(&placed); err != nil {
		return fmt.Errorf("read order: %w", err)
	}
	if placed != stamp {
		return fmt.Errorf("read order %d: got %q, want %q", id, placed, stamp)
	}

	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return fmt.Errorf("parse REDIS_URL: %w", err)
	}
	cache := redis.NewClient(opts)
	defer cache.Close()
	key := fmt.Sprintf("order:%d", id)
	if err := cache.Set(ctx, key, stamp, time.Minute).Err(); err != nil {
		return fmt.Errorf("cache order: %w", err)
	}
	got, err := cache.Get(ctx, key).Result()
	if err != nil {
		return fmt.Errorf("read cached order: %w", err)
	}
	if got != stamp {
		return fmt.Errorf("read cached order: got %q, want %q", got, stamp)
	}
	return nil
}
