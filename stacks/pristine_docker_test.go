package stacks

import (
	"context"
	"testing"
	"time"

	"github.com/parity-dev/parity/internal/testbed"
)

// Postgres keeps pristine copies of its databases and makes them again
// from those on the running server: rows written since are gone, the
// tables the copy had are there, a session the app left open is ended,
// a database made later stays, and it works twice.
func TestDockerPostgresResetsItsDatabasesFromPristineCopies(t *testing.T) {
	image := testbed.Registry(t) + "/library/postgres:15"
	st := ForImage(image).(Postgres)
	cfg := st.Configure(Service{Name: "db", Image: image, Env: map[string]string{"POSTGRES_USER": "app", "POSTGRES_DB": "shop"}}, "pristine-secret")
	s := startRekeyServer(t, image, cfg, 5432)
	s.waitProbe(t, st, cfg.Credentials)
	ep := s.endpoint(cfg.Credentials)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	exec := func(ep Endpoint, sql string) {
		t.Helper()
		conn, err := postgresConnect(ctx, ep, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	count := func() int {
		t.Helper()
		conn, err := postgresConnect(ctx, ep, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if done, err := st.RestorePristine(ctx, ep); err != nil || done {
		t.Fatalf("restore with no pristine copies: %v, %v; want false, nil", done, err)
	}
	exec(ep, "CREATE TABLE items (x int); INSERT INTO items VALUES (1)")
	if err := st.KeepPristine(ctx, ep); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 2; round++ {
		exec(ep, "INSERT INTO items SELECT generate_series(1, 100)")
		held, err := postgresConnect(ctx, ep, 10*time.Second) // the app's open session
		if err != nil {
			t.Fatal(err)
		}
		if round == 1 {
			exec(maintenance(ep), "CREATE DATABASE later")
		}
		start := time.Now()
		done, err := st.RestorePristine(ctx, ep)
		if err != nil || !done {
			t.Fatalf("round %d: restore: %v, %v", round, done, err)
		}
		t.Logf("round %d: databases reset in %s", round, time.Since(start).Round(time.Millisecond))
		if err := held.Ping(ctx); err == nil {
			t.Errorf("round %d: a session open on the reset database survived", round)
		}
		held.Close(ctx)
		if n := count(); n != 1 {
			t.Errorf("round %d: %d rows after reset, want the 1 kept", round, n)
		}
	}
	conn, err := postgresConnect(ctx, maintenance(ep), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var later, owner string
	if err := conn.QueryRow(ctx, "SELECT datname FROM pg_database WHERE datname = 'later'").Scan(&later); err != nil {
		t.Errorf("a database made after the copies were kept is gone: %v", err)
	}
	if err := conn.QueryRow(ctx, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shop'").Scan(&owner); err != nil || owner != "app" {
		t.Errorf("shop's owner after reset: %q, %v", owner, err)
	}
}
