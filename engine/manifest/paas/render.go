package paas

import (
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// renderServiceTypes are the service types a Render blueprint knows.
var renderServiceTypes = map[string]bool{
	"web": true, "pserv": true, "worker": true, "cron": true, "redis": true, "keyvalue": true, "static": true,
}

// isRender: a blueprint's services carry a type (DigitalOcean's do not),
// its databases no engine, and it may have envVarGroups.
func isRender(root *node) bool {
	if root.get("apiVersion") != nil || root.get("kind") != nil {
		return false // a Kubernetes object
	}
	for _, s := range renderList(root, "services") {
		if renderServiceTypes[s.get("type").str()] {
			return true
		}
	}
	for _, d := range renderList(root, "databases") {
		if d.is(mapNode) && d.get("name") != nil && d.get("engine") == nil {
			return true
		}
	}
	return root.get("envVarGroups").is(listNode) || len(renderList(root, "envVarGroups")) > 0
}

// renderList is a blueprint's list field, at the top and in each of its
// projects' environments (a blueprint may group services that way).
func renderList(root *node, field string) []*node {
	items := root.get(field).list()
	for _, p := range root.get("projects").list() {
		for _, e := range p.get("environments").list() {
			items = append(items, e.get(field).list()...)
		}
	}
	return items
}

// renderDefaultPort is the port Render gives a web service that names
// none in PORT.
const renderDefaultPort = "10000"

// renderKeyValueNote is why a Key Value instance runs Valkey 8: Render's
// documentation says new instances run Valkey 8 and instances created
// before February 2025 Redis 6; a blueprint names no version.
const renderKeyValueNote = "Render Key Value runs Valkey 8 (instances created before February 2025 run Redis 6); the blueprint names no version"

// renderService is one entry of a blueprint's services.
type renderService struct {
	n       *node
	name    string
	typ     string
	kv      *backing // a Key Value (redis/keyvalue) instance
	image   *backing // a private service from a known image, as a backing service
	env     map[string]manifest.Value
	resolve int // 0 not yet, 1 resolving, 2 done: for fromService cycles
}

type renderReader struct {
	*reader
	dbs      map[string]*backing
	services map[string]*renderService
	order    []*renderService
	groups   map[string]*node
}

func (r *reader) render(root *node) error {
	rr := &renderReader{reader: r, dbs: map[string]*backing{}, services: map[string]*renderService{}, groups: map[string]*node{}}
	for _, field := range []string{"services", "databases", "envVarGroups"} {
		if err := r.kindOf(root.get(field), listNode, field); err != nil {
			return err
		}
	}
	for _, g := range renderList(root, "envVarGroups") {
		if name := g.get("name").str(); name != "" {
			rr.groups[name] = g
		}
	}
	for i, d := range renderList(root, "databases") {
		if err := rr.database(i, d); err != nil {
			return err
		}
	}
	for i, s := range renderList(root, "services") {
		if err := rr.service(i, s); err != nil {
			return err
		}
	}
	for _, s := range rr.order {
		rr.envOf(s)
		switch {
		case s.kv != nil:
		case s.image != nil:
			s.image.env = mergeEnv(s.image.env, s.env)
			r.addBacking(s.n, s.image)
		default:
			r.addApp(s.n, manifest.Service{Name: s.name, Environment: s.env, Origin: r.pos(s.n)}, s.typ)
		}
	}
	return nil
}

// mergeEnv adds extra's variables to env where env has none.
func mergeEnv(env, extra map[string]manifest.Value) map[string]manifest.Value {
	for k, v := range extra {
		if _, ok := env[k]; !ok {
			env[k] = v
		}
	}
	return env
}

// database is one of databases: a Render Postgres instance.
func (rr *renderReader) database(i int, d *node) error {
	if !d.is(mapNode) {
		return rr.errorf(d, "databases[%d] must be a mapping with a name", i)
	}
	name := d.get("name").str()
	if name == "" {
		return rr.errorf(d, "databases[%d] has no name", i)
	}
	version := d.get("postgresMajorVersion").str()
	b, err := newBacking(name, Render, "postgres", "postgres", version, rr.pos(d))
	if err != nil {
		rr.warn(d, "database %q is not run: %v", name, err)
		return nil
	}
	// Render derives the database and user from the name when the
	// blueprint sets neither; parity does the same without Render's
	// random suffix.
	dbName := d.get("databaseName").str()
	if dbName == "" {
		dbName = strings.ReplaceAll(name, "-", "_")
	}
	user := d.get("user").str()
	if user == "" {
		user = dbName + "_user"
	}
	b.setCredentials(user, dbName, varName("RENDER", name, "PASSWORD"))
	rr.dbs[name] = b
	rr.addBacking(d, b)
	return nil
}

// service is one of services: the app (web, worker, cron, a private
// service built from the repository), a Key Value instance, or a private
// service from an image parity knows.
func (rr *renderReader) service(i int, s *node) error {
	if !s.is(mapNode) {
		return rr.errorf(s, "services[%d] must be a mapping with a type and a name", i)
	}
	name, typ := s.get("name").str(), s.get("type").str()
	if name == "" {
		return rr.errorf(s, "services[%d] has no name", i)
	}
	if err := rr.kindOf(s.get("envVars"), listNode, "envVars of "+name); err != nil {
		return err
	}
	if rr.services[name] != nil {
		rr.warn(s, "a second service named %q is left out", name)
		return nil
	}
	rs := &renderService{n: s, name: name, typ: typ}
	switch typ {
	case "redis", "keyvalue":
		b, err := newBacking(name, Render, typ, "valkey", "8", rr.pos(s))
		if err != nil {
			return err
		}
		b.managed.Version, b.managed.Note = "", renderKeyValueNote
		// Internal connections to a Key Value instance take no password.
		rs.kv = b
		rr.addBacking(s, b)
	case "static":
		return nil // a static site runs nothing
	case "web", "worker", "cron", "pserv":
		// A service deployed from a prebuilt image: a private service
		// running a known image (Elasticsearch, MinIO) is a backing
		// service; any other is the team's own.
		if url := s.get("image").get("url").str(); url != "" && typ == "pserv" {
			if st := stacks.ForImage(url); st != nil {
				rs.image = &backing{name: name, image: url, kind: st.Kind(), origin: rr.pos(s), env: map[string]manifest.Value{}}
			}
		}
	default:
		if typ == "" {
			return rr.errorf(s, "service %q has no type (web, pserv, worker, cron, keyvalue, static)", name)
		}
		rr.warn(s, "service %q of type %q is not run", name, typ)
		return nil
	}
	rr.services[name] = rs
	rr.order = append(rr.order, rs)
	return nil
}

// envOf resolves a service's envVars: its groups first, then its own
// entries, which win.
func (rr *renderReader) envOf(s *renderService) map[string]manifest.Value {
	if s.resolve != 0 {
		if s.resolve == 1 {
			rr.warn(s.n, "envVarKey references of %q go round in a circle", s.name)
		}
		return s.env
	}
	s.resolve = 1
	s.env = map[string]manifest.Value{}
	own := map[string]manifest.Value{}
	for _, e := range s.n.get("envVars").list() {
		if g := e.get("fromGroup"); g != nil {
			group := rr.groups[g.str()]
			if group == nil {
				rr.warn(e, "no envVarGroup %q in the blueprint", g.str())
				continue
			}
			for _, ge := range group.get("envVars").list() {
				rr.envVar(ge, s.env)
			}
			continue
		}
		rr.envVar(e, own)
	}
	for k, v := range own {
		s.env[k] = v
	}
	s.resolve = 2
	return s.env
}

// envVar resolves one envVars entry into env.
func (rr *renderReader) envVar(e *node, env map[string]manifest.Value) {
	key := e.get("key").str()
	if key == "" {
		rr.warn(e, "an envVars entry without a key is left out")
		return
	}
	switch {
	case e.get("value") != nil:
		env[key] = manifest.Text(e.get("value").str())
	case e.get("generateValue").truthy(), e.get("sync") != nil && !e.get("sync").truthy():
		// Render generates it, or it is set in the dashboard: a secret
		// this machine does not have.
		env[key] = manifest.Unset(key)
	case e.get("fromDatabase") != nil:
		if v, ok := rr.fromDatabase(e.get("fromDatabase"), key); ok {
			env[key] = v
		}
	case e.get("fromService") != nil:
		if v, ok := rr.fromService(e.get("fromService"), key); ok {
			env[key] = v
		}
	default:
		rr.warn(e, "%s has no value, generateValue, fromDatabase or fromService: left out", key)
	}
}

// fromDatabase is a database's property, as Render hands it to the app.
func (rr *renderReader) fromDatabase(f *node, key string) (manifest.Value, bool) {
	name := f.get("name").str()
	db := rr.dbs[name]
	if db == nil {
		rr.warn(f, "%s: no database %q in the blueprint, left out", key, name)
		return nil, false
	}
	switch prop := f.get("property").str(); prop {
	case "connectionString":
		return db.url(), true
	case "host":
		return manifest.Text(db.name), true
	case "port":
		return manifest.Text(db.port()), true
	case "user":
		return manifest.Text(db.user), true
	case "password":
		return db.passwordValue(), true
	case "database":
		return manifest.Text(db.database), true
	default:
		rr.warn(f, "%s: database property %q is not one of connectionString, host, port, user, password, database: left out", key, prop)
		return nil, false
	}
}

// fromService is another service's address, or one of its variables.
func (rr *renderReader) fromService(f *node, key string) (manifest.Value, bool) {
	name := f.get("name").str()
	target := rr.services[name]
	if target == nil {
		if db := rr.dbs[name]; db != nil {
			return rr.fromDatabase(f, key)
		}
		rr.warn(f, "%s: no service %q in the blueprint, left out", key, name)
		return nil, false
	}
	if ek := f.get("envVarKey").str(); ek != "" {
		if v, ok := rr.envOf(target)[ek]; ok {
			return v, true
		}
		rr.warn(f, "%s: service %q sets no %s, left out", key, name, ek)
		return nil, false
	}
	host, port := target.name, renderDefaultPort
	switch {
	case target.kv != nil:
		port = target.kv.port()
	case target.image != nil:
		port = target.image.port()
	}
	if p := rr.literalPort(target); p != "" {
		port = p
	}
	switch prop := f.get("property").str(); prop {
	case "host":
		return manifest.Text(host), true
	case "port":
		return manifest.Text(port), true
	case "hostport":
		return manifest.Text(host + ":" + port), true
	case "connectionString":
		if target.kv != nil {
			return target.kv.url(), true
		}
		rr.warn(f, "%s: service %q (%s) has no connectionString, left out", key, name, target.typ)
		return nil, false
	default:
		rr.warn(f, "%s: service property %q is not one of host, port, hostport, connectionString: left out", key, prop)
		return nil, false
	}
}

// literalPort is the PORT a service's envVars set as a value, "" when none.
func (rr *renderReader) literalPort(s *renderService) string {
	for _, e := range s.n.get("envVars").list() {
		if e.get("key").str() == "PORT" {
			return e.get("value").str()
		}
	}
	return ""
}
