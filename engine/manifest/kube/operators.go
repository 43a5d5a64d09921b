package kube

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// readOperators makes a service of each database a Postgres operator's
// resource defines, and the Secrets and Services the operator creates for
// it, so the app's references to them resolve.
func (r *reader) readOperators() {
	for _, o := range r.objs {
		switch {
		case o.Kind == "Cluster" && o.group() == cnpgGroup:
			r.readCNPG(o)
		case o.Kind == "postgresql" && o.group() == "acid.zalan.do":
			r.readZalando(o)
		case o.Kind == "PostgresCluster" && o.group() == "postgres-operator.crunchydata.com":
			r.readCrunchy(o)
		default:
			if engine, ok := unreadOperators[o.group()]; ok {
				r.warnf("%s: %s %s (%s) is a %s operator's resource parity does not read: run %s as a Deployment or StatefulSet of its image, or pin it in parity.yaml", o.origin, o.Kind, o.Metadata.Name, o.group(), engine, engine)
			}
		}
	}
}

// unreadOperators are API groups of database operators parity does not
// read, by the engine they run.
var unreadOperators = map[string]string{
	"mysql.oracle.com":             "MySQL",
	"pxc.percona.com":              "MySQL",
	"ps.percona.com":               "MySQL",
	"mysql.presslabs.org":          "MySQL",
	"moco.cybozu.com":              "MySQL",
	"k8s.mariadb.com":              "MariaDB",
	"mariadb.mmontes.io":           "MariaDB",
	"databases.spotahome.com":      "Redis",
	"redis.redis.opstreelabs.in":   "Redis",
	"app.redislabs.com":            "Redis",
	"dragonflydb.io":               "Redis",
	"mongodbcommunity.mongodb.com": "MongoDB",
	"psmdb.percona.com":            "MongoDB",
	"rabbitmq.com":                 "RabbitMQ",
	"kafka.strimzi.io":             "Kafka",
	"pgv2.percona.com":             "PostgreSQL",
	"kubedb.com":                   "a database",
	"opensearch.opster.io":         "OpenSearch",
	"elasticsearch.k8s.elastic.co": "Elasticsearch",
	"minio.min.io":                 "MinIO",
	"stackgres.io":                 "PostgreSQL",
}

// postgresService is a Postgres an operator runs: image from the version
// production names, the user, database and password the operator creates.
func (r *reader) postgresService(o *object, provider, version string, user, db manifest.Value, password manifest.Value) *service {
	m, err := stacks.MapManaged("postgres", version)
	if err != nil {
		r.warnf("%s: %s %s: %v: not run", o.origin, o.Kind, o.Metadata.Name, err)
		return nil
	}
	s := &service{namespace: o.namespace(), namedPorts: map[string]int{}, workload: o.Metadata.Name}
	s.Name = r.uniqueName(o.Metadata.Name, o.namespace(), o)
	s.Image = m.Image
	s.Origin = o.origin
	s.Ports = []manifest.Port{{Target: 5432, Protocol: "tcp"}}
	s.Managed = &manifest.Managed{Provider: provider, Engine: "postgresql", Version: version, Note: m.Note}
	s.Environment = map[string]manifest.Value{
		"POSTGRES_USER":     user,
		"POSTGRES_DB":       db,
		"POSTGRES_PASSWORD": password,
	}
	r.services = append(r.services, s)
	return s
}

// synthesizeSecret adds a Secret an operator creates, unless the
// manifests define one of that name themselves.
func (r *reader) synthesizeSecret(ns, name, origin string, values map[string]manifest.Value) {
	k := ref{"Secret", ns, name}
	if r.secrets[k] != nil {
		return
	}
	r.secrets[k] = &store{values: values, origin: origin, synthesized: true}
}

