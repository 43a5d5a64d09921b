package engine

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/parity-dev/parity/engine/connstr"
	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// envLayer is one source of the app's variables.
type envLayer struct {
	source string
	vars   map[string]string
	// onlyOverrides: the layer replaces variables already there but adds
	// none (the shell: the rest of it reaches the app anyway).
	onlyOverrides bool
	// local: values naming localhost are this machine's services, written
	// for a developer's laptop (.env, samples), and are pointed at the
	// service of their kind.
	local bool
	file  string // for samples: the file, shown in notes
}

// appEnvInput is everything the app's environment is made from.
type appEnvInput struct {
	Plan *plan
	// Samples are the committed samples (.env.example) that list the
	// variables the app reads, lowest first; used when the manifest's own
	// app environment is missing or names no backing service.
	Samples []envLayer
	Config  map[string]string // parity.yaml app.env
	Dotenv  map[string]string // .env, read as Compose reads it
	// DotenvSample is the committed sample read as the .env where the
	// project has none: its values are then a sample's, the lowest layer.
	DotenvSample string
	Shell        map[string]string // inherited environment
	// Frameworks are the app frameworks found in the repository
	// ("laravel", "spring"), whose own variable names parity also sets.
	Frameworks []string
}

// computeAppEnv builds the variables parity sets for the app, in one pass
// from the plan and the layers, lowest precedence first: samples, the
// manifest's app environment, parity.yaml, .env, the shell. Every value
// that names a service parity runs (a URL, a connection string, a host, a
// host:port, a list) is pointed at its local address with its real
// credentials; then each family of variables that names a service gets
// its port and credential siblings, and the conventional variables
// (DATABASE_URL, REDIS_URL, <SERVICE>_HOST...) are added. Values parity
// points at a service win over layers that do not: a .env saying
// DATABASE_URL=sqlite:///dev.db is exactly the gap parity closes.
func computeAppEnv(in appEnvInput) ([]EnvVar, []string) {
	b := newEnvBuilder(in.Plan)

	var template []envLayer
	dotenv := envLayer{source: SourceDotenv, vars: in.Dotenv, local: true}
	if in.DotenvSample != "" {
		dotenv.source, dotenv.file = SourceSample, in.DotenvSample
		template = append(template, dotenv)
		dotenv = envLayer{}
	}
	manifestEnv, unbound := b.manifestLayer()
	if in.Plan.useSamples(manifestEnv) {
		template = append(template, in.Samples...)
	}
	template = append(template, envLayer{source: SourceManifest, vars: manifestEnv, local: true})
	for _, l := range template {
		b.apply(l)
	}
	b.apply(envLayer{source: SourceConfig, vars: in.Config, local: true})
	b.apply(dotenv)
	b.apply(envLayer{source: SourceShell, vars: in.Shell, onlyOverrides: true})

	b.bindings()
	b.serviceVars()
	b.hostlessFamilies()
	b.families()
	b.ports()
	b.conventional()
	b.frameworks(in.Frameworks)
	b.leftovers()

	if len(unbound) > 0 {
		b.warnings = append(b.warnings, fmt.Sprintf("unset in the manifest's app environment, left empty: %s (set them in .env or the shell)", strings.Join(unbound, ", ")))
	}
	out := make([]EnvVar, 0, len(b.vars))
	for _, k := range sortedKeys(b.vars) {
		v := b.vars[k]
		if looksSecret(v.Key) && v.Value != "" {
			v.Secret = true
		}
		out = append(out, *v)
	}
	return out, b.warnings
}

type envBuilder struct {
	plan     *plan
	vars     map[string]*EnvVar
	hosts    map[string]*plannedService // service names and aliases
	warnings []string
}

func newEnvBuilder(p *plan) *envBuilder {
	b := &envBuilder{plan: p, vars: map[string]*EnvVar{}, hosts: map[string]*plannedService{}}
	for _, ps := range p.containers() {
		b.hosts[ps.Name] = ps
		for _, a := range ps.Svc.Aliases {
			b.hosts[a] = ps
		}
	}
	return b
}

