package stacks

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"
)

// memcachedText answers the text protocol's version command.
func memcachedText(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if line == "version\r\n" {
			_, _ = io.WriteString(c, "VERSION 1.6.18\r\n")
		} else {
			_, _ = io.WriteString(c, "ERROR\r\n")
		}
	}
}

// memcachedBinary answers a binary VERSION request with status.
func memcachedBinary(status byte) func(net.Conn) {
	return func(c net.Conn) {
		var req [24]byte
		if _, err := io.ReadFull(c, req[:]); err != nil || req[0] != 0x80 || req[1] != 0x0b {
			return
		}
		resp := make([]byte, 24)
		resp[0], resp[1], resp[7] = 0x81, 0x0b, status
		_, _ = c.Write(resp)
		hold(c)
	}
}

func TestMemcachedProbe(t *testing.T) {
	m := ForImage("memcached:1.6")
	sasl := Credentials{User: "root", Password: "x"}
	tests := []struct {
		name   string
		port   int
		creds  Credentials
		wait   time.Duration
		reason error
		ok     bool
	}{
		{"answers version", serve(t, memcachedText), Credentials{}, 2 * time.Second, nil, true},
		{"SASL server answers binary version", serve(t, memcachedBinary(0)), sasl, 2 * time.Second, nil, true},
		{"binary version refused", serve(t, memcachedBinary(0x20)), sasl, 2 * time.Second, ErrAuth, false},
		{"nothing listens", closedPort(t), Credentials{}, 2 * time.Second, ErrRefused, false},
		{"proxy with nobody behind it", serve(t, hangUp), Credentials{}, 2 * time.Second, ErrNoAnswer, false},
		{"accepts and says nothing", serve(t, hold), Credentials{}, 300 * time.Millisecond, ErrTimeout, false},
	}
	for _, tt := range tests {
		err := m.Probe(probeCtx(t, tt.wait), Endpoint{Host: "127.0.0.1", Port: tt.port, Credentials: tt.creds})
		if tt.ok {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		wantReason(t, tt.name, err, tt.reason)
	}
}

func TestMemcachedConfigureAndVars(t *testing.T) {
	if cfg := ForImage("memcached:1.6").Configure(Service{Command: []string{"memcached", "-m", "64"}}, secret); cfg.Credentials != (Credentials{}) || len(cfg.Command) != 3 {
		t.Errorf("official: %+v, want no auth and the command kept", cfg)
	}
	cfg := ForImage("bitnami/memcached:1.6").Configure(Service{Env: map[string]string{"MEMCACHED_PASSWORD": ""}}, secret)
	if cfg.Credentials != (Credentials{User: "root", Password: secret}) || cfg.Env["MEMCACHED_PASSWORD"] != secret {
		t.Errorf("bitnami with a password: %+v", cfg)
	}
	if cfg := ForImage("bitnami/memcached:1.6").Configure(Service{}, secret); cfg.Credentials != (Credentials{}) {
		t.Errorf("bitnami without a password: %+v", cfg.Credentials)
	}
	m := ForImage("memcached:1.6")
	if got := m.URL(Endpoint{Host: "127.0.0.1", Port: 11212}); got != "127.0.0.1:11212" {
		t.Errorf("URL = %q, want host:port", got)
	}
	if v := m.Vars(); len(v) != 2 || v[0] != "MEMCACHED_SERVERS" || v[1] != "MEMCACHE_SERVERS" {
		t.Errorf("Vars = %v", v)
	}
}
