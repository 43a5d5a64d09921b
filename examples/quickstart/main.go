// Command quickstart is a small web app that counts visits in Postgres and
// caches the count in Redis. It knows nothing about parity: it reads
// DATABASE_URL, REDIS_URL and PORT like any twelve-factor app.
//
// With -check it does one round trip through both services and exits, which
// is what `parity run` and the end-to-end tests use.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

type app struct {
	db    *pgxpool.Pool
	cache *redis.Client
}

func main() {
	check := flag.Bool("check", false, "write and read one visit through Postgres and Redis, print it, exit")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *check); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, check bool) error {
	a, err := connect(ctx)
	if err != nil {
		return err
	}
	defer a.db.Close()
	defer a.cache.Close()
	if check {
		n, err := a.visit(ctx, "check")
		if err != nil {
			return err
		}
		fmt.Printf("visits=%d\n", n)
		return nil
	}

	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	srv := &http.Server{Addr: "127.0.0.1:" + port, Handler: a.routes()}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("listening on http://127.0.0.1:%s", port)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func connect(ctx context.Context) (*app, error) {
	dbURL, redisURL := os.Getenv("DATABASE_URL"), os.Getenv("REDIS_URL")
	if dbURL == "" || redisURL == "" {
		return nil, errors.New("DATABASE_URL and REDIS_URL must be set (run me with `parity up -- ...`)")
	}
	db, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS visits (id bigserial PRIMARY KEY, path text NOT NULL, at timestamptz NOT NULL DEFAULT now())`); err != nil {
		db.Close()
		return nil, fmt.Errorf("create table: %w", err)
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("parse REDIS_URL: %w", err)
	}
	cache := redis.NewClient(opts)
	if err := cache.Ping(ctx).Err(); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect redis: %w", err)
	}
	return &app{db: db, cache: cache}, nil
}

// visit records one visit and returns the total, caching it in Redis.
func (a *app) visit(ctx context.Context, path string) (int64, error) {
	if _, err := a.db.Exec(ctx, `INSERT INTO visits (path) VALUES ($1)`, path); err != nil {
		return 0, fmt.Errorf("record visit: %w", err)
	}
	var n int64
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM visits`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count visits: %w", err)
	}
	if err := a.cache.Set(ctx, "visits", n, time.Minute).Err(); err != nil {
		return 0, fmt.Errorf("cache count: %w", err)
	}
	cached, err := a.cache.Get(ctx, "visits").Int64()
	if err != nil || cached != n {
		return 0, fmt.Errorf("read cached count: got %d, %v; want %d", cached, err, n)
	}
	return n, nil
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n, err := a.visit(r.Context(), r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "visits=%d\n", n)
	})
	mux.HandleFunc("/cached", func(w http.ResponseWriter, r *http.Request) {
		v, err := a.cache.Get(r.Context(), "visits").Result()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		n, _ := strconv.Atoi(v)
		fmt.Fprintf(w, "cached=%d\n", n)
	})
	return mux
}