// manifestLayer is the app services' environment with the bindings of
// unset variables, the first app service's value winning, and the unset
// variables left without a binding.
func (b *envBuilder) manifestLayer() (map[string]string, []string) {
	p := b.plan
	env := map[string]string{}
	unbound := map[string]bool{}
	for _, app := range p.apps() {
		for k, v := range app.Svc.Environment {
			if _, ok := env[k]; ok {
				continue
			}
			for _, name := range v.UnsetVars() {
				if _, ok := p.Bindings[name]; !ok {
					unbound[name] = true
				}
			}
			env[k] = v.Resolve(p.bound)
		}
	}
	return env, sortedKeys(unbound)
}

// useSamples reports whether committed samples should list the app's
// variables: an app service's env_file is missing here, or no app
// variable of the manifest names a backing service.
func (p *plan) useSamples(manifestEnv map[string]string) bool {
	for _, app := range p.apps() {
		if len(app.Svc.MissingEnvFiles) > 0 {
			return true
		}
	}
	b := newEnvBuilder(p)
	for k, v := range manifestEnv {
		if ps, _ := b.serviceNamed(k, v, false); ps != nil && ps.Role == RoleBacking {
			return false
		}
	}
	return true
}

// isDeveloperLayer reports whether a source is the developer's own
// choice, which parity tells about when it replaces it.
func isDeveloperLayer(source string) bool {
	return source == SourceConfig || source == SourceDotenv || source == SourceShell
}

// apply lays one layer over the variables so far.
func (b *envBuilder) apply(l envLayer) {
	for _, k := range sortedKeys(l.vars) {
		v := l.vars[k]
		cur := b.vars[k]
		if cur == nil && l.onlyOverrides {
			continue
		}
		if rw, ok := b.rewrite(k, v, l.local); ok {
			rw.origin = l.source
			if l.source != SourceManifest {
				rw.Note = joinNote(rw.Note, "from "+l.source)
			}
			b.vars[k] = rw
			continue
		}
		if l.source == SourceSample && manifest.FillIn(v) {
			continue // a value to fill in says nothing; unset is the app's default
		}
		if l.file != "" && cur == nil {
			b.vars[k] = &EnvVar{Key: k, Value: v, Source: l.source, Note: "from " + filepath.Base(l.file)}
			continue
		}
		if cur != nil && cur.owned {
			if v != cur.Value && v != "" {
				b.replaced(cur, l.source, v)
			}
			continue
		}
		b.vars[k] = &EnvVar{Key: k, Value: v, Source: l.source}
	}
}

// replaced records that parity's value of cur wins over a layer's.
func (b *envBuilder) replaced(cur *EnvVar, source, value string) {
	if !isDeveloperLayer(source) {
		return
	}
	cur.Note = joinNote(cur.Note, "replaces "+source+" value")
	b.warnings = append(b.warnings, fmt.Sprintf("%s from %s (%q) is replaced by parity's value for service %s",
		cur.Key, source, maskValue(cur.Key, value), cur.Service))
}

// set gives key parity's value for a service, replacing what a layer
// said unless keep says to leave a value there.
func (b *envBuilder) set(ps *plannedService, key, value string, secret bool, note string) {
	cur := b.vars[key]
	if cur != nil && cur.owned && cur.Value == value {
		return
	}
	if cur != nil && cur.Value != value && cur.Value != "" {
		b.replaced(&EnvVar{Key: key, Service: ps.Name}, cur.Source, cur.Value)
		note = joinNote(note, "replaces "+cur.Source+" value")
	}
	b.vars[key] = &EnvVar{Key: key, Value: value, Source: SourceParity, Service: ps.Name, Secret: secret, Note: note, owned: true}
}

// fill sets key when no layer gave it a value, or when a developer layer
// or a sample gave one that names no service (DATABASE_URL=sqlite:///dev.db).
// A value the manifest itself gives is production's, and stays.
func (b *envBuilder) fill(ps *plannedService, key, value string, secret bool) {
	cur := b.vars[key]
	switch {
	case cur == nil, cur.Value == "":
	case cur.owned:
		return
	case cur.Source == SourceManifest:
		return
	}
	b.set(ps, key, value, secret, "")
}

