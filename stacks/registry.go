package stacks

// All returns one stack of each kind parity knows, each set for its
// official image. Use ForImage for the stack of a given image.
func All() []Stack {
	return []Stack{
		Postgres{}, Redis{}, MySQL{}, Mongo{}, RabbitMQ{}, Memcached{}, NATS{},
		Kafka{}, Elasticsearch{}, Elasticsearch{family: esOpenSearch}, MinIO{},
	}
}

// ForImage returns the stack for image (a reference as written in the
// manifest), set for that image's family: data directory, variables and
// client differ between, say, postgres and bitnami/postgresql. It returns
// nil when no kind matches; the engine then runs the service as Generic.
func ForImage(image string) Stack {
	img := ParseImage(image)
	if p, ok := postgresFor(img); ok {
		return p
	}
	if r, ok := redisFor(img); ok {
		return r
	}
	if m, ok := mysqlFor(img); ok {
		return m
	}
	if m, ok := mongoFor(img); ok {
		return m
	}
	if r, ok := rabbitmqFor(img); ok {
		return r
	}
	if m, ok := memcachedFor(img); ok {
		return m
	}
	if n, ok := natsFor(img); ok {
		return n
	}
	if k, ok := kafkaFor(img); ok {
		return k
	}
	if e, ok := elasticsearchFor(img); ok {
		return e
	}
	if m, ok := minioFor(img); ok {
		return m
	}
	return nil
}
