package stacks

// All returns one stack of each kind parity knows, each set for its
// official image. Use ForImage for the stack of a given image.
func All() []Stack {
	return []Stack{Postgres{}, Redis{}}
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
	return nil
}