// rewrite points a value at the local containers when it names one: a
// connection string in any form, or under a host-like key a bare host or
// host:port. local also follows values naming localhost to the service of
// their kind.
func (b *envBuilder) rewrite(key, value string, local bool) (*EnvVar, bool) {
	ps, c := b.serviceNamed(key, value, local)
	if ps == nil {
		return nil, false
	}
	var notes []string
	var first *plannedService
	for i, h := range c.Hosts() {
		target := b.hosts[h.Name]
		if target == nil && local && isLocalhost(h.Name) {
			target = b.localService(key, c, h)
			if target != nil {
				notes = append(notes, fmt.Sprintf("%s pointed at service %s", joinHostPort(h), target.Name))
			}
		}
		if target == nil {
			continue
		}
		if first == nil {
			first = target
		}
		port := target.hostPort(h.Port)
		if !h.HasPort && c.Form() == connstr.HostPort {
			port = 0 // DB_HOST=db: the port is its sibling's business
		}
		c.SetHost(i, loopback, port)
	}
	c.DedupHosts()
	if first.Role == RoleBacking {
		notes = append(notes, b.credentialsInto(c, first, len(notes) > 0)...)
	}
	value = c.String()
	carried, _ := c.Password() // decoded: the value holds it percent-encoded
	pw := first.Credentials.Password
	return &EnvVar{Key: key, Value: value, Source: SourceParity, Service: first.Name,
		Secret: pw != "" && (carried == pw || strings.Contains(value, pw)), Note: strings.Join(notes, "; "), owned: true}, true
}

// serviceNamed parses value and returns the service it names first, if any.
func (b *envBuilder) serviceNamed(key, value string, local bool) (*plannedService, *connstr.Conn) {
	_, field := stacks.SplitVar(key)
	var c *connstr.Conn
	var ok bool
	if field == stacks.FieldHost || field == stacks.FieldList || field == stacks.FieldURL {
		c, ok = connstr.Parse(value)
	} else {
		c, ok = connstr.ParseStrict(value)
	}
	if !ok {
		return nil, nil
	}
	for _, h := range c.Hosts() {
		if ps := b.hosts[h.Name]; ps != nil {
			return ps, c
		}
		if local && isLocalhost(h.Name) {
			if ps := b.localService(key, c, h); ps != nil {
				return ps, c
			}
		}
	}
	return nil, nil
}

// credentialsInto writes the service's credentials into a connection
// string as the kind's own URL carries them, and drops options the local
// server cannot honour (TLS). fresh says the value was written for another
// server (localhost in .env), whose database name means nothing here.
func (b *envBuilder) credentialsInto(c *connstr.Conn, ps *plannedService, fresh bool) []string {
	var notes []string
	creds := ps.Credentials
	canonical, _ := connstr.ParseStrict(ps.URL())
	if c.Form() == connstr.HostPort || canonical == nil {
		return nil
	}
	cu, _ := canonical.User()
	switch _, hasPw := canonical.Password(); {
	case creds.Password != "" && hasPw:
		if u, ok := c.User(); ok && u != "" && cu != "" && u != cu {
			notes = append(notes, fmt.Sprintf("user %s changed to %s", u, cu))
		}
		if cu != "" {
			c.SetUser(cu)
		}
		c.SetPassword(creds.Password)
	case creds.Password == "":
		if _, had := c.Password(); had {
			c.ClearPassword()
			notes = append(notes, "password removed: the local server takes none")
		}
	}
	if creds.Database != "" && (c.Database() == "" || fresh) && c.Form() != connstr.List {
		c.SetDatabase(creds.Database)
	}
	if s := canonical.Scheme(); s != "" && c.Scheme() == s+"s" {
		notes = append(notes, fmt.Sprintf("%s:// changed to %s://: the local server has no TLS", c.Scheme(), s))
		c.SetScheme(s)
	}
	// The options the kind's own URL sets (sslmode=disable: the local
	// server has no TLS; directConnection=true: one Mongo node).
	if cu, err := url.Parse(ps.URL()); err == nil && c.Form() != connstr.List {
		q := cu.Query()
		for _, k := range sortedKeys(q) {
			want := q.Get(k)
			old, had := c.Param(k)
			switch {
			case had && old != want:
				notes = append(notes, fmt.Sprintf("%s=%s changed to %s=%s: the local server has no TLS", k, old, k, want))
				c.SetParam(k, want)
			case !had && c.Form() == connstr.URL:
				c.SetParam(k, want)
			}
		}
	}
	return notes
}

