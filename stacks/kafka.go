package stacks

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Kafka is an Apache Kafka broker run as a single KRaft node, as packaged by
// Apache (apache/kafka), Confluent (confluentinc/cp-kafka) or Bitnami. The
// zero value is apache/kafka.
//
// Not verified end-to-end here: Debian ships no Kafka. The container
// settings follow each image's documented variables; the probe is tested
// against kfake, an in-process Kafka that speaks the real protocol.
type Kafka struct {
	family kafkaFamily
}

type kafkaFamily int

const (
	kafkaApache    kafkaFamily = iota // KAFKA_<PROPERTY> variables
	kafkaConfluent                    // the same variables; CLUSTER_ID is required in KRaft mode
	kafkaBitnami                      // KAFKA_CFG_<PROPERTY>
)

var kafkaImages = slices.Concat(imageTable[kafkaFamily]{
	{"apache/kafka", kafkaApache},
	{"apache/kafka-native", kafkaApache},
	{"confluentinc/cp-kafka", kafkaConfluent},
	{"confluentinc/cp-server", kafkaConfluent},
}, bitnami("kafka", kafkaBitnami))

func kafkaFor(img Image) (Kafka, bool) {
	family, ok := kafkaImages.match(img)
	return Kafka{family: family}, ok
}

func (Kafka) Kind() string { return "kafka" }

// Port: the client listener.
func (Kafka) Port() int { return 9092 }

// kafkaControllerPort is the KRaft controller listener, inside the container only.
const kafkaControllerPort = 9093

func (k Kafka) DataDir() string {
	if k.family == kafkaBitnami {
		return "/bitnami/kafka"
	}
	return "/var/lib/kafka/data"
}

// prefix is how the image names a server property in its environment.
func (k Kafka) prefix() string {
	if k.family == kafkaBitnami {
		return "KAFKA_CFG_"
	}
	return "KAFKA_"
}

// Configure: Production runs several brokers, often with
// ZooKeeper or a separate controller quorum, and tells clients to find them
// under names of its network; none of that can work on a laptop. So parity
// runs one node that is both broker and controller (KRaft), with
// replication factors of 1, a cluster id derived from the secret (stable
// while the data volume lives), and a PLAINTEXT listener advertised at
// 127.0.0.1 and the host port (see ConfigureHost), where the app connects.
// Production's other settings (auto-create, retention...) are kept.
// There is no authentication.
func (k Kafka) Configure(svc Service, secret string) Config {
	env := cloneEnv(svc.Env)
	p := k.prefix()
	// Settings of a multi-node or ZooKeeper cluster that contradict a
	// single KRaft node.
	for _, v := range []string{
		"ZOOKEEPER_CONNECT", "BROKER_ID", "CONTROLLER_QUORUM_BOOTSTRAP_SERVERS",
		"INTER_BROKER_LISTENER_NAME", "SECURITY_INTER_BROKER_PROTOCOL",
	} {
		delete(env, p+v)
		delete(env, "KAFKA_"+v)
	}
	set := map[string]string{
		"NODE_ID":                                  "1",
		"PROCESS_ROLES":                            "broker,controller",
		"LISTENERS":                                fmt.Sprintf("PLAINTEXT://:%d,CONTROLLER://:%d", k.Port(), kafkaControllerPort),
		"ADVERTISED_LISTENERS":                     fmt.Sprintf("PLAINTEXT://127.0.0.1:%d", k.Port()),
		"LISTENER_SECURITY_PROTOCOL_MAP":           "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
		"CONTROLLER_LISTENER_NAMES":                "CONTROLLER",
		"CONTROLLER_QUORUM_VOTERS":                 fmt.Sprintf("1@localhost:%d", kafkaControllerPort),
		"OFFSETS_TOPIC_REPLICATION_FACTOR":         "1",
		"TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
		"TRANSACTION_STATE_LOG_MIN_ISR":            "1",
		"LOG_DIRS":                                 k.DataDir() + "/data",
	}
	if k.family != kafkaBitnami {
		set["LOG_DIRS"] = k.DataDir()
	}
	for name, value := range set {
		env[p+name] = value
	}
	// Replication settings above 1 cannot be met by one broker.
	for _, v := range []string{"DEFAULT_REPLICATION_FACTOR", "MIN_INSYNC_REPLICAS"} {
		if n, err := strconv.Atoi(strings.TrimSpace(env[p+v])); err == nil && n > 1 {
			env[p+v] = "1"
		}
	}
	id := kafkaClusterID(secret)
	if k.family == kafkaBitnami {
		env["KAFKA_KRAFT_CLUSTER_ID"] = id
	} else {
		env["CLUSTER_ID"] = id
	}
	return Config{Env: env, Command: cloneArgs(svc.Command)}
}

