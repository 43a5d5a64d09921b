package paas

import (
	"regexp"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
)

// doComponents are the app spec's lists of components that run the team's
// code, and what parity calls each kind when a name clashes.
var doComponents = []struct{ field, suffix string }{
	{"services", "service"}, {"workers", "worker"}, {"jobs", "job"},
}

// isDigitalOcean: an app spec has a name and components or databases
// without Render's service types, and is no Kubernetes object.
func isDigitalOcean(root *node) bool {
	if !root.is(mapNode) || root.get("apiVersion") != nil || root.get("kind") != nil || root.get("name").str() == "" {
		return false
	}
	for _, d := range root.get("databases").list() {
		if d.get("engine") != nil {
			return true
		}
	}
	for _, field := range []string{"services", "workers", "jobs", "static_sites", "functions"} {
		for _, c := range root.get(field).list() {
			if c.is(mapNode) && c.get("name") != nil && c.get("type") == nil {
				return true
			}
		}
	}
	return false
}

// doDatabase is a database component with the defaults App Platform
// gives it.
type doDatabase struct {
	*backing
	engine string // as written, upper case: PG, MYSQL, REDIS...
}

type doReader struct {
	*reader
	dbs        map[string]*doDatabase
	components map[string]*node
	appEnvs    map[string]*node // the app-level envs entries, by key
}

func (r *reader) digitalOcean(root *node) error {
	dr := &doReader{reader: r, dbs: map[string]*doDatabase{}, components: map[string]*node{}, appEnvs: map[string]*node{}}
	for _, field := range []string{"databases", "envs", "services", "workers", "jobs"} {
		if err := r.kindOf(root.get(field), listNode, field); err != nil {
			return err
		}
	}
	for i, d := range root.get("databases").list() {
		if err := dr.database(i, d); err != nil {
			return err
		}
	}
	for _, e := range root.get("envs").list() {
		if k := e.get("key").str(); k != "" {
			dr.appEnvs[k] = e
		}
	}
	for _, kind := range doComponents {
		for _, c := range root.get(kind.field).list() {
			if name := c.get("name").str(); name != "" {
				dr.components[name] = c
			}
		}
	}
	for _, kind := range doComponents {
		for i, c := range root.get(kind.field).list() {
			name := c.get("name").str()
			if !c.is(mapNode) || name == "" {
				return r.errorf(c, "%s[%d] has no name", kind.field, i)
			}
			if err := r.kindOf(c.get("envs"), listNode, "envs of "+name); err != nil {
				return err
			}
			// App-level variables reach every component; the component's
			// own win.
			env := map[string]manifest.Value{}
			for _, e := range root.get("envs").list() {
				dr.envVar(e, name, env)
			}
			for _, e := range c.get("envs").list() {
				dr.envVar(e, name, env)
			}
			r.addApp(c, manifest.Service{Name: name, Environment: env, Origin: r.pos(c)}, kind.suffix)
		}
	}
	return nil
}

// doEngines maps App Platform's engine names to MapManaged's.
var doEngines = map[string]string{
	"PG": "postgres", "MYSQL": "mysql", "REDIS": "redis", "VALKEY": "valkey",
	"MONGODB": "mongodb", "KAFKA": "kafka", "OPENSEARCH": "opensearch",
}

// database is one of databases. A dev database (not production, no
// cluster_name) is created with a database and a user named after the
// component; a managed cluster has defaultdb and doadmin unless db_name
// and db_user say otherwise. MongoDB authenticates against admin.
func (dr *doReader) database(i int, d *node) error {
	if !d.is(mapNode) {
		return dr.errorf(d, "databases[%d] must be a mapping with a name and an engine", i)
	}
	name := d.get("name").str()
	if name == "" {
		return dr.errorf(d, "databases[%d] has no name", i)
	}
	written := d.get("engine").str()
	engine, ok := doEngines[strings.ToUpper(written)]
	if !ok {
		if written == "" {
			dr.warn(d, "database %q names no engine (PG, MYSQL, REDIS, VALKEY, MONGODB, KAFKA, OPENSEARCH): not run", name)
		} else {
			dr.warn(d, "database %q: engine %q is not one parity runs (PG, MYSQL, REDIS, VALKEY, MONGODB, KAFKA, OPENSEARCH)", name, written)
		}
		return nil
	}
	b, err := newBacking(name, DigitalOcean, written, engine, d.get("version").str(), dr.pos(d))
	if err != nil {
		dr.warn(d, "database %q is not run: %v", name, err)
		return nil
	}
	dbName, user := name, name
	if d.get("production").truthy() || d.get("cluster_name").str() != "" {
		dbName, user = "defaultdb", "doadmin"
	}
	switch b.kind {
	case "redis":
		dbName, user = "", "default"
	case "mongo":
		dbName = "admin"
	}
	if v := d.get("db_name").str(); v != "" {
		dbName = v
	}
	if v := d.get("db_user").str(); v != "" {
		user = v
	}
	b.setCredentials(user, dbName, varName("DO", name, "PASSWORD"))
	if !b.authenticates() {
		dr.warn(d, "database %q (%s) runs locally without authentication: its USERNAME and PASSWORD are empty", name, written)
	}
	dr.dbs[name] = &doDatabase{backing: b, engine: strings.ToUpper(written)}
	dr.addBacking(d, b)
	return nil
}