func isLocalhost(host string) bool {
	switch strings.ToLower(host) {
	case "localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal":
		return true
	}
	return false
}

func joinHostPort(h connstr.Host) string {
	if h.HasPort {
		return h.Name + ":" + strconv.Itoa(h.Port)
	}
	return h.Name
}

// localService finds the service a value naming localhost means: the only
// backing service whose usual port it names, else the only one of the kind
// its variable's prefix or its URL scheme names.
func (b *envBuilder) localService(key string, c *connstr.Conn, h connstr.Host) *plannedService {
	prefix, _ := stacks.SplitVar(key)
	port := 0
	if h.HasPort {
		port = h.Port
	} else if pv, ok := b.vars[prefix+"PORT"]; ok && prefix != "" {
		port, _ = strconv.Atoi(pv.Value)
	}
	if port != 0 {
		if ps := b.only(func(ps *plannedService) bool { return ps.MainPort == port }); ps != nil {
			return ps
		}
	}
	if kinds := stacks.KindsForPrefix(prefix); len(kinds) > 0 {
		if ps := b.only(func(ps *plannedService) bool { return slices.Contains(kinds, ps.Stack.Kind()) }); ps != nil {
			return ps
		}
	}
	if s := c.Scheme(); s != "" && s != "http" && s != "https" {
		kind := stacks.KindForScheme(s)
		if ps := b.only(func(ps *plannedService) bool { return ps.Stack.Kind() == kind }); ps != nil && kind != "" {
			return ps
		}
	}
	return nil
}

// only is the one backing service for which match holds, nil when none or several.
func (b *envBuilder) only(match func(*plannedService) bool) *plannedService {
	var found *plannedService
	for _, ps := range b.plan.containers() {
		if ps.Role != RoleBacking || !match(ps) {
			continue
		}
		if found != nil {
			return nil
		}
		found = ps
	}
	return found
}

// bindings gives the app the variables production sets for the backing
// services' credentials (POSTGRES_PASSWORD: ${DB_PASSWORD} -> DB_PASSWORD),
// with the value the service got: the variable that configures a service
// is what the app reads too. A bound variable was unset for interpolation,
// so only a sample or parity.yaml can have given the app another value
// for it; the service's wins.
func (b *envBuilder) bindings() {
	for _, name := range sortedKeys(b.plan.Bindings) {
		if cur := b.vars[name]; cur != nil && (cur.Source == SourceDotenv || cur.Source == SourceShell) {
			continue
		}
		ps := b.plan.bindingService(name)
		if ps == nil {
			continue
		}
		b.set(ps, name, b.plan.Bindings[name], stacks.IsPasswordVar(name), "the value service "+ps.Name+" is configured with")
	}
}

// bindingService is the container whose definition names the variable.
func (p *plan) bindingService(name string) *plannedService {
	for _, ps := range p.containers() {
		if namesVar(ps.Svc, name) {
			return ps
		}
	}
	return nil
}

// serviceVars adds, for each service, the variables named after it, as
// Aspire gives them: <SERVICE>_URL, and for backing services
// <SERVICE>_HOST, _PORT and the credentials the kind has. _HOSTNAME too:
// apps that read REDIS_HOSTNAME default it to production's service name.
func (b *envBuilder) serviceVars() {
	for _, ps := range b.plan.containers() {
		if ps.MainPort == 0 {
			continue
		}
		n := envName(ps.Name)
		if u := ps.URL(); u != "" && ps.Role == RoleBacking {
			pw := ps.Credentials.Password
			b.fill(ps, n+"_URL", u, pw != "" && strings.Contains(u, pw))
		}
		if ps.Role != RoleBacking {
			continue
		}
		b.fill(ps, n+"_HOST", loopback, false)
		b.fill(ps, n+"_HOSTNAME", loopback, false)
		b.fill(ps, n+"_PORT", strconv.Itoa(ps.Ports[ps.MainPort]), false)
		if c := ps.Credentials; c.User != "" {
			b.fill(ps, n+"_USER", c.User, false)
		}
		if c := ps.Credentials; c.Password != "" {
			b.fill(ps, n+"_PASSWORD", c.Password, true)
		}
		if c := ps.Credentials; c.Database != "" {
			b.fill(ps, n+"_DATABASE", c.Database, false)
		}
	}
}

