package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parity-dev/parity/bench/internal/rig"
)

// snapshotBytes is how much data the restore case's snapshot holds: the
// fill stops once db's data directory is this big.
const snapshotBytes = 100 << 20

// fillBatch is the rows one fill statement adds: each row is ~1 kB of
// table, and about as much again of write-ahead log, so a batch grows the
// data directory by ~5 MB and the fill stops within that of snapshotBytes.
const fillBatch = 2500

// dataResult is one line of `reset`/`snapshot ... --format json`.
type dataResult struct {
	Service string  `json:"service"`
	From    string  `json:"from"`
	Name    string  `json:"name"`
	Seconds float64 `json:"duration_seconds"`
	Size    int64   `json:"size_bytes"`
}

func readDataResults(out []byte) ([]dataResult, error) {
	var res []dataResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r dataResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("read --format json line %q: %w", sc.Text(), err)
		}
		res = append(res, r)
	}
	return res, sc.Err()
}

// dataCommand runs one measured data command (reset or restore) with
// --format json (and --debug when tracing), records parity's own figure
// for db under ownCase and, when tracing, the steps under name.
func (b *bench) dataCommand(ctx context.Context, name, ownCase string, p parityRun, args ...string) (time.Duration, dataResult, error) {
	args = append(args, "--format", "json")
	if b.trace {
		args = append(args, "--debug")
	}
	r, err := b.exec(ctx, p, args...)
	if err != nil {
		return 0, dataResult{}, err
	}
	res, err := readDataResults(r.stdout)
	if err != nil {
		return 0, dataResult{}, err
	}
	if len(res) != 1 || res[0].Service != "db" {
		return 0, dataResult{}, fmt.Errorf("parity %s: want one result, for db; got %+v", strings.Join(args, " "), res)
	}
	b.results[ownCase] = append(b.results[ownCase], time.Duration(res[0].Seconds*float64(time.Second)))
	if b.trace {
		if err := b.keepDBTrace(ctx, name, p, r); err != nil {
			return 0, dataResult{}, err
		}
	}
	return r.took, res[0], nil
}

// resetAndRestore measures, in one running project: `parity reset db
// --yes` n times (db back to just initialised: a copy of the template the
// priming made); then, with db filled to ~100 MB and saved as a snapshot,
// `parity snapshot restore --yes` n times.
func (b *bench) resetAndRestore(ctx context.Context) error {
	p, err := b.newProject("data")
	if err != nil {
		return err
	}
	if _, err := b.exec(ctx, p, "up", "--detach"); err != nil {
		return fmt.Errorf("set up the data project: %w", err)
	}
	for range b.n {
		err := b.measure(ctx, caseReset, func() (time.Duration, error) {
			took, res, err := b.dataCommand(ctx, caseReset, caseResetOwn, p, "reset", "db", "--yes")
			b.resetFrom = append(b.resetFrom, res.From)
			return took, err
		})
		if err != nil {
			return err
		}
	}

	size, err := b.fill(ctx, p)
	if err != nil {
		return err
	}
	r, err := b.exec(ctx, p, "snapshot", "save", "big", "db", "--format", "json")
	if err != nil {
		return err
	}
	saved, err := readDataResults(r.stdout)
	if err != nil {
		return err
	}
	if len(saved) != 1 {
		return fmt.Errorf("snapshot save big db: want one result, got %+v", saved)
	}
	b.snapshotSize = saved[0].Size
	fmt.Printf("  filled db to %.0f MB (du of its data directory); snapshot save reports %.0f MB in %.2fs\n",
		float64(size)/(1<<20), float64(saved[0].Size)/(1<<20), saved[0].Seconds)
	for range b.n {
		err := b.measure(ctx, caseRestore, func() (time.Duration, error) {
			took, _, err := b.dataCommand(ctx, caseRestore, caseRestoreOwn, p, "snapshot", "restore", "big", "--yes")
			return took, err
		})
		if err != nil {
			return err
		}
	}
	return rig.RemoveLabelled(rig.RunLabel+"="+b.runID, "dev.parity.project="+p.project)
}

// fill adds rows to a table in db until its data directory holds
// snapshotBytes, and returns the directory's size. It goes by the
// directory's size, not the rows', because that is what a snapshot copies:
// the write-ahead log grows with the table.
func (b *bench) fill(ctx context.Context, p parityRun) (int64, error) {
	psql := func(sql string) error {
		_, err := rig.Docker(ctx, "exec", p.dbContainer(), "psql", "-U", pgUser, "-d", pgUser, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql)
		return err
	}
	if err := psql("create table big (g int, pad text)"); err != nil {
		return 0, fmt.Errorf("fill db: %w", err)
	}
	for batch := 0; ; batch++ {
		out, err := rig.Docker(ctx, "exec", p.dbContainer(), "du", "-sk", "/var/lib/postgresql/data")
		if err != nil {
			return 0, fmt.Errorf("fill db: %w", err)
		}
		f := strings.Fields(out)
		if len(f) == 0 {
			return 0, fmt.Errorf("fill db: du printed nothing")
		}
		kib, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("fill db: read du %q: %w", out, err)
		}
		if size := kib << 10; size >= snapshotBytes {
			return size, nil
		}
		if batch == 100 {
			return 0, fmt.Errorf("fill db: still %d kB after %d batches of %d rows", kib, batch, fillBatch)
		}
		sql := fmt.Sprintf("insert into big select g, repeat(md5(g::text), 30) from generate_series(%d, %d) g", batch*fillBatch+1, (batch+1)*fillBatch)
		if err := psql(sql); err != nil {
			return 0, fmt.Errorf("fill db: %w", err)
		}
	}
}