// envVar resolves one envs entry of component comp into env.
func (dr *doReader) envVar(e *node, comp string, env map[string]manifest.Value) {
	key := e.get("key").str()
	if key == "" {
		dr.warn(e, "an envs entry without a key is left out")
		return
	}
	if e.get("scope").str() == "BUILD_TIME" {
		return
	}
	value := e.get("value").str()
	if e.get("type").str() == "SECRET" && (value == "" || strings.HasPrefix(value, "EV[")) {
		// An encrypted secret: production's value is not in the spec.
		env[key] = manifest.Unset(key)
		return
	}
	env[key] = dr.expand(e, value, comp, 0)
}

// bindable is ${name} or ${component.VARIABLE} in an App Platform value.
var bindable = regexp.MustCompile(`\$\{([A-Za-z0-9_.-]*)\}`)

// expand substitutes App Platform's bindable variables in value: a
// database's DATABASE_URL, HOSTNAME, PORT, USERNAME, PASSWORD, DATABASE
// and CA_CERT; another component's PRIVATE_URL and PRIVATE_DOMAIN; an
// app-level variable. What production alone knows (APP_URL, a public
// domain) stays an unset variable.
func (dr *doReader) expand(e *node, value, comp string, depth int) manifest.Value {
	var parts []any
	last := 0
	for _, m := range bindable.FindAllStringSubmatchIndex(value, -1) {
		parts = append(parts, value[last:m[0]])
		parts = append(parts, dr.bind(e, value[m[2]:m[3]], comp, depth))
		last = m[1]
	}
	parts = append(parts, value[last:])
	return join(parts...)
}

func (dr *doReader) bind(e *node, ref, comp string, depth int) manifest.Value {
	target, prop, dotted := strings.Cut(ref, ".")
	if !dotted {
		if a := dr.appEnvs[ref]; a != nil && depth < 4 && a.get("type").str() != "SECRET" {
			return dr.expand(a, a.get("value").str(), comp, depth+1)
		}
		return manifest.Unset(varName(ref))
	}
	if target == "_self" {
		target = comp
	}
	if db := dr.dbs[target]; db != nil {
		return dr.databaseVar(e, db, prop, ref)
	}
	if c := dr.components[target]; c != nil {
		port := c.get("http_port").str()
		if port == "" {
			port = "8080"
		}
		switch prop {
		case "PRIVATE_URL":
			return manifest.Text("http://" + target + ":" + port)
		case "PRIVATE_DOMAIN":
			return manifest.Text(target)
		}
		return manifest.Unset(varName(target, prop))
	}
	dr.warn(e, "${%s}: no component or database %q in the app spec", ref, target)
	return manifest.Unset(varName(target, prop))
}

// databaseVar is one of a database component's bindable variables.
func (dr *doReader) databaseVar(e *node, db *doDatabase, prop, ref string) manifest.Value {
	switch prop {
	case "DATABASE_URL", "REDIS_URL", "URL":
		return db.url()
	case "HOSTNAME", "HOST":
		return manifest.Text(db.name)
	case "PORT":
		return manifest.Text(db.port())
	case "USERNAME", "USER":
		return manifest.Text(db.user)
	case "PASSWORD":
		return db.passwordValue()
	case "DATABASE", "NAME":
		return manifest.Text(db.database)
	case "CA_CERT":
		return nil // the local service speaks plain TCP
	}
	dr.warn(e, "${%s}: %s is not a bindable variable of a database: left empty", ref, prop)
	return nil
}