// hostlessFamilies gives a host to families that carry credentials but no
// host (DB_USERNAME and DB_PASSWORD, the host left to the app's default,
// which is production's service name): the app's default names a container
// that does not exist here. The family's prefix says which kind it means
// (DB_ -> the database); with one service of that kind, the family gets
// _HOST and _HOSTNAME, and then its port and siblings like any other.
func (b *envBuilder) hostlessFamilies() {
	fields := map[string]map[stacks.Field]bool{}
	for k, v := range b.vars {
		if v.Source == SourceShell {
			continue
		}
		prefix, field := stacks.SplitVar(k)
		if prefix == "" {
			continue
		}
		if fields[prefix] == nil {
			fields[prefix] = map[stacks.Field]bool{}
		}
		fields[prefix][field] = true
	}
	for _, prefix := range sortedKeys(fields) {
		f := fields[prefix]
		if f[stacks.FieldHost] || f[stacks.FieldURL] || f[stacks.FieldList] || !(f[stacks.FieldUser] || f[stacks.FieldPassword]) {
			continue
		}
		kinds := stacks.KindsForPrefix(prefix)
		if len(kinds) == 0 {
			continue
		}
		ps := b.only(func(ps *plannedService) bool { return slices.Contains(kinds, ps.Stack.Kind()) })
		if ps == nil {
			continue
		}
		for _, suffix := range []string{"HOST", "HOSTNAME"} {
			if strings.ToLower(prefix) == prefix {
				suffix = strings.ToLower(suffix)
			}
			b.set(ps, prefix+suffix, loopback, false, "the app's credentials name no host")
		}
	}
}

// families completes every family of variables whose host names a service
// (DB_HOST=db): its port always — an app that reads none would use the
// usual one, which may be another program's — and the user, password and
// database siblings the kind has, under the names apps commonly read.
func (b *envBuilder) families() {
	families := map[string]*plannedService{}
	for _, k := range sortedKeys(b.vars) {
		v := b.vars[k]
		if !v.owned {
			continue
		}
		prefix, field := stacks.SplitVar(k)
		if field != stacks.FieldHost || prefix == "" {
			continue
		}
		if _, seen := families[prefix]; !seen {
			families[prefix] = b.hosts[v.Service]
		}
	}
	for _, prefix := range sortedKeys(families) {
		ps := families[prefix]
		if ps == nil || ps.MainPort == 0 {
			continue
		}
		b.sibling(ps, prefix, stacks.FieldPort, strconv.Itoa(ps.Ports[ps.MainPort]), false, true)
		if ps.Role != RoleBacking {
			continue
		}
		c := ps.Credentials
		if c.User != "" {
			b.sibling(ps, prefix, stacks.FieldUser, c.User, false, true)
		}
		// A server without auth: a password variable the app has is emptied,
		// none is added.
		b.sibling(ps, prefix, stacks.FieldPassword, c.Password, true, c.Password != "")
		if c.Database != "" {
			b.sibling(ps, prefix, stacks.FieldDatabase, c.Database, false, true)
		}
	}
}

// ports points the port variables no family claimed (DB_HOST_PORT=5432
// next to DB_HOST) at the host port of the one service that listens on
// that port in its container: left alone, the app would connect to the
// usual port, which may be another program's.
func (b *envBuilder) ports() {
	for _, k := range sortedKeys(b.vars) {
		v := b.vars[k]
		if v.owned || v.Source == SourceShell {
			continue
		}
		if _, field := stacks.SplitVar(k); field != stacks.FieldPort {
			continue
		}
		port, err := strconv.Atoi(v.Value)
		if err != nil || port <= 0 {
			continue
		}
		var found *plannedService
		for _, ps := range b.plan.containers() {
			if _, ok := ps.Ports[port]; ok {
				if found != nil {
					found = nil
					break
				}
				found = ps
			}
		}
		if found != nil && found.Ports[port] != port {
			b.set(found, k, strconv.Itoa(found.Ports[port]), false, fmt.Sprintf("port %d of service %s", port, found.Name))
		}
	}
}

