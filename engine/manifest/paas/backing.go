package paas

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// backing is a managed service a spec declares (a Render database, a
// DigitalOcean database component, a Heroku add-on), as parity runs it:
// the upstream image of its engine and version, with credentials the
// container and the app's variables share.
type backing struct {
	name    string
	image   string
	kind    string // stacks' kind of image
	managed *manifest.Managed
	origin  string
	// user and database are what the provider names (or creates by
	// default); database is the vhost for RabbitMQ.
	user, database string
	// password is the unset variable standing for the password production
	// generates; "" when the local service runs without one.
	password string
	env      map[string]manifest.Value
	command  []manifest.Value
}

// newBacking maps engine and version to the upstream image; provider and
// writtenEngine are what Managed reports.
func newBacking(name, provider, writtenEngine, engine, version, origin string) (*backing, error) {
	img, err := stacks.MapManaged(engine, version)
	if err != nil {
		return nil, err
	}
	return &backing{
		name:    name,
		image:   img.Image,
		kind:    img.Kind,
		managed: &manifest.Managed{Provider: provider, Engine: writtenEngine, Version: version, Note: img.Note},
		origin:  origin,
		env:     map[string]manifest.Value{},
	}, nil
}

// authenticates reports whether the local container of this kind takes a
// password parity can share with the app. Memcached has no passwords;
// parity runs Kafka and OpenSearch without authentication.
func (b *backing) authenticates() bool {
	switch b.kind {
	case "postgres", "mysql", "redis", "mongo", "rabbitmq":
		return true
	}
	return false
}

// setCredentials gives the container the user, database and password the
// provider's service has, through the variables its image reads. The
// password is passwordVar, an unset variable: the engine generates one
// secret for it and hands the same to the app's URLs.
func (b *backing) setCredentials(user, database, passwordVar string) {
	if !b.authenticates() {
		if b.kind == "opensearch" {
			// The managed service authenticates; locally the security
			// plugin's generated admin password would not reach the app.
			b.env["DISABLE_SECURITY_PLUGIN"] = manifest.Text("true")
		}
		return
	}
	b.user, b.database, b.password = user, database, passwordVar
	pw := manifest.Unset(passwordVar)
	switch b.kind {
	case "postgres":
		b.env["POSTGRES_USER"] = manifest.Text(user)
		b.env["POSTGRES_PASSWORD"] = pw
		b.env["POSTGRES_DB"] = manifest.Text(database)
	case "mysql":
		if user == "root" {
			b.env["MYSQL_ROOT_PASSWORD"] = pw
		} else {
			b.env["MYSQL_USER"] = manifest.Text(user)
			b.env["MYSQL_PASSWORD"] = pw
		}
		b.env["MYSQL_DATABASE"] = manifest.Text(database)
	case "mongo":
		b.env["MONGO_INITDB_ROOT_USERNAME"] = manifest.Text(user)
		b.env["MONGO_INITDB_ROOT_PASSWORD"] = pw
		if database != "" {
			b.env["MONGO_INITDB_DATABASE"] = manifest.Text(database)
		}
	case "rabbitmq":
		b.env["RABBITMQ_DEFAULT_USER"] = manifest.Text(user)
		b.env["RABBITMQ_DEFAULT_PASS"] = pw
		if database != "" {
			b.env["RABBITMQ_DEFAULT_VHOST"] = manifest.Text(database)
		}
	case "redis":
		// --requirepass is the default user's password: a URL naming
		// another user would fail to log in.
		if user != "default" {
			b.user = ""
		}
		// The redis and valkey images honour no password variable: the
		// password is the server's --requirepass argument.
		server := "redis-server"
		if strings.HasPrefix(b.image, "valkey/") {
			server = "valkey-server"
		}
		b.command = []manifest.Value{manifest.Text(server), manifest.Text("--requirepass"), pw}
	}
}

// port is the container port the service listens on.
func (b *backing) port() string {
	if st := stacks.ForImage(b.image); st != nil {
		return strconv.Itoa(st.Port())
	}
	return ""
}

func (b *backing) hostport() string { return b.name + ":" + b.port() }

// passwordValue is the password as the app's variables hold it.
func (b *backing) passwordValue() manifest.Value {
	if b.password == "" {
		return nil
	}
	return manifest.Unset(b.password)
}

// url is the connection string the provider hands the app, pointing at
// this service by name (the engine points it at the local container).
func (b *backing) url() manifest.Value {
	pw := b.passwordValue()
	creds := func() []any {
		if b.password == "" {
			return nil
		}
		return []any{b.user, ":", pw, "@"}
	}
	switch b.kind {
	case "postgres":
		return join("postgresql://", creds(), b.hostport(), "/", b.database)
	case "mysql":
		return join("mysql://", creds(), b.hostport(), "/", b.database)
	case "mongo":
		return join("mongodb://", creds(), b.hostport(), "/", b.database, "?authSource=admin")
	case "rabbitmq":
		vhost := b.database
		if vhost == "/" {
			vhost = ""
		}
		return join("amqp://", creds(), b.hostport(), "/", vhost)
	case "redis":
		return join("redis://", creds(), b.hostport())
	case "kafka":
		return join("kafka://", b.hostport())
	case "opensearch", "elasticsearch":
		return join("http://", b.hostport())
	}
	return join(b.hostport())
}

// service is the manifest service parity runs.
func (b *backing) service() manifest.Service {
	return manifest.Service{
		Name:        b.name,
		Image:       b.image,
		Environment: b.env,
		Command:     b.command,
		Origin:      b.origin,
		Managed:     b.managed,
	}
}

// join makes a Value of strings, Values and lists of them, in order.
func join(parts ...any) manifest.Value {
	var v manifest.Value
	add := func(p manifest.Part) {
		if p.Unset == "" && p.Text == "" {
			return
		}
		if n := len(v); n > 0 && p.Unset == "" && v[n-1].Unset == "" {
			v[n-1].Text += p.Text
			return
		}
		v = append(v, p)
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case string:
			add(manifest.Part{Text: x})
		case manifest.Value:
			for _, p := range x {
				add(p)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		default:
			panic(fmt.Sprintf("join: %T", x))
		}
	}
	for _, p := range parts {
		walk(p)
	}
	return v
}

// varName makes an environment variable name of its words:
// ("RENDER", "shop-db", "PASSWORD") gives RENDER_SHOP_DB_PASSWORD.
func varName(words ...string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte('_')
		}
		for _, r := range strings.ToUpper(w) {
			if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
				b.WriteRune(r)
			} else {
				b.WriteByte('_')
			}
		}
	}
	return b.String()
}
