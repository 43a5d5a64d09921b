package paas

import (
	"cmp"
	"slices"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
)

// isHeroku: an app.json describes add-ons, config variables, a process
// formation, buildpacks or deploy scripts. Expo's app.json (an "expo"
// object) and package.json-like files are something else.
func isHeroku(root *node) bool {
	if root.get("expo") != nil || root.get("dependencies") != nil || root.get("devDependencies") != nil {
		return false
	}
	if root.get("addons").is(listNode) || root.get("env").is(mapNode) || root.get("formation").is(mapNode) ||
		root.get("buildpacks").is(listNode) || root.get("environments").is(mapNode) {
		return true
	}
	scripts := root.get("scripts")
	return scripts.get("postdeploy") != nil || scripts.get("pr-predestroy") != nil
}

// herokuAddon is what parity knows of an add-on: the engine it runs, the
// attachment name Heroku gives it by default (its config variables start
// with it), and which variables it sets.
type herokuAddon struct {
	engine string
	attach string
	vars   func(b *backing, attach string) map[string]manifest.Value
}

var herokuAddons = map[string]herokuAddon{
	"heroku-postgresql": {"postgres", "DATABASE", urlVar},
	"heroku-redis":      {"redis", "REDIS", urlVar},
	"rediscloud":        {"redis", "REDISCLOUD", urlVar},
	"redistogo":         {"redis", "REDISTOGO", urlVar},
	"cloudamqp":         {"rabbitmq", "CLOUDAMQP", urlVar},
	"heroku-kafka":      {"kafka", "KAFKA", urlVar},
	"memcachier": {"memcached", "MEMCACHIER", func(b *backing, attach string) map[string]manifest.Value {
		// MemCachier authenticates with SASL; the local memcached takes
		// no credentials, so they are empty.
		return map[string]manifest.Value{
			attach + "_SERVERS":  manifest.Text(b.hostport()),
			attach + "_USERNAME": nil,
			attach + "_PASSWORD": nil,
		}
	}},
}

// urlVar: the add-on sets <ATTACHMENT>_URL (DATABASE_URL, REDIS_URL).
func urlVar(b *backing, attach string) map[string]manifest.Value {
	return map[string]manifest.Value{attach + "_URL": b.url()}
}

// heroku reads app.json: one app (named after the template, or "web")
// whose environment is the env section plus each add-on's variables.
func (r *reader) heroku(root *node) error {
	for field, k := range map[string]nodeKind{"addons": listNode, "env": mapNode} {
		if err := r.kindOf(root.get(field), k, field); err != nil {
			return err
		}
	}
	appName := dnsName(root.get("name").str())
	if appName == "" {
		appName = "web"
	}
	owner := strings.ReplaceAll(appName, "-", "_") // the user and database the add-ons get locally
	env := map[string]manifest.Value{}
	if vars := root.get("env"); vars.is(mapNode) {
		for i, key := range vars.keys {
			r.herokuEnv(vars.vals[i], key, env)
		}
	}
	attached := map[string]bool{}
	var unknown []string
	for i, a := range root.get("addons").list() {
		plan, as, version := a.str(), "", ""
		if a.is(mapNode) {
			plan, as = a.get("plan").str(), a.get("as").str()
			version = a.get("options").get("version").str()
		} else if !a.is(scalarNode) {
			return r.errorf(a, "addons[%d] must be a plan name or an object with a plan", i)
		}
		slug, _, _ := strings.Cut(plan, ":")
		known, ok := herokuAddons[slug]
		if !ok {
			if slug == "" {
				return r.errorf(a, "addons[%d] names no plan", i)
			}
			if !slices.Contains(unknown, slug) {
				unknown = append(unknown, slug)
			}
			continue
		}
		attach := varName(cmp.Or(as, known.attach))
		if attached[attach] {
			r.warn(a, "a second add-on attached as %s is left out (give it another \"as\")", attach)
			continue
		}
		attached[attach] = true
		name := dnsName(attach)
		b, err := newBacking(name, slug, known.engine, known.engine, version, r.pos(a))
		if err != nil {
			r.warn(a, "add-on %s is not run: %v", plan, err)
			continue
		}
		b.setCredentials(owner, owner, varName("HEROKU", attach, "PASSWORD"))
		for k, v := range known.vars(b, attach) {
			env[k] = v
		}
		r.addBacking(a, b)
	}
	if len(unknown) > 0 {
		r.warn(root.get("addons"), "add-ons parity does not run: %s", strings.Join(unknown, ", "))
	}
	r.addApp(root, manifest.Service{Name: appName, Environment: env, Origin: r.pos(root)}, "app")
	return nil
}

// herokuEnv reads one env entry: a string, or an object with a value, a
// generator ("secret": Heroku generates it) or required (the person
// deploying types it in).
func (r *reader) herokuEnv(v *node, key string, env map[string]manifest.Value) {
	switch {
	case v.is(scalarNode):
		env[key] = manifest.Text(v.str())
	case v.get("value") != nil:
		env[key] = manifest.Text(v.get("value").str())
	case v.get("generator").str() == "secret":
		env[key] = manifest.Unset(key)
	case v.get("required") == nil || v.get("required").truthy():
		// Heroku asks for a required variable when the app is created;
		// required is the default.
		env[key] = manifest.Unset(key)
		r.warn(v, "%s is required and has no value in app.json: set it in .env", key)
	}
}

// dnsName makes a service name of an app or attachment name: lower case,
// letters, digits and dashes ("ANALYTICS_DB" gives "analytics-db").
func dnsName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
