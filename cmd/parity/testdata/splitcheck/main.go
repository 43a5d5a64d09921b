// Command splitcheck connects to Postgres and Redis with the split
// variables a production manifest gives its app (DB_HOST, DB_PORT, ...),
// writes and reads a row and a key, and prints what it read. The
// end-to-end tests run it through `parity run`.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "splitcheck:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := pgx.ParseConfig("sslmode=disable")
	if err != nil {
		return err
	}
	cfg.Host = os.Getenv("DB_HOST")
	fmt.Sscan(os.Getenv("DB_PORT"), &cfg.Port)
	cfg.User, cfg.Password, cfg.Database = os.Getenv("DB_USER"), os.Getenv("DB_PASSWORD"), os.Getenv("DB_NAME")
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres at %s:%d as %s: %w", cfg.Host, cfg.Port, cfg.User, err)
	}
	defer conn.Close(ctx)
	var got string
	if err := conn.QueryRow(ctx, "SELECT current_user || '@' || current_database()").Scan(&got); err != nil {
		return err
	}
	rdb := redis.NewClient(&redis.Options{
		Addr:     net.JoinHostPort(os.Getenv("REDIS_HOST"), os.Getenv("REDIS_PORT")),
		Password: os.Getenv("REDIS_PASSWORD"),
	})
	defer rdb.Close()
	if err := rdb.Set(ctx, "splitcheck", got, 0).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	back, err := rdb.Get(ctx, "splitcheck").Result()
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	fmt.Printf("postgres=%s redis=%s cache_driver=%s\n", got, back, os.Getenv("CACHE_DRIVER"))
	return nil
}