// ConfigureHost implements HostPortAware: the broker tells clients to
// connect to the address they reach it at, 127.0.0.1 and the host port.
func (k Kafka) ConfigureHost(cfg Config, ep Endpoint) Config {
	env := maps.Clone(cfg.Env)
	if env == nil {
		env = map[string]string{}
	}
	env[k.prefix()+"ADVERTISED_LISTENERS"] = fmt.Sprintf("PLAINTEXT://%s", net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)))
	cfg.Env = env
	return cfg
}

// kafkaClusterID is a Kafka UUID (16 bytes, base64url without padding)
// derived from the service's secret.
func kafkaClusterID(secret string) string {
	sum := sha256.Sum256([]byte("parity kafka cluster " + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// Probe: a Metadata request to the broker, which answers
// once it has registered with its controller. It also checks that the
// broker advertises the address the probe used: a client follows the
// advertised address, so a broker advertising another one would look ready
// and be unusable.
func (Kafka) Probe(ctx context.Context, ep Endpoint) error {
	timeout := probeTimeout(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	addr := net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
	dialer := &probeDialer{}
	defer dialer.closeAll()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.ClientID("parity-probe"),
		kgo.Dialer(dialer.DialContext),
		kgo.DialTimeout(timeout),
		kgo.RequestRetries(0),
		kgo.RetryTimeout(timeout),
	)
	if err != nil {
		return fmt.Errorf("configure kafka probe: %w", err)
	}
	defer cl.Close()
	seeds := cl.SeedBrokers()
	if len(seeds) == 0 {
		return errors.New("no seed broker")
	}
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{}
	resp, err := seeds[0].Request(ctx, req)
	if err != nil {
		return kafkaFailed(ctx, dialer, err)
	}
	md, ok := resp.(*kmsg.MetadataResponse)
	if !ok {
		return fmt.Errorf("metadata answered with %T", resp)
	}
	if len(md.Brokers) == 0 {
		return probeFailed(ErrStarting, errors.New("no broker registered yet"))
	}
	var advertised []string
	for _, b := range md.Brokers {
		a := net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		if a == addr || (b.Host == "localhost" && int(b.Port) == ep.Port) {
			return nil
		}
		advertised = append(advertised, a)
	}
	return fmt.Errorf("the broker advertises %s, not %s, so clients cannot reach it", strings.Join(advertised, ", "), addr)
}

func kafkaFailed(ctx context.Context, dialer *probeDialer, err error) error {
	if cause := dialer.transportCause(); cause != nil {
		return cause
	}
	if reason := transportReason(err); reason != nil {
		return probeFailed(reason, err)
	}
	if ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	return err
}

// URL: host:port, the bootstrap server list clients take.
func (Kafka) URL(ep Endpoint) string { return net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)) }

// Schemes: the kafka:// form some clients (Sarama-based
// tools, Benthos) accept.
func (Kafka) Schemes() []string { return []string{"kafka"} }

func (Kafka) Vars() []string { return []string{"KAFKA_BROKERS", "KAFKA_BOOTSTRAP_SERVERS"} }

// Shell: nil, Kafka has no interactive client.
func (Kafka) Shell(Credentials) ShellCommand { return ShellCommand{} }
