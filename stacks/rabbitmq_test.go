package stacks

import (
	"net"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func TestRabbitMQConfigure(t *testing.T) {
	checkConfigure(t, []configureCase{
		{
			"official, production's user and vhost",
			"rabbitmq:3-management",
			map[string]string{"RABBITMQ_DEFAULT_USER": "shop", "RABBITMQ_DEFAULT_PASS": "", "RABBITMQ_DEFAULT_VHOST": "shop"},
			Credentials{User: "shop", Password: secret, Database: "shop"},
			map[string]string{"RABBITMQ_DEFAULT_PASS": secret, "RABBITMQ_NODENAME": "rabbit@localhost"},
		},
		{
			"official, nothing set: guest on the default vhost",
			"rabbitmq:3",
			nil,
			Credentials{User: "guest", Password: secret},
			map[string]string{"RABBITMQ_DEFAULT_USER": "guest", "RABBITMQ_DEFAULT_PASS": secret},
		},
		{
			"official, a node name of production's own is kept",
			"rabbitmq:3",
			map[string]string{"RABBITMQ_NODENAME": "rabbit@mq1", "RABBITMQ_DEFAULT_PASS_FILE": "/run/secrets/mq"},
			Credentials{User: "guest", Password: secret},
			map[string]string{"RABBITMQ_NODENAME": "rabbit@mq1", "RABBITMQ_DEFAULT_PASS_FILE": ""},
		},
		{
			"bitnami",
			"bitnami/rabbitmq:3.13",
			map[string]string{"RABBITMQ_USERNAME": "app", "RABBITMQ_PASSWORD": ""},
			Credentials{User: "app", Password: secret},
			map[string]string{"RABBITMQ_PASSWORD": secret},
		},
	})
}

func TestRabbitMQURL(t *testing.T) {
	r := ForImage("rabbitmq:3")
	for _, tt := range []struct {
		vhost, want string
	}{
		{"", "amqp://app:pw@127.0.0.1:5672/"},
		{"shop", "amqp://app:pw@127.0.0.1:5672/shop"},
		{"a/b", "amqp://app:pw@127.0.0.1:5672/a%2Fb"},
	} {
		ep := Endpoint{Host: "127.0.0.1", Port: 5672, Credentials: Credentials{User: "app", Password: "pw", Database: tt.vhost}}
		got := r.URL(ep)
		if got != tt.want {
			t.Errorf("URL(vhost %q) = %q, want %q", tt.vhost, got, tt.want)
		}
		// The client reads back the vhost the URL meant ("/" for none).
		uri, err := amqp.ParseURI(got)
		if want := map[bool]string{true: "/", false: tt.vhost}[tt.vhost == ""]; err != nil || uri.Vhost != want {
			t.Errorf("ParseURI(%q) vhost = %q (%v), want %q", got, uri.Vhost, err, want)
		}
	}
}

// amqpRefuse answers the protocol header with connection.start and then
// closes the connection, as RabbitMQ does after a login it refuses.
func amqpRefuseLogin(c net.Conn) {
	var hdr [8]byte
	if _, err := c.Read(hdr[:]); err != nil {
		return
	}
	// connection.start: class 10, method 10, version 0-9, no properties,
	// mechanisms "PLAIN", locales "en_US".
	payload := []byte{0, 10, 0, 10, 0, 9, 0, 0, 0, 0}
	payload = append(payload, 0, 0, 0, 5)
	payload = append(payload, "PLAIN"...)
	payload = append(payload, 0, 0, 0, 5)
	payload = append(payload, "en_US"...)
	frame := []byte{1, 0, 0, byte(len(payload) >> 24), byte(len(payload) >> 16), byte(len(payload) >> 8), byte(len(payload))}
	frame = append(frame, payload...)
	frame = append(frame, 0xce)
	_, _ = c.Write(frame)
	var buf [512]byte
	_, _ = c.Read(buf[:]) // start-ok with the credentials
}

func TestRabbitMQProbeReasons(t *testing.T) {
	r := ForImage("rabbitmq:3")
	creds := Credentials{User: "app", Password: "x"}
	checkProbeReasons(t, r, creds, []probeCase{
		{"nothing listens", closedPort(t), 2 * time.Second, ErrRefused},
		{"proxy with nobody behind it", serve(t, hangUp), 2 * time.Second, ErrNoAnswer},
		{"accepts and says nothing", serve(t, hold), 300 * time.Millisecond, ErrTimeout},
		{"login refused", serve(t, amqpRefuseLogin), 2 * time.Second, ErrAuth},
	})
}
