package docker

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// redisPull is a pull stream as the engine sends it: one layer already
// present, two downloaded, with extraction progress that must not count as
// downloaded bytes.
const redisPull = `{"status":"Pulling from library/redis","id":"7"}
{"status":"Already exists","progressDetail":{},"id":"a0"}
{"status":"Pulling fs layer","progressDetail":{},"id":"a1"}
{"status":"Pulling fs layer","progressDetail":{},"id":"b2"}
{"status":"Waiting","progressDetail":{},"id":"b2"}
{"status":"Downloading","progressDetail":{"current":100,"total":1000},"progress":"[=>   ]","id":"a1"}
{"status":"Downloading","progressDetail":{"current":500,"total":2000},"id":"b2"}
{"status":"Verifying Checksum","progressDetail":{},"id":"a1"}
{"status":"Download complete","progressDetail":{},"id":"a1"}
{"status":"Extracting","progressDetail":{"current":32768,"total":1000},"id":"a1"}
{"status":"Pull complete","progressDetail":{},"id":"a1"}
{"status":"Downloading","progressDetail":{"current":2000,"total":2000},"id":"b2"}
{"status":"Download complete","progressDetail":{},"id":"b2"}
{"status":"Extracting","progressDetail":{"current":10,"total":2000},"id":"b2"}
{"status":"Pull complete","progressDetail":{},"id":"b2"}
{"status":"Digest: sha256:0123"}
{"status":"Status: Downloaded newer image for redis:7"}
`

func TestReadPullStreamAggregatesLayers(t *testing.T) {
	var got []PullProgress
	final, err := readPullStream(strings.NewReader(redisPull), "redis:7", 0, func(p PullProgress) { got = append(got, p) })
	if err != nil {
		t.Fatal(err)
	}
	want := PullProgress{Ref: "redis:7", Layers: 3, LayersDone: 3, BytesDone: 3000, BytesTotal: 3000, Status: "Status: Downloaded newer image for redis:7"}
	if final != want {
		t.Errorf("final = %+v, want %+v", final, want)
	}
	if got[len(got)-1] != want {
		t.Errorf("last report = %+v, want %+v", got[len(got)-1], want)
	}
	// 17 messages, each reported (every=0).
	if len(got) != 17 {
		t.Fatalf("got %d reports, want 17", len(got))
	}
	// After "Downloading b2 500/2000": a0 done (0 bytes known), a1 100/1000, b2 500/2000.
	mid := got[6]
	if mid.Layers != 3 || mid.LayersDone != 1 || mid.BytesDone != 600 || mid.BytesTotal != 3000 || mid.Status != "Downloading" {
		t.Errorf("mid-pull report = %+v", mid)
	}
	// Extraction progress must not move the byte count backwards.
	for i := 1; i < len(got); i++ {
		if got[i].BytesDone < got[i-1].BytesDone {
			t.Errorf("bytes went backwards at report %d: %d -> %d", i, got[i-1].BytesDone, got[i].BytesDone)
		}
	}
	// The "Pulling from" message names the tag, not a layer.
	if got[0].Layers != 0 {
		t.Errorf("first report counts %d layers, want 0", got[0].Layers)
	}
}

func TestReadPullStreamThrottles(t *testing.T) {
	n := 0
	_, err := readPullStream(strings.NewReader(redisPull), "redis:7", time.Hour, func(PullProgress) { n++ })
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 { // the first message only; Pull reports the final totals
		t.Errorf("got %d reports, want 1", n)
	}
}

func TestReadPullStreamMissingTag(t *testing.T) {
	stream := `{"status":"Pulling from library/redis","id":"0.0.0-missing"}
{"errorDetail":{"message":"manifest for 127.0.0.1:5959/library/redis:0.0.0-missing not found: manifest unknown: manifest unknown"},"error":"manifest for 127.0.0.1:5959/library/redis:0.0.0-missing not found: manifest unknown: manifest unknown"}
`
	ref := "127.0.0.1:5959/library/redis:0.0.0-missing"
	_, err := readPullStream(strings.NewReader(stream), ref, 0, func(PullProgress) {})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	want := "image 127.0.0.1:5959/library/redis:0.0.0-missing not found in registry 127.0.0.1:5959: manifest unknown"
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
}

func TestReadPullStreamOtherErrors(t *testing.T) {
	for name, stream := range map[string]string{
		"registry error": `{"errorDetail":{"message":"toomanyrequests: You have reached your pull rate limit."},"error":"toomanyrequests: You have reached your pull rate limit."}`,
		"legacy error":   `{"error":"unauthorized: authentication required"}`,
		"garbage":        `{"status":"Downloading",`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readPullStream(strings.NewReader(stream), "redis:7", 0, func(PullProgress) {})
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v, must not be ErrNotFound", err)
			}
			if !strings.Contains(err.Error(), "redis:7") {
				t.Errorf("err = %q does not name the image", err)
			}
		})
	}
}

func TestMissingImageNamesDockerHub(t *testing.T) {
	err := missingImage("postgres:15.99", "Error response from daemon: manifest for postgres:15.99 not found: manifest unknown: manifest unknown")
	want := "image postgres:15.99 not found in registry docker.io: manifest unknown"
	if err.Error() != want || !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %q, want %q wrapping ErrNotFound", err, want)
	}
}

func TestPickDigest(t *testing.T) {
	digests := []string{
		"redis@sha256:1111111111111111111111111111111111111111111111111111111111111111",
		"127.0.0.1:5000/library/redis@sha256:2222222222222222222222222222222222222222222222222222222222222222",
	}
	for ref, want := range map[string]string{
		"127.0.0.1:5000/library/redis:7": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
		"redis:7":                        "sha256:1111111111111111111111111111111111111111111111111111111111111111",
		"docker.io/library/redis:7":      "sha256:1111111111111111111111111111111111111111111111111111111111111111",
		"other/image:1":                  "sha256:1111111111111111111111111111111111111111111111111111111111111111",
	} {
		if got := pickDigest(ref, digests); got != want {
			t.Errorf("pickDigest(%s) = %s, want %s", ref, got, want)
		}
	}
	if got := pickDigest("built:local", nil); got != "" {
		t.Errorf("pickDigest of a local build = %q, want empty", got)
	}
}
