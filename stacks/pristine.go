package stacks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// PristineKeeper is a Stack whose server can copy its own databases fast:
// Postgres's CREATE DATABASE … TEMPLATE copies a database in a fraction of
// a second on a running server, so a reset needs no container stopped or
// started. Keep takes a copy of each database as it is now (just
// initialised, or seeded); Restore puts the databases back from those
// copies. Databases created later and roles are not touched.
type PristineKeeper interface {
	KeepPristine(ctx context.Context, ep Endpoint) error
	// RestorePristine reports false, with no error, when there is no
	// pristine copy to go back to (data from before parity kept them, or
	// a user without the rights): the caller then copies the whole volume.
	RestorePristine(ctx context.Context, ep Endpoint) (bool, error)
}

// pristinePrefix names the copies; the app sees them in its server's list
// of databases, named for what they are.
const pristinePrefix = "parity_pristine_"

// maintenance is ep logged in to the maintenance database "postgres": a
// database cannot be dropped or copied by a session connected to it.
func maintenance(ep Endpoint) Endpoint {
	ep.Credentials.Database = "postgres"
	return ep
}

// KeepPristine replaces the pristine copy of every database the app may
// use (all but postgres, the templates and the copies themselves) by a
// copy of it as it is now. Nothing may be connected to them: parity calls
// it before the app starts.
func (Postgres) KeepPristine(ctx context.Context, ep Endpoint) error {
	ctx, cancel := withDefaultTimeout(ctx, 60*time.Second)
	defer cancel()
	conn, err := postgresConnect(ctx, maintenance(ep), probeTimeout(ctx))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	dbs, err := userDatabases(ctx, conn)
	if err != nil {
		return err
	}
	for _, db := range dbs {
		copyName := pgx.Identifier{pristinePrefix + db}.Sanitize()
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+copyName); err != nil {
			return fmt.Errorf("keep a pristine copy of database %s: %w", db, err)
		}
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+copyName+" TEMPLATE "+pgx.Identifier{db}.Sanitize()); err != nil {
			return fmt.Errorf("keep a pristine copy of database %s: %w", db, err)
		}
	}
	return nil
}

// RestorePristine drops each database that has a pristine copy (ending
// the sessions connected to it, as a reset must) and makes it again from
// the copy, owned by whoever owned it.
func (Postgres) RestorePristine(ctx context.Context, ep Endpoint) (bool, error) {
	ctx, cancel := withDefaultTimeout(ctx, 60*time.Second)
	defer cancel()
	conn, err := postgresConnect(ctx, maintenance(ep), probeTimeout(ctx))
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT substr(c.datname, $2), pg_get_userbyid(COALESCE(d.datdba, c.datdba))
		FROM pg_database c LEFT JOIN pg_database d ON d.datname = substr(c.datname, $2)
		WHERE c.datname LIKE $1 ORDER BY 1`, strings.ReplaceAll(pristinePrefix, "_", `\_`)+"%", len(pristinePrefix)+1)
	if err != nil {
		return false, fmt.Errorf("list pristine databases: %w", err)
	}
	type restore struct{ db, owner string }
	var todo []restore
	for rows.Next() {
		var r restore
		if err := rows.Scan(&r.db, &r.owner); err != nil {
			rows.Close()
			return false, err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	if len(todo) == 0 {
		return false, nil
	}
	for _, r := range todo {
		db := pgx.Identifier{r.db}.Sanitize()
		// WITH (FORCE) is PostgreSQL 13's; before it, end the sessions first.
		if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", r.db); err != nil {
			return false, fmt.Errorf("reset database %s: %w", r.db, err)
		}
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
			var again error
			if _, again = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); again != nil {
				return false, fmt.Errorf("reset database %s: %w", r.db, err)
			}
		}
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+db+" TEMPLATE "+pgx.Identifier{pristinePrefix + r.db}.Sanitize()+" OWNER "+pgx.Identifier{r.owner}.Sanitize()); err != nil {
			return false, fmt.Errorf("reset database %s: %w", r.db, err)
		}
	}
	return true, nil
}

func userDatabases(ctx context.Context, conn *pgx.Conn) ([]string, error) {
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database
		WHERE datallowconn AND NOT datistemplate AND datname <> 'postgres' AND datname NOT LIKE $1 ORDER BY 1`,
		strings.ReplaceAll(pristinePrefix, "_", `\_`)+"%")
	if err != nil {
		return nil, fmt.Errorf("list databases: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var db string
		if err := rows.Scan(&db); err != nil {
			return nil, err
		}
		out = append(out, db)
	}
	return out, rows.Err()
}

func withDefaultTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}
