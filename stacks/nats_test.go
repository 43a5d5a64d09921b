package stacks

import (
	"bufio"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNATSConfigure(t *testing.T) {
	tests := []struct {
		name  string
		cmd   []string
		want  []string
		creds Credentials
	}{
		{"no command: no auth", nil, nil, Credentials{}},
		{"JetStream only", []string{"-js"}, []string{"-js"}, Credentials{}},
		{
			"user and a password unset here",
			[]string{"-js", "--user", "app", "--pass", ""},
			[]string{"-js", "--user", "app", "--pass", secret},
			Credentials{User: "app", Password: secret},
		},
		{
			"single dashes and inline values",
			[]string{"nats-server", "-user=app", "-pass="},
			[]string{"nats-server", "-user=app", "-pass=" + secret},
			Credentials{User: "app", Password: secret},
		},
		{
			"a token",
			[]string{"--auth", "", "-m", "8222"},
			[]string{"--auth", secret, "-m", "8222"},
			Credentials{Password: secret},
		},
		{"user without a password", []string{"--user", "app"}, []string{"--user", "app"}, Credentials{}},
	}
	for _, tt := range tests {
		cfg := ForImage("nats:2.10").Configure(Service{Command: tt.cmd}, secret)
		if !reflect.DeepEqual(cfg.Command, tt.want) || cfg.Credentials != tt.creds {
			t.Errorf("%s: command %q creds %+v, want %q %+v", tt.name, cfg.Command, cfg.Credentials, tt.want, tt.creds)
		}
	}
}

func TestNATSURL(t *testing.T) {
	n := ForImage("nats:2")
	for creds, want := range map[Credentials]string{
		{}:                           "nats://127.0.0.1:4222",
		{User: "app", Password: "p"}: "nats://app:p@127.0.0.1:4222",
		{Password: "tok"}:            "nats://tok@127.0.0.1:4222",
	} {
		if got := n.URL(Endpoint{Host: "127.0.0.1", Port: 4222, Credentials: creds}); got != want {
			t.Errorf("URL(%+v) = %q, want %q", creds, got, want)
		}
	}
}

// natsServer plays a NATS server: INFO, then PONG to the client's PING,
// or an authorization error when the CONNECT does not carry user:pass.
func natsServer(user, pass string) func(net.Conn) {
	return func(c net.Conn) {
		info := `INFO {"server_id":"fake","version":"2.9.10","proto":1,"host":"0.0.0.0","port":4222,"max_payload":1048576`
		if user != "" {
			info += `,"auth_required":true`
		}
		_, _ = io.WriteString(c, info+"}\r\n")
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch {
			case strings.HasPrefix(line, "CONNECT "):
				if user != "" && (!strings.Contains(line, `"user":"`+user+`"`) || !strings.Contains(line, `"pass":"`+pass+`"`)) {
					_, _ = io.WriteString(c, "-ERR 'Authorization Violation'\r\n")
					return
				}
			case strings.HasPrefix(line, "PING"):
				_, _ = io.WriteString(c, "PONG\r\n")
			}
		}
	}
}

func TestNATSProbe(t *testing.T) {
	n := ForImage("nats:2")
	good := Credentials{User: "app", Password: "s3cret"}
	tests := []struct {
		name   string
		port   int
		creds  Credentials
		wait   time.Duration
		reason error
		ok     bool
	}{
		{"no auth", serve(t, natsServer("", "")), Credentials{}, 2 * time.Second, nil, true},
		{"user and password", serve(t, natsServer("app", "s3cret")), good, 2 * time.Second, nil, true},
		{"wrong password", serve(t, natsServer("app", "other")), good, 2 * time.Second, ErrAuth, false},
		{"nothing listens", closedPort(t), good, 2 * time.Second, ErrRefused, false},
		{"proxy with nobody behind it", serve(t, hangUp), good, 2 * time.Second, ErrNoAnswer, false},
		{"accepts and says nothing", serve(t, hold), good, 300 * time.Millisecond, ErrTimeout, false},
	}
	for _, tt := range tests {
		start := time.Now()
		err := n.Probe(probeCtx(t, tt.wait), Endpoint{Host: "127.0.0.1", Port: tt.port, Credentials: tt.creds})
		if tt.ok {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
		} else {
			wantReason(t, tt.name, err, tt.reason)
		}
		if took := time.Since(start); took > tt.wait+time.Second {
			t.Errorf("%s: probe took %s, past its deadline", tt.name, took)
		}
	}
}
