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
	for _, kindFor := range kindsFor {
		if st, ok := kindFor(img); ok {
			return st
		}
	}
	return nil
}

// ForProjectImage returns the stack for an image the project builds of a
// backing service for itself, recognised by its name alone (acme/postgres:16
// as a Postgres built FROM the official image), nil when the name is no
// kind's. Names say nothing about images of other people's namespaces:
// call it only for an image of the project's own namespace (the one its
// app images come from). ForImage already matches such names on registries
// other than Docker Hub.
func ForProjectImage(image string) Stack {
	if st := ForImage(image); st != nil {
		return st
	}
	img := ParseImage(image)
	if img.Repo != "" && ownPostgres(img) {
		return Postgres{family: pgOfficial, major: postgresMajor(img)}
	}
	return nil
}

// kindsFor are each kind's match of an image, in the order ForImage asks
// them; the first kind that matches is the image's.
var kindsFor = []func(Image) (Stack, bool){
	asStack(postgresFor), asStack(redisFor), asStack(mysqlFor), asStack(mongoFor),
	asStack(rabbitmqFor), asStack(memcachedFor), asStack(natsFor), asStack(kafkaFor),
	asStack(elasticsearchFor), asStack(minioFor),
}

func asStack[S Stack](kindFor func(Image) (S, bool)) func(Image) (Stack, bool) {
	return func(img Image) (Stack, bool) { return kindFor(img) }
}