// sibling sets the variables of a family that carry field: those the app
// has, and (add) the common names it lacks. A database the app names is
// kept: the container creates the one the app's variables name.
func (b *envBuilder) sibling(ps *plannedService, prefix string, field stacks.Field, value string, secret, add bool) {
	var have []string
	for k := range b.vars {
		if p, f := stacks.SplitVar(k); p == prefix && f == field {
			have = append(have, k)
		}
	}
	slices.Sort(have)
	for _, k := range have {
		cur := b.vars[k]
		if field == stacks.FieldDatabase && cur.Value != "" {
			continue
		}
		if !add && cur.Value == "" {
			continue
		}
		b.set(ps, k, value, secret, "")
	}
	if !add {
		return
	}
	for _, k := range stacks.SiblingNames(prefix, field) {
		if _, ok := b.vars[k]; !ok {
			b.set(ps, k, value, secret, "")
		}
	}
}

// conventional adds each kind's conventional variables (DATABASE_URL,
// REDIS_URL...) for its first service, where no layer points them at a
// service.
func (b *envBuilder) conventional() {
	claimed := map[string]bool{}
	for _, ps := range b.plan.containers() {
		if ps.Role == RoleBacking && ps.URL() != "" {
			for _, k := range ps.Stack.Vars() {
				if !isFallbackVar(ps.Stack, k) {
					claimed[k] = true
				}
			}
		}
	}
	seenKind := map[string]bool{}
	for _, ps := range b.plan.containers() {
		if ps.Role != RoleBacking || ps.URL() == "" || seenKind[ps.Stack.Kind()] {
			continue
		}
		seenKind[ps.Stack.Kind()] = true
		for _, k := range ps.Stack.Vars() {
			if isFallbackVar(ps.Stack, k) && claimed[k] {
				continue // another kind's (DATABASE_URL: Postgres' over MySQL's)
			}
			value, secret := conventionalValue(ps, k, ps.URL())
			b.fill(ps, k, value, secret)
		}
	}
}

func isFallbackVar(st stacks.Stack, key string) bool {
	f, ok := st.(stacks.FallbackVarser)
	return ok && slices.Contains(f.FallbackVars(), key)
}

// conventionalValue is the value of a kind's conventional variable key:
// the service's URL unless the kind says otherwise, and whether it holds
// the service's password.
func conventionalValue(ps *plannedService, key, url string) (string, bool) {
	value := url
	if vv, ok := ps.Stack.(stacks.VarValuer); ok {
		if v, ok := vv.VarValues(ps.Endpoint())[key]; ok {
			value = v
		}
	}
	pw := ps.Credentials.Password
	return value, pw != "" && strings.Contains(value, pw)
}

// leftovers warns about values that still name a service parity runs
// (JSON, a form parity does not read): the app would reach nothing there.
func (b *envBuilder) leftovers() {
	names := sortedKeys(b.hosts)
	patterns := make([]*regexp.Regexp, len(names))
	for i, name := range names {
		// host:port, @host or //host
		h := regexp.QuoteMeta(name)
		patterns[i] = regexp.MustCompile(`(?:(?:^|[@/,;="' ])` + h + `:\d+)|(?:(?:@|//)` + h + `(?:[/,;:?"' ]|$))`)
	}
	for _, k := range sortedKeys(b.vars) {
		v := b.vars[k]
		if v.owned || v.Source == SourceShell {
			continue
		}
		for i, re := range patterns {
			if re.MatchString(v.Value) {
				ps := b.hosts[names[i]]
				b.warnings = append(b.warnings, fmt.Sprintf("%s (from %s) names service %s, which parity runs at %s, in a form parity cannot rewrite; set %s yourself in parity.yaml app.env",
					k, v.Source, names[i], ps.Address(), k))
				break
			}
		}
	}
}
