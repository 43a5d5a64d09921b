// Command pgrow reads the table an init script seeded, through the
// DATABASE_URL parity gives the app, and prints what it found: the
// end-to-end test of a database built from the project's own Dockerfile
// runs it through `parity run`.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		fmt.Fprintln(os.Stderr, "pgrow: DATABASE_URL is not set")
		os.Exit(2)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgrow: connect:", err)
		os.Exit(1)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT note FROM seed ORDER BY id")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgrow: query:", err)
		os.Exit(1)
	}
	notes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgrow: read:", err)
		os.Exit(1)
	}
	fmt.Printf("seed=%s\n", strings.Join(notes, ","))
}
