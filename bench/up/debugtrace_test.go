package main

import (
	"testing"
	"time"
)

// A reset of a running db as parity's --debug showed it (ids shortened,
// probe and inspect lines thinned): stop, the copy container, start, probes.
const resetDebug = `parity debug: +0.047s docker HEAD /_ping 200 1ms
parity debug: +0.094s docker GET /v1.41/volumes?filters=%7B%22label%22%3A%7B%22dev.parity.template%3Ddfec%22%3Atrue%7D%7D 200 887µs
parity | db: stopping
parity debug: +0.481s docker POST /v1.41/containers/db0/stop?t=30 204 387ms
parity debug: +0.559s docker POST /v1.41/containers/create 201 72ms {"Cmd":["set -e\nfind /to -mindepth 1 -maxdepth 1 -exec rm -rf {} +"],"Entrypoint":["/bin/sh","-c"]}
parity debug: +1.144s docker POST /v1.41/containers/cp1/start 204 584ms
parity debug: +1.146s docker POST /v1.41/containers/cp1/wait?condition=not-running 200 stream started after 2ms
parity debug: +1.554s docker POST /v1.41/containers/cp1/wait?condition=not-running stream ended after 409ms
parity debug: +1.560s docker GET /v1.41/containers/cp1/logs?stderr=1&stdout=1&tail=20&timestamps=1 200 4ms
parity debug: +1.585s docker DELETE /v1.41/containers/cp1?force=1&v=1 204 25ms
parity | db: starting
parity debug: +2.475s docker POST /v1.41/containers/db0/start 204 888ms
parity debug: +2.484s probe db (postgres) 127.0.0.1:44733: rekey postgres: log in to postgres as app: no answer yet: failed to connect in 2ms
parity debug: +2.964s probe db (postgres) 127.0.0.1:44733: rekey postgres: starting up: server error: FATAL: the database system is starting up in 3ms
parity debug: +3.154s probe db (postgres) 127.0.0.1:44733: ok in 87ms
parity | db: ready in 679ms
`

func TestReadDebugSplitsAResetIntoItsSteps(t *testing.T) {
	tr := readDebug([]byte(resetDebug), "db0", "parity-p-db", 3210*time.Millisecond)
	if !tr.complete {
		t.Fatalf("trace not complete: %+v", tr)
	}
	ms := time.Millisecond
	for _, c := range []struct {
		step      string
		got, want time.Duration
	}{
		{"before", tr.before, 94 * ms},
		{"stop", tr.stop, 387 * ms},
		{"copy", tr.copy, 1098 * ms},
		{"copy create", tr.copyCreate, 72 * ms},
		{"copy start", tr.copyStart, 584 * ms},
		{"copy cp", tr.copyRun, 410 * ms},
		{"copy rm", tr.copyRemove, 31 * ms},
		{"db create", tr.create, 0},
		{"db start", tr.start, 888 * ms},
		{"readiness", tr.ready, 679 * ms},
		{"other", tr.other(), 3210*ms - 94*ms - 387*ms - 1098*ms - 888*ms - 679*ms},
	} {
		if d := c.got - c.want; d < -ms/2 || d > ms/2 {
			t.Errorf("%s = %s, want %s", c.step, c.got, c.want)
		}
	}
}

// A template-hit up: cache's calls interleave with db's copy and start,
// db is created by name and never stopped.
const hitDebug = `parity debug: +0.455s docker POST /v1.41/networks/create 201 313ms {"Driver":"bridge"}
parity debug: +0.468s docker POST /v1.41/volumes/create 201 4ms {"Name":"parity-p-db-data"}
parity debug: +0.599s docker POST /v1.41/containers/create?name=parity-p-cache 201 124ms {"Cmd":["redis-server"]}
parity debug: +0.605s docker POST /v1.41/containers/create 201 127ms {"Entrypoint":["/bin/sh","-c"]}
parity debug: +1.587s docker POST /v1.41/containers/cp1/start 204 982ms
parity debug: +1.598s docker POST /v1.41/containers/cp1/wait?condition=not-running 200 stream started after 11ms
parity debug: +1.998s docker POST /v1.41/containers/cache0/start 204 1.398s
parity debug: +2.003s probe cache (redis) 127.0.0.1:32851: no answer yet: read: connection reset by peer in 3ms
parity debug: +2.246s docker POST /v1.41/containers/cp1/wait?condition=not-running stream ended after 659ms
parity debug: +2.300s docker DELETE /v1.41/containers/cp1?force=1&v=1 204 46ms
parity debug: +2.401s docker POST /v1.41/containers/create?name=parity-p-db 201 96ms {"Env":["POSTGRES_DB=app"]}
parity debug: +2.582s probe cache (redis) 127.0.0.1:32851: ok in 4ms
parity debug: +3.511s docker POST /v1.41/containers/db0/start 204 1.109s
parity debug: +3.518s probe db (postgres) 127.0.0.1:44733: rekey postgres: no answer yet in 1ms
parity debug: +4.545s probe db (postgres) 127.0.0.1:44733: ok in 125ms
`

func TestReadDebugFollowsDBThroughAnUpWithCacheInterleaved(t *testing.T) {
	tr := readDebug([]byte(hitDebug), "db0", "parity-p-db", 4665*time.Millisecond)
	if !tr.complete {
		t.Fatalf("trace not complete: %+v", tr)
	}
	ms := time.Millisecond
	for _, c := range []struct {
		step      string
		got, want time.Duration
	}{
		{"before", tr.before, 478 * ms},
		{"stop", tr.stop, 0},
		{"copy", tr.copy, 2300*ms - 478*ms},
		{"copy start", tr.copyStart, 982 * ms},
		{"copy cp", tr.copyRun, 659 * ms},
		{"db create", tr.create, 96 * ms},
		{"db start", tr.start, 1109 * ms},
		{"readiness", tr.ready, 1034 * ms},
	} {
		if d := c.got - c.want; d < -ms/2 || d > ms/2 {
			t.Errorf("%s = %s, want %s", c.step, c.got, c.want)
		}
	}
}

func TestReadDebugIsIncompleteWithoutACopy(t *testing.T) {
	noCopy := `parity debug: +0.481s docker POST /v1.41/containers/db0/stop?t=30 204 387ms
parity debug: +2.475s docker POST /v1.41/containers/db0/start 204 888ms
parity debug: +3.154s probe db (postgres) 127.0.0.1:44733: ok in 87ms
`
	if tr := readDebug([]byte(noCopy), "db0", "parity-p-db", 3*time.Second); tr.complete {
		t.Errorf("a run without a copy container reads as complete: %+v", tr)
	}
}

func TestReadyReasonsSaysWhichServiceCameFromATemplate(t *testing.T) {
	out := `{"time":"2026-11-30T01:50:27.203157199Z","type":"phase","source":"db","phase":"creating","reason":"copying template"}
{"time":"2026-11-30T01:50:29.312432725Z","type":"phase","source":"cache","phase":"ready","readyInSeconds":0.58}
{"time":"2026-11-30T01:50:31.275242496Z","type":"phase","source":"db","phase":"ready","reason":"from template","readyInSeconds":4.07}
{"project":"p","services":[]}
`
	got := readyReasons([]byte(out))
	if got["db"] != "from template" || got["cache"] != "" || len(got) != 2 {
		t.Errorf("readyReasons = %q, want db from template and cache with no reason", got)
	}
}
