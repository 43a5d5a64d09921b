package stacks

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

func TestKafkaConfigure(t *testing.T) {
	for _, tt := range []struct {
		image, prefix, clusterVar, logDirs string
	}{
		{"apache/kafka:3.8.0", "KAFKA_", "CLUSTER_ID", "/var/lib/kafka/data"},
		{"confluentinc/cp-kafka:7.7.0", "KAFKA_", "CLUSTER_ID", "/var/lib/kafka/data"},
		{"bitnami/kafka:3.8", "KAFKA_CFG_", "KAFKA_KRAFT_CLUSTER_ID", "/bitnami/kafka/data"},
	} {
		t.Run(tt.image, func(t *testing.T) {
			k := ForImage(tt.image)
			prod := map[string]string{
				tt.prefix + "ZOOKEEPER_CONNECT":                "zookeeper:2181",
				tt.prefix + "BROKER_ID":                        "2",
				tt.prefix + "ADVERTISED_LISTENERS":             "PLAINTEXT://kafka-2:9092",
				tt.prefix + "DEFAULT_REPLICATION_FACTOR":       "3",
				tt.prefix + "AUTO_CREATE_TOPICS_ENABLE":        "false",
				tt.prefix + "OFFSETS_TOPIC_REPLICATION_FACTOR": "3",
			}
			cfg := k.Configure(Service{Env: prod}, secret)
			p := tt.prefix
			for name, want := range map[string]string{
				p + "NODE_ID":                          "1",
				p + "PROCESS_ROLES":                    "broker,controller",
				p + "LISTENERS":                        "PLAINTEXT://:9092,CONTROLLER://:9093",
				p + "CONTROLLER_QUORUM_VOTERS":         "1@localhost:9093",
				p + "CONTROLLER_LISTENER_NAMES":        "CONTROLLER",
				p + "OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
				p + "DEFAULT_REPLICATION_FACTOR":       "1",
				p + "AUTO_CREATE_TOPICS_ENABLE":        "false", // production's own setting stays
				p + "LOG_DIRS":                         tt.logDirs,
				tt.clusterVar:                          kafkaClusterID(secret),
			} {
				if got := cfg.Env[name]; got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			for _, gone := range []string{p + "ZOOKEEPER_CONNECT", p + "BROKER_ID"} {
				if _, ok := cfg.Env[gone]; ok {
					t.Errorf("%s kept: a single KRaft node refuses it", gone)
				}
			}
			// The host port goes into the advertised listener.
			hp := k.(HostPortAware).ConfigureHost(cfg, Endpoint{Host: "127.0.0.1", Port: 39092})
			if got := hp.Env[p+"ADVERTISED_LISTENERS"]; got != "PLAINTEXT://127.0.0.1:39092" {
				t.Errorf("advertised listeners = %q", got)
			}
			if cfg.Env[p+"ADVERTISED_LISTENERS"] == hp.Env[p+"ADVERTISED_LISTENERS"] {
				t.Error("ConfigureHost changed the Config it was given")
			}
		})
	}
	id := kafkaClusterID(secret)
	if len(id) != 22 || id == kafkaClusterID("other") || strings.ContainsAny(id, "+/=") {
		t.Errorf("cluster id %q: want 22 base64url characters, one per secret", id)
	}
}

func TestKafkaURLAndVars(t *testing.T) {
	k := ForImage("apache/kafka:3.8.0")
	if got := k.URL(Endpoint{Host: "127.0.0.1", Port: 9093}); got != "127.0.0.1:9093" {
		t.Errorf("URL = %q", got)
	}
	if v := k.Vars(); len(v) != 2 || v[0] != "KAFKA_BROKERS" || v[1] != "KAFKA_BOOTSTRAP_SERVERS" {
		t.Errorf("Vars = %v", v)
	}
}

// kfake is an in-process Kafka cluster speaking the real protocol; it
// advertises the address it listens on, as parity's broker does.
func TestKafkaProbeAgainstKfake(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	host, portStr, err := net.SplitHostPort(c.ListenAddrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	k := ForImage("apache/kafka:3.8.0")
	if err := k.Probe(probeCtx(t, 5*time.Second), Endpoint{Host: host, Port: port}); err != nil {
		t.Fatalf("probe of a running broker: %v", err)
	}
}

// A broker advertising another address than the one the app reaches it
// at would look up and be unusable: the probe says so.
func TestKafkaProbeAdvertisedElsewhere(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, portStr, _ := net.SplitHostPort(c.ListenAddrs()[0])
	// Reach the broker through a relay on another port: it still
	// advertises its own.
	relay := serve(t, func(in net.Conn) {
		out, err := net.Dial("tcp", c.ListenAddrs()[0])
		if err != nil {
			return
		}
		defer out.Close()
		go func() { _, _ = copyConn(out, in) }()
		_, _ = copyConn(in, out)
	})
	err = ForImage("apache/kafka:3.8.0").Probe(probeCtx(t, 5*time.Second), Endpoint{Host: "127.0.0.1", Port: relay})
	if err == nil || !strings.Contains(err.Error(), "advertises 127.0.0.1:"+portStr) {
		t.Errorf("probe through a relay: %v, want an advertised-address error", err)
	}
}

func copyConn(dst, src net.Conn) (int64, error) {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		r, err := src.Read(buf)
		if r > 0 {
			w, werr := dst.Write(buf[:r])
			n += int64(w)
			if werr != nil {
				return n, werr
			}
		}
		if err != nil {
			return n, err
		}
	}
}

func TestKafkaProbeReasons(t *testing.T) {
	k := ForImage("apache/kafka:3.8.0")
	checkProbeReasons(t, k, Credentials{}, []probeCase{
		{"nothing listens", closedPort(t), 2 * time.Second, ErrRefused},
		{"proxy with nobody behind it", serve(t, hangUp), 2 * time.Second, ErrNoAnswer},
		{"accepts and says nothing", serve(t, hold), 300 * time.Millisecond, ErrTimeout},
	})
}
