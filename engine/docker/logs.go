package docker

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// maxLogLine bounds the memory one line may take; a longer line is delivered
// in pieces of this size rather than held forever.
const maxLogLine = 1 << 20

// Logs streams the container's stdout and stderr line by line, with the
// engine's timestamp of each line, until ctx ends (which is not an error) or,
// without follow, the logs end. tail<0 means all lines.
func (e *Engine) Logs(ctx context.Context, id string, follow bool, tail int, line func(LogLine)) error {
	info, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return e.fail(err, "read logs of container "+id)
	}
	tty := info.Container.Config != nil && info.Container.Config.Tty
	opts := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow, Timestamps: true, Tail: "all"}
	if tail >= 0 {
		opts.Tail = strconv.Itoa(tail)
	}
	rc, err := e.cli.ContainerLogs(ctx, id, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return e.fail(err, "read logs of container "+id)
	}
	defer rc.Close()
	err = copyLogs(rc, tty, line)
	if ctx.Err() != nil {
		return nil
	}
	return e.fail(err, "read logs of container "+id)
}

// copyLogs splits the engine's log stream into lines. Without a TTY the
// stream multiplexes stdout and stderr in frames (stdcopy); with one it is
// stdout only.
func copyLogs(r io.Reader, tty bool, line func(LogLine)) error {
	stdout := &lineWriter{stream: "stdout", emit: line}
	stderr := &lineWriter{stream: "stderr", emit: line}
	var err error
	if tty {
		_, err = io.Copy(stdout, r)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, r)
	}
	stdout.flush()
	stderr.flush()
	return err
}

// lineWriter turns one stream's bytes, each line prefixed with the engine's
// RFC 3339 timestamp, into LogLines.
type lineWriter struct {
	stream string
	emit   func(LogLine)
	buf    []byte
	// cut is set after an overlong line was delivered in part; the rest
	// of it carries no timestamp of its own and reuses cutTime.
	cut     bool
	cutTime time.Time
}

// Write receives one log frame. The engine splits lines longer than 16KiB
// into several messages, each with its own timestamp; a frame that continues
// a pending line has that timestamp dropped so the line comes out whole.
func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(w.buf) > 0 || w.cut {
		if _, rest, ok := cutTimestamp(p); ok {
			p = rest
		}
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.buf = append(w.buf, p...)
			if len(w.buf) >= maxLogLine {
				w.deliver(w.buf, true)
				w.buf = w.buf[:0]
			}
			break
		}
		w.buf = append(w.buf, p[:i]...)
		w.deliver(w.buf, false)
		w.buf = w.buf[:0]
		p = p[i+1:]
	}
	return n, nil
}

// flush delivers a last line that had no newline.
func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.deliver(w.buf, false)
		w.buf = w.buf[:0]
	}
}

func (w *lineWriter) deliver(raw []byte, partial bool) {
	var t time.Time
	if w.cut {
		t = w.cutTime
	} else if ts, rest, ok := cutTimestamp(raw); ok {
		t, raw = ts, rest
	}
	w.cut, w.cutTime = partial, t
	w.emit(LogLine{Stream: w.stream, Text: string(bytes.TrimSuffix(raw, []byte("\r"))), Time: t})
}

// cutTimestamp splits "2024-05-01T10:00:00.123456789Z rest" into the time and rest.
func cutTimestamp(p []byte) (time.Time, []byte, bool) {
	i := bytes.IndexByte(p, ' ')
	if i < len("2006-01-02T15:04:05Z") || i > len(time.RFC3339Nano)+6 {
		return time.Time{}, p, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(p[:i]))
	if err != nil {
		return time.Time{}, p, false
	}
	return t, p[i+1:], true
}
