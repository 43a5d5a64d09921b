package docker

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
)

// frame builds one frame of the engine's multiplexed log stream: a header
// naming the stream and the payload size, then the payload.
func frame(stream stdcopy.StdType, payload string) []byte {
	hdr := make([]byte, 8)
	hdr[0] = byte(stream)
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(payload)))
	return append(hdr, payload...)
}

const (
	ts1 = "2024-05-01T10:00:00.000000001Z"
	ts2 = "2024-05-01T10:00:01.500000000Z"
	ts3 = "2024-05-01T10:00:02.000000000Z"
)

// splitFrames frames a stdout line as the engine logs one over 16KiB: in
// 16KiB messages, the first stamped first, the others stamped next, only
// the last ending in a newline.
func splitFrames(line, first, next string) []byte {
	var s []byte
	stamp := first
	for len(line) > 0 {
		n := min(16*1024, len(line))
		part := line[:n]
		line = line[n:]
		if line == "" {
			part += "\n"
		}
		s = append(s, frame(stdcopy.Stdout, stamp+" "+part)...)
		stamp = next
	}
	return s
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func collect(t *testing.T, stream []byte, tty bool) []LogLine {
	t.Helper()
	var lines []LogLine
	if err := copyLogs(bytes.NewReader(stream), tty, func(l LogLine) { lines = append(lines, l) }); err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestCopyLogsDemultiplexes(t *testing.T) {
	var s []byte
	s = append(s, frame(stdcopy.Stdout, ts1+" 1:C 01 May Redis is starting\n")...)
	s = append(s, frame(stdcopy.Stderr, ts2+" warning: overcommit\r\n")...)
	s = append(s, frame(stdcopy.Stdout, ts3+" Ready to accept connections tcp\n")...)
	got := collect(t, s, false)
	want := []LogLine{
		{Stream: "stdout", Text: "1:C 01 May Redis is starting", Time: mustTime(t, ts1)},
		{Stream: "stderr", Text: "warning: overcommit", Time: mustTime(t, ts2)},
		{Stream: "stdout", Text: "Ready to accept connections tcp", Time: mustTime(t, ts3)},
	}
	assertLines(t, got, want)
}

func TestCopyLogsSeveralLinesInOneFrame(t *testing.T) {
	s := frame(stdcopy.Stdout, ts1+" one\n"+ts2+" two\n")
	assertLines(t, collect(t, s, false), []LogLine{
		{Stream: "stdout", Text: "one", Time: mustTime(t, ts1)},
		{Stream: "stdout", Text: "two", Time: mustTime(t, ts2)},
	})
}

// The engine splits lines over 16KiB into messages that each carry a
// timestamp; the line must come out whole, with the first timestamp.
func TestCopyLogsJoinsSplitLongLine(t *testing.T) {
	long := strings.Repeat("x", 100*1024) // more than bufio.Scanner's 64KiB
	s := splitFrames(long, ts1, ts2)
	s = append(s, frame(stdcopy.Stdout, ts3+" after\n")...)
	got := collect(t, s, false)
	if len(got) != 2 {
		t.Fatalf("got %d lines, want 2", len(got))
	}
	if got[0].Text != long {
		t.Errorf("long line has %d bytes (prefix %q), want %d", len(got[0].Text), got[0].Text[:40], len(long))
	}
	if !got[0].Time.Equal(mustTime(t, ts1)) {
		t.Errorf("long line time = %v, want %s", got[0].Time, ts1)
	}
	if got[1].Text != "after" {
		t.Errorf("next line = %q", got[1].Text)
	}
}

func TestCopyLogsKeepsStreamsApart(t *testing.T) {
	// A partial stdout line must not be completed by stderr output.
	var s []byte
	s = append(s, frame(stdcopy.Stdout, ts1+" progress: ")...)
	s = append(s, frame(stdcopy.Stderr, ts2+" oops\n")...)
	s = append(s, frame(stdcopy.Stdout, ts3+" done\n")...)
	assertLines(t, collect(t, s, false), []LogLine{
		{Stream: "stderr", Text: "oops", Time: mustTime(t, ts2)},
		{Stream: "stdout", Text: "progress: done", Time: mustTime(t, ts1)},
	})
}

func TestCopyLogsFlushesUnterminatedLine(t *testing.T) {
	s := frame(stdcopy.Stdout, ts1+" no newline at the end")
	assertLines(t, collect(t, s, false), []LogLine{
		{Stream: "stdout", Text: "no newline at the end", Time: mustTime(t, ts1)},
	})
}

func TestCopyLogsCapsEndlessLine(t *testing.T) {
	huge := strings.Repeat("y", maxLogLine+10)
	got := collect(t, splitFrames(huge, ts1, ts2), false)
	if len(got) != 2 {
		t.Fatalf("got %d lines, want the line in 2 pieces", len(got))
	}
	if len(got[0].Text)+len(got[1].Text) != len(huge) {
		t.Errorf("pieces hold %d+%d bytes, want %d", len(got[0].Text), len(got[1].Text), len(huge))
	}
	if !got[1].Time.Equal(mustTime(t, ts1)) {
		t.Errorf("second piece time = %v, want the line's", got[1].Time)
	}
}

func TestCopyLogsTTY(t *testing.T) {
	s := []byte(ts1 + " plain\r\n" + ts2 + " stream\n")
	assertLines(t, collect(t, s, true), []LogLine{
		{Stream: "stdout", Text: "plain", Time: mustTime(t, ts1)},
		{Stream: "stdout", Text: "stream", Time: mustTime(t, ts2)},
	})
}

func TestCutTimestampLeavesOrdinaryText(t *testing.T) {
	for _, s := range []string{"hello world", "", "2024-05-01 not a timestamp", "x 2024-05-01T10:00:00Z"} {
		if _, rest, ok := cutTimestamp([]byte(s)); ok || string(rest) != s {
			t.Errorf("cutTimestamp(%q) = %q, %v", s, rest, ok)
		}
	}
}

func assertLines(t *testing.T, got, want []LogLine) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d lines %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i].Stream != want[i].Stream || got[i].Text != want[i].Text || !got[i].Time.Equal(want[i].Time) {
			t.Errorf("line %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