// join concatenates values.
func join(vs ...manifest.Value) manifest.Value {
	var out manifest.Value
	for _, v := range vs {
		for _, p := range v {
			if p.Unset == "" && len(out) > 0 && out[len(out)-1].Unset == "" {
				out[len(out)-1].Text += p.Text
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

// connectionValues are the keys operators put in an application user's
// Secret: host, port, user, password, database and URIs.
func connectionValues(host, fqdn string, user, password, db manifest.Value) map[string]manifest.Value {
	t := manifest.Text
	uri := func(h string) manifest.Value {
		return join(t("postgresql://"), user, t(":"), password, t("@"+h+":5432/"), db)
	}
	jdbc := func(h string) manifest.Value {
		return join(t("jdbc:postgresql://"+h+":5432/"), db, t("?password="), password, t("&user="), user)
	}
	return map[string]manifest.Value{
		"host":          t(host),
		"port":          t("5432"),
		"username":      user,
		"user":          user,
		"password":      password,
		"dbname":        db,
		"uri":           uri(host),
		"jdbc-uri":      jdbc(host),
		"fqdn-uri":      uri(fqdn),
		"fqdn-jdbc-uri": jdbc(fqdn),
		"pgpass":        join(t(host+":5432:"), db, t(":"), user, t(":"), password, t("\n")),
	}
}

// tagVersionRE finds the PostgreSQL version in an operator image's tag:
// 16.2 in ghcr.io/cloudnative-pg/postgresql:16.2-10-bookworm, 16.4 in
// crunchy-postgres:ubi8-16.4-2.
var tagVersionRE = regexp.MustCompile(`(?:^|-)(\d+(?:\.\d+)?)(?:-|$)`)

func versionFromImage(image string) string {
	img := stacks.ParseImage(image)
	if m := tagVersionRE.FindStringSubmatch(img.Tag); m != nil {
		return m[1]
	}
	return ""
}

// readCNPG reads a CloudNativePG Cluster: it runs spec.imageName (else
// its image catalog's image, else the operator's default, its newest
// PostgreSQL), with PostGIS when the image or an extension brings it;
// creates the database
// and owner of bootstrap.initdb, the Secret <cluster>-app and the
// Services <cluster>-rw, -ro and -r.
func (r *reader) readCNPG(o *object) {
	var c struct {
		Spec struct {
			ImageName       string        `yaml:"imageName"`
			ImageCatalogRef *cnpgImageRef `yaml:"imageCatalogRef"`
			PostgreSQL      struct {
				Extensions []cnpgExtension `yaml:"extensions"`
			} `yaml:"postgresql"`
			Bootstrap struct {
				InitDB struct {
					Database string `yaml:"database"`
					Owner    string `yaml:"owner"`
					Secret   struct {
						Name string `yaml:"name"`
					} `yaml:"secret"`
				} `yaml:"initdb"`
			} `yaml:"bootstrap"`
		} `yaml:"spec"`
	}
	if err := o.node.Decode(&c); err != nil {
		r.warnf("%s: Cluster %s: %v: not read", o.origin, o.Metadata.Name, yamlMessage(err))
		return
	}
	name, ns := o.Metadata.Name, o.namespace()
	version := versionFromImage(c.Spec.ImageName)
	switch {
	case c.Spec.ImageName == "" && c.Spec.ImageCatalogRef != nil:
		c.Spec.ImageName, version = r.catalogVersion(o, c.Spec.ImageCatalogRef)
	case c.Spec.ImageName == "":
		r.warnf("%s: Cluster %s names no spec.imageName: the operator runs its default image, whose version depends on the operator's; parity runs the newest postgres: pin spec.imageName", o.origin, name)
	case version == "":
		r.warnf("%s: Cluster %s runs %s, whose tag names no PostgreSQL version: parity runs the newest postgres", o.origin, name, c.Spec.ImageName)
	}
	db := cmpOr(c.Spec.Bootstrap.InitDB.Database, "app")
	owner := cmpOr(c.Spec.Bootstrap.InitDB.Owner, db)
	user, password := manifest.Text(owner), manifest.Unset(unsetName(name+"-app", "password"))
	if sec := c.Spec.Bootstrap.InitDB.Secret.Name; sec != "" {
		// A basic-auth Secret of the team's: its username and password.
		if v, ok := r.keyValue("Secret", ns, &keySelector{Name: sec, Key: "username"}, o.origin); ok {
			user = v
		}
		if v, ok := r.keyValue("Secret", ns, &keySelector{Name: sec, Key: "password"}, o.origin); ok {
			password = v
		}
	}
	s := r.postgresService(o, "cloudnative-pg", version, user, manifest.Text(db), password)
	if s == nil {
		return
	}
	if postgis, ok := postgisVersion(c.Spec.ImageName, c.Spec.PostgreSQL.Extensions); ok {
		r.usePostGIS(o, s, version, postgis)
	}
	r.readCNPGCompanions(o, s, db)
	for _, suffix := range []string{"-rw", "-ro", "-r"} {
		s.Aliases = append(s.Aliases, dnsNames(name+suffix, ns)...)
	}
	rw := name + "-rw"
	r.synthesizeSecret(ns, name+"-app", o.origin, connectionValues(rw, rw+"."+ns+".svc.cluster.local", user, password, manifest.Text(db)))
	// CloudNativePG's own uri names the host with its namespace.
	if st := r.secrets[ref{"Secret", ns, name + "-app"}]; st.synthesized {
		st.values["uri"] = join(manifest.Text("postgresql://"), user, manifest.Text(":"), password, manifest.Text("@"+rw+"."+ns+":5432/"+db))
	}
}

// readZalando reads a Zalando postgres-operator postgresql: version
// spec.postgresql.version, users spec.users, databases spec.databases
// (name: owner); the operator creates a Secret
// <user>.<cluster>.credentials.postgresql.acid.zalan.do per user and the
// Services <cluster> and <cluster>-repl.
func (r *reader) readZalando(o *object) {
	var z struct {
		Spec struct {
			PostgreSQL struct {
				Version string `yaml:"version"`
			} `yaml:"postgresql"`
			Users     map[string]yaml.Node `yaml:"users"`
			Databases map[string]string    `yaml:"databases"`
		} `yaml:"spec"`
	}
	if err := o.node.Decode(&z); err != nil {
		r.warnf("%s: postgresql %s: %v: not read", o.origin, o.Metadata.Name, yamlMessage(err))
		return
	}
	name, ns := o.Metadata.Name, o.namespace()
	if z.Spec.PostgreSQL.Version == "" {
		r.warnf("%s: postgresql %s names no spec.postgresql.version: parity runs the newest postgres", o.origin, name)
	}
	// The database parity creates is the first one spec.databases names,
	// owned by its owner: the one the app is most likely to use.
	db, owner := "postgres", "postgres"
	if dbs := slices.Sorted(maps.Keys(z.Spec.Databases)); len(dbs) > 0 {
		db, owner = dbs[0], z.Spec.Databases[dbs[0]]
	} else if users := slices.Sorted(maps.Keys(z.Spec.Users)); len(users) > 0 {
		owner = users[0]
	}
	secretOf := func(user string) string {
		return strings.ReplaceAll(user, "_", "-") + "." + name + ".credentials.postgresql.acid.zalan.do"
	}
	password := manifest.Unset(unsetName(name+"-"+owner, "password"))
	s := r.postgresService(o, "zalando-postgres-operator", z.Spec.PostgreSQL.Version, manifest.Text(owner), manifest.Text(db), password)
	if s == nil {
		return
	}
	s.Aliases = append(s.Aliases, dnsNames(name, ns)...)
	s.Aliases = append(s.Aliases, dnsNames(name+"-repl", ns)...)
	users := append(slices.Sorted(maps.Keys(z.Spec.Users)), "postgres")
	for _, u := range users {
		pw := manifest.Unset(unsetName(name+"-"+u, "password"))
		if u == owner {
			pw = password
		} else if u != "postgres" {
			r.warnf("%s: postgresql %s: user %s is not created by parity (only %s, the owner of database %s)", o.origin, name, u, owner, db)
		}
		r.synthesizeSecret(ns, secretOf(u), o.origin, map[string]manifest.Value{"username": manifest.Text(u), "password": pw})
	}
}

// readCrunchy reads a Crunchy PostgresCluster: version spec.postgresVersion
// (the exact one from spec.image's tag when set), users spec.users (the
// cluster's name as user and database when none); the operator creates a
// Secret <cluster>-pguser-<user> per user and the Service <cluster>-primary.
func (r *reader) readCrunchy(o *object) {
	var c struct {
		Spec struct {
			PostgresVersion int    `yaml:"postgresVersion"`
			Image           string `yaml:"image"`
			Users           []struct {
				Name      string   `yaml:"name"`
				Databases []string `yaml:"databases"`
			} `yaml:"users"`
			Proxy *yaml.Node `yaml:"proxy"`
		} `yaml:"spec"`
	}
	if err := o.node.Decode(&c); err != nil {
		r.warnf("%s: PostgresCluster %s: %v: not read", o.origin, o.Metadata.Name, yamlMessage(err))
		return
	}
	name, ns := o.Metadata.Name, o.namespace()
	version := ""
	if c.Spec.PostgresVersion > 0 {
		version = strconv.Itoa(c.Spec.PostgresVersion)
	}
	if v := versionFromImage(c.Spec.Image); v != "" && (version == "" || strings.HasPrefix(v, version+".")) {
		version = v
	}
	if version == "" {
		r.warnf("%s: PostgresCluster %s names no spec.postgresVersion: parity runs the newest postgres", o.origin, name)
	}
	user, db := name, name
	if len(c.Spec.Users) > 0 {
		user = c.Spec.Users[0].Name
		db = ""
		if len(c.Spec.Users[0].Databases) > 0 {
			db = c.Spec.Users[0].Databases[0]
		}
	}
	password := manifest.Unset(unsetName(name+"-pguser-"+user, "password"))
	s := r.postgresService(o, "crunchy-postgres-operator", version, manifest.Text(user), manifest.Text(cmpOr(db, user)), password)
	if s == nil {
		return
	}
	s.Aliases = append(s.Aliases, dnsNames(name+"-primary", ns)...)
	s.Aliases = append(s.Aliases, dnsNames(name+"-replicas", ns)...)
	if c.Spec.Proxy != nil {
		// PgBouncer passes connections through to the same database.
		s.Aliases = append(s.Aliases, dnsNames(name+"-pgbouncer", ns)...)
	}
	host := name + "-primary." + ns + ".svc"
	for i, u := range c.Spec.Users {
		pw := password
		if i > 0 {
			pw = manifest.Unset(unsetName(name+"-pguser-"+u.Name, "password"))
			r.warnf("%s: PostgresCluster %s: user %s is not created by parity (only %s)", o.origin, name, u.Name, user)
		}
		udb := ""
		if len(u.Databases) > 0 {
			udb = u.Databases[0]
		}
		vals := connectionValues(host, host+".cluster.local", manifest.Text(u.Name), pw, manifest.Text(udb))
		delete(vals, "username")
		r.synthesizeSecret(ns, name+"-pguser-"+u.Name, o.origin, vals)
	}
	if len(c.Spec.Users) == 0 {
		vals := connectionValues(host, host+".cluster.local", manifest.Text(user), password, manifest.Text(db))
		delete(vals, "username")
		r.synthesizeSecret(ns, name+"-pguser-"+user, o.origin, vals)
	}
}
