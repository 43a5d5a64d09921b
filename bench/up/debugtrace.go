package main

import (
	"bufio"
	"bytes"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dbTrace is where one run that copies db's data (a template-hit up, a
// reset, a restore) spent its time, read from parity's --debug lines: each
// Docker call's end (seconds since parity started) and its duration.
type dbTrace struct {
	wall time.Duration
	// before is from parity's start until db's first step (its stop, or
	// the copy when it is not running): process start, manifest, Docker
	// connection, state, and for up the network and volumes.
	before time.Duration
	stop   time.Duration // POST /containers/{db}/stop
	// The copy container: create, start, its script (empty, cp -a, du)
	// until Wait returns, then logs and remove; copy is all of it.
	copyCreate, copyStart, copyRun, copyRemove, copy time.Duration
	create                                           time.Duration // up: db's container create
	start                                            time.Duration // POST /containers/{db}/start
	ready                                            time.Duration // start returned -> db's probe answers ok
	complete                                         bool
}

// other is what the steps leave of the wall time: the gaps between the
// steps, writing state, and the process's exit.
func (t dbTrace) other() time.Duration {
	return t.wall - t.before - t.stop - t.copy - t.create - t.start - t.ready
}

var (
	debugLine = regexp.MustCompile(`^parity debug: \+([0-9]+\.[0-9]+)s (.*)$`)
	apiPath   = regexp.MustCompile(`^/v[0-9.]+(/.*)$`)
)

// debugCall is one Docker call as a --debug line shows it.
type debugCall struct {
	end    time.Duration // since parity started
	took   time.Duration
	method string
	path   string // without the API version
	query  url.Values
	ended  bool // a stream's end: took runs from the call's start
}

func (c debugCall) begin() time.Duration { return c.end - c.took }

// probeLine is one readiness probe attempt as a --debug line shows it.
type probeLine struct {
	at   time.Duration // its end, since parity started
	text string        // "probe db (postgres) 127.0.0.1:PORT: ok in 4ms"
}

// parseDebug reads --debug output into Docker calls and probe attempts.
func parseDebug(stderr []byte) (calls []debugCall, probes []probeLine) {
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := debugLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue // parity's plain progress lines
		}
		secs, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			continue
		}
		at := time.Duration(secs * float64(time.Second))
		msg := m[2]
		if strings.HasPrefix(msg, "probe ") {
			probes = append(probes, probeLine{at, msg})
			continue
		}
		// "docker METHOD URI STATUS TOOK [body]" or, for streams,
		// "docker METHOD URI STATUS stream started after TOOK" and
		// "docker METHOD URI stream ended after TOOK".
		f := strings.Fields(msg)
		if len(f) < 5 || f[0] != "docker" {
			continue
		}
		c := debugCall{end: at, method: f[1]}
		u, err := url.Parse(f[2])
		if err != nil {
			continue
		}
		c.path, c.query = u.Path, u.Query()
		if pm := apiPath.FindStringSubmatch(c.path); pm != nil {
			c.path = pm[1]
		}
		took := f[4]
		switch {
		case f[3] == "stream" && len(f) >= 7 && f[4] == "ended":
			c.ended, took = true, f[6]
		case len(f) >= 8 && f[4] == "stream":
			took = f[7]
		case f[3] == "failed":
			continue
		}
		if c.took, err = time.ParseDuration(took); err != nil {
			continue
		}
		calls = append(calls, c)
	}
	return calls, probes
}

// readDebug splits db's part of a run into its steps. dbID is db's
// container ID, dbName its container name (which up's create carries).
// The copy container is the one parity waits for.
func readDebug(stderr []byte, dbID, dbName string, wall time.Duration) dbTrace {
	calls, probes := parseDebug(stderr)
	tr := dbTrace{wall: wall}
	var copyID string
	for _, c := range calls {
		if c.method == "POST" && strings.HasSuffix(c.path, "/wait") {
			copyID = strings.TrimSuffix(strings.TrimPrefix(c.path, "/containers/"), "/wait")
			break
		}
	}
	var first, copyBegin, copyStarted, copyEnd, started time.Duration = -1, -1, -1, -1, -1
	mark := func(at time.Duration) {
		if first < 0 || at < first {
			first = at
		}
	}
	for _, c := range calls {
		switch {
		case c.method == "POST" && c.path == "/containers/"+dbID+"/stop":
			tr.stop = c.took
			mark(c.begin())
		case c.method == "POST" && c.path == "/containers/create" && c.query.Get("name") == "" && copyBegin < 0:
			// parity names every container but its copies.
			tr.copyCreate, copyBegin = c.took, c.begin()
			mark(copyBegin)
		case c.method == "POST" && c.path == "/containers/create" && c.query.Get("name") == dbName:
			tr.create = c.took
		case copyID != "" && c.method == "POST" && c.path == "/containers/"+copyID+"/start":
			tr.copyStart, copyStarted = c.took, c.end
		case copyID != "" && c.ended && c.path == "/containers/"+copyID+"/wait" && copyStarted >= 0:
			tr.copyRun = c.end - copyStarted
		case copyID != "" && c.method == "DELETE" && c.path == "/containers/"+copyID:
			tr.copyRemove, copyEnd = c.took, c.end
		case c.method == "POST" && c.path == "/containers/"+dbID+"/start":
			tr.start, started = c.took, c.end
		}
	}
	if copyBegin < 0 || copyEnd < 0 || started < 0 || first < 0 {
		return tr
	}
	// With Wait's return known, the last part is logs and remove.
	if tr.copyRun > 0 {
		tr.copyRemove = copyEnd - (copyStarted + tr.copyRun)
	}
	tr.copy = copyEnd - copyBegin
	tr.before = first
	for _, p := range probes {
		if p.at > started && strings.HasPrefix(p.text, "probe db (") && strings.Contains(p.text, ": ok in ") {
			tr.ready = p.at - started
			tr.complete = true
			break
		}
	}
	return tr
}
