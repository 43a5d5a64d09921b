// Command flood is the app of the live view's benchmark: it prints log
// lines at a steady rate (10,000 a second by default) until it is stopped,
// and keeps a count in a file so the benchmark can tell the rate it really
// reached: a reader that falls behind slows the writer down through the pipe.
//
//	flood [-rate 10000] [-stats FILE]
//
// With -rate 0 it prints nothing and waits, for measuring an idle view.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	rate := flag.Int("rate", 10000, "lines per second; 0 prints nothing")
	stats := flag.String("stats", "", "file to keep \"LINES UNIX_NANOS\" in, rewritten every 100ms")
	flag.Parse()
	if err := run(*rate, *stats); err != nil {
		fmt.Fprintln(os.Stderr, "flood:", err)
		os.Exit(1)
	}
}

func run(rate int, stats string) error {
	fmt.Printf("flood: %d lines/s\n", rate)
	if rate <= 0 {
		// Idle until parity stops the app. (A bare select{} would be a
		// deadlock to the runtime: no other goroutine could wake it.)
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		<-stop
		return nil
	}
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	start := time.Now()
	lastStats := start
	written := 0
	// Write in small batches on a 10ms beat, catching up to rate×elapsed,
	// so the output is steady rather than one burst a second.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for now := range tick.C {
		due := int(now.Sub(start).Seconds() * float64(rate))
		for ; written < due; written++ {
			fmt.Fprintf(w, "%s INFO  request id=%08d method=GET path=/api/items/%d status=200 duration=%.3fms user=%d\n",
				now.UTC().Format("2006-01-02T15:04:05.000Z"), written, written%977, float64(written%1000)/1000, written%42)
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if stats != "" && now.Sub(lastStats) >= 100*time.Millisecond {
			lastStats = now
			if err := writeStats(stats, written, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeStats replaces the stats file at once, so a reader never sees half.
func writeStats(path string, lines int, now time.Time) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, fmt.Appendf(nil, "%d %d\n", lines, now.UnixNano()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
