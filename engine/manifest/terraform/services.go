package terraform

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
	"github.com/zclconf/go-cty/cty"
)

// backingTypes are the resource types parity runs as backing services,
// with the short name that prefixes a service name two types share.
var backingTypes = map[string]string{
	"aws_db_instance":                    "rds",
	"aws_rds_cluster":                    "aurora",
	"aws_elasticache_replication_group":  "elasticache",
	"aws_elasticache_cluster":            "elasticache-cluster",
	"aws_elasticache_serverless_cache":   "elasticache-serverless",
	"aws_mq_broker":                      "mq",
	"aws_opensearch_domain":              "opensearch",
	"aws_elasticsearch_domain":           "elasticsearch",
	"aws_msk_cluster":                    "msk",
	"aws_docdb_cluster":                  "docdb",
	"google_sql_database_instance":       "cloudsql",
	"google_redis_instance":              "memorystore",
	"azurerm_postgresql_flexible_server": "azure-postgres",
	"azurerm_mysql_flexible_server":      "azure-mysql",
	"azurerm_redis_cache":                "azure-redis",
	"azurerm_postgresql_server":          "azure-postgres-single",
	"azurerm_mysql_server":               "azure-mysql-single",
	"azurerm_mariadb_server":             "azure-mariadb",
	"digitalocean_database_cluster":      "do",
}

// BackingTypes lists the resource types parity runs, for messages and docs.
func BackingTypes() []string {
	out := make([]string, 0, len(backingTypes))
	for t := range backingTypes {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// unsupportedTypes are resource types that are backing services in
// production but that parity does not run; each is listed once in a warning.
var unsupportedTypes = map[string]bool{
	"aws_dynamodb_table": true, "aws_memorydb_cluster": true, "aws_neptune_cluster": true,
	"aws_redshift_cluster": true, "aws_keyspaces_table": true, "aws_sqs_queue": true,
	"aws_sns_topic": true, "aws_kinesis_stream": true, "aws_s3_bucket": true,
	"aws_dax_cluster": true, "aws_timestreamwrite_database": true,
	"google_spanner_instance": true, "google_bigtable_instance": true, "google_firestore_database": true,
	"google_pubsub_topic": true, "google_storage_bucket": true, "google_alloydb_cluster": true,
	"azurerm_cosmosdb_account": true, "azurerm_mssql_server": true, "azurerm_servicebus_namespace": true,
	"azurerm_storage_account":    true,
	"digitalocean_spaces_bucket": true,
}

// defaultPort is the port the upstream image of an engine listens on.
func defaultPort(engine string) int {
	e := strings.ToLower(engine)
	switch {
	case strings.Contains(e, "postgres") || e == "pg":
		return 5432
	case strings.Contains(e, "mysql") || strings.Contains(e, "mariadb") || e == "aurora":
		return 3306
	case strings.Contains(e, "memcached"):
		return 11211
	case strings.Contains(e, "redis") || strings.Contains(e, "valkey"):
		return 6379
	case strings.Contains(e, "docdb") || strings.Contains(e, "mongo"):
		return 27017
	case strings.Contains(e, "kafka"):
		return 9092
	case strings.Contains(e, "opensearch") || strings.Contains(e, "elasticsearch"):
		return 9200
	case strings.Contains(e, "rabbitmq"):
		return 5672
	}
	return 0
}

// complete adds to a resource instance's written attributes the computed
// ones that parity knows: addresses and endpoints name the local service,
// ports are the upstream image's, and secrets production generates are
// tokens of unset variables. Attributes written in the configuration win,
// unless what is written is only known after apply (a server named
// "pg-${random_id.x.hex}"): the local name then stands for it, so the
// resources that name the server by it still find it.
func (e *evaluator) complete(inst *instance, obj cty.Value) cty.Value {
	add := e.computed(inst, obj)
	if len(add) == 0 {
		return obj
	}
	m := obj.AsValueMap()
	if m == nil {
		m = map[string]cty.Value{}
	}
	for k, v := range add {
		if old, ok := m[k]; !ok || old.IsNull() || !old.IsKnown() {
			m[k] = v
		}
	}
	return cty.ObjectVal(m)
}

// localID is the id and ARN parity gives a resource, so that other
// resources can refer to it (a database's server_id, an ECS secret's valueFrom).
func localID(inst *instance) string {
	return "parity:" + inst.r.addr() + inst.s.suffix + keySuffix(inst.key)
}

func keySuffix(k cty.Value) string {
	if k == cty.NilVal {
		return ""
	}
	if s, ok := str(k); ok {
		return "[" + s + "]"
	}
	return ""
}

// secretName is the unset variable standing for a secret a resource generates.
func (inst *instance) secretName(what ...string) string {
	parts := append([]string{}, what...)
	parts = append(parts, inst.s.path...)
	parts = append(parts, inst.r.name)
	if inst.keyName != "" {
		parts = append(parts, inst.keyName)
	}
	return envName(parts...)
}

func (e *evaluator) computed(inst *instance, w cty.Value) map[string]cty.Value {
	r := inst.r
	n := inst.name
	id := cty.StringVal(localID(inst))
	text := cty.StringVal
	written := func(name string) (string, bool) { return str(get(w, name)) }
	portOf := func(engine string) int {
		if p, ok := written("port"); ok {
			if i, err := strconv.Atoi(p); err == nil {
				return i
			}
		}
		return defaultPort(engine)
	}
	hostPort := func(port int) cty.Value { return text(fmt.Sprintf("%s:%d", n, port)) }
	masterSecret := func() map[string]cty.Value {
		if !isTrue(get(w, "manage_master_user_password")) {
			return nil
		}
		tok := text(e.secrets.token(envName(n, "master", "password")))
		return map[string]cty.Value{
			"master_user_secret": cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"secret_arn": tok})}),
		}
	}
	var out map[string]cty.Value
	if r.data {
		switch r.typ {
		case "aws_secretsmanager_secret_version", "google_secret_manager_secret_version", "aws_ssm_parameter":
			field := map[string]string{"aws_secretsmanager_secret_version": "secret_string", "google_secret_manager_secret_version": "secret_data", "aws_ssm_parameter": "value"}[r.typ]
			return map[string]cty.Value{field: text(e.secrets.token(inst.secretName("secret")))}
		case "template_file":
			// The template provider's data source, as older ECS task
			// definitions render their container definitions: a var only
			// known after apply (an ECR URL, an IAM key) hides only the
			// entries that use it.
			tpl, ok := written("template")
			if !ok {
				return nil
			}
			v, err := e.renderTemplate(tpl, r.addr(), knownOrMarker(get(w, "vars")), inst.s.m.dir)
			if err != nil {
				return nil
			}
			return map[string]cty.Value{"rendered": v}
		case "aws_db_instance", "aws_rds_cluster":
			// A lookup of a database this configuration creates is that database.
			attr := map[string]string{"aws_db_instance": "db_instance_identifier", "aws_rds_cluster": "cluster_identifier"}[r.typ]
			if want, ok := written(attr); ok {
				return e.lookup(r.typ, want)
			}
		}
		return nil
	}
	switch r.typ {
	case "random_password", "random_string":
		return map[string]cty.Value{"result": text(e.secrets.token(inst.secretName(r.typ)))}
	case "aws_secretsmanager_secret", "aws_ssm_parameter":
		return map[string]cty.Value{"id": id, "arn": id}
	case "aws_secretsmanager_secret_version":
		return map[string]cty.Value{"id": id, "arn": id}
	case "aws_db_instance":
		engine, _ := written("engine")
		port := portOf(engine)
		out = map[string]cty.Value{"address": text(n), "endpoint": hostPort(port), "port": cty.NumberIntVal(int64(port)), "id": id, "arn": id, "identifier": text(n)}
		if db, ok := written("name"); ok {
			out["db_name"] = text(db) // the name attribute of provider versions before 5
		}
		for k, v := range masterSecret() {
			out[k] = v
			out["password"] = v.Index(cty.NumberIntVal(0)).GetAttr("secret_arn")
		}
	case "aws_rds_cluster", "aws_docdb_cluster":
		engine, ok := written("engine")
		if !ok && r.typ == "aws_docdb_cluster" {
			engine = "docdb"
		}
		port := portOf(engine)
		out = map[string]cty.Value{"endpoint": text(n), "reader_endpoint": text(n), "port": cty.NumberIntVal(int64(port)), "id": id, "arn": id, "cluster_identifier": text(n)}
		for k, v := range masterSecret() {
			out[k] = v
			out["master_password"] = v.Index(cty.NumberIntVal(0)).GetAttr("secret_arn")
		}
	case "aws_elasticache_replication_group":
		port := portOf("redis")
		out = map[string]cty.Value{"primary_endpoint_address": text(n), "reader_endpoint_address": text(n),
			"configuration_endpoint_address": text(n), "port": cty.NumberIntVal(int64(port)), "id": id, "arn": id}
	case "aws_elasticache_cluster":
		engine, _ := written("engine")
		port := portOf(engine)
		node := cty.ObjectVal(map[string]cty.Value{"address": text(n), "port": cty.NumberIntVal(int64(port)), "id": text("0001")})
		out = map[string]cty.Value{"cache_nodes": cty.TupleVal([]cty.Value{node}), "cluster_address": text(n),
			"configuration_endpoint": hostPort(port), "port": cty.NumberIntVal(int64(port)), "id": id, "arn": id}
	case "aws_elasticache_serverless_cache":
		engine, _ := written("engine")
		ep := cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"address": text(n), "port": cty.NumberIntVal(int64(defaultPort(engine)))})})
		out = map[string]cty.Value{"endpoint": ep, "reader_endpoint": ep, "id": id, "arn": id}
	case "aws_mq_broker":
		broker := cty.ObjectVal(map[string]cty.Value{
			"endpoints":   cty.TupleVal([]cty.Value{text("amqp://" + n + ":5672")}),
			"console_url": text("http://" + n + ":15672"),
			"ip_address":  text(n),
		})
		out = map[string]cty.Value{"instances": cty.TupleVal([]cty.Value{broker}), "id": id, "arn": id}
	case "aws_opensearch_domain", "aws_elasticsearch_domain":
		out = map[string]cty.Value{"endpoint": hostPort(9200), "dashboard_endpoint": text(n), "kibana_endpoint": text(n), "id": id, "arn": id}
	case "aws_msk_cluster":
		b := hostPort(9092)
		out = map[string]cty.Value{"bootstrap_brokers": b, "bootstrap_brokers_tls": b, "bootstrap_brokers_sasl_iam": b,
			"bootstrap_brokers_sasl_scram": b, "bootstrap_brokers_public_tls": b, "id": id, "arn": id}
	case "google_sql_database_instance":
		ip := cty.ObjectVal(map[string]cty.Value{"ip_address": text(n), "type": text("PRIVATE")})
		out = map[string]cty.Value{"private_ip_address": text(n), "public_ip_address": text(n), "first_ip_address": text(n),
			"connection_name": text(n), "ip_address": cty.TupleVal([]cty.Value{ip}), "name": text(n), "id": id, "self_link": id}
	case "google_redis_instance":
		out = map[string]cty.Value{"host": text(n), "port": cty.NumberIntVal(6379), "read_endpoint": text(n),
			"read_endpoint_port": cty.NumberIntVal(6379), "id": id}
		if isTrue(get(w, "auth_enabled")) {
			out["auth_string"] = text(e.secrets.token(inst.secretName("memorystore", "auth")))
		}
	case "azurerm_postgresql_flexible_server", "azurerm_mysql_flexible_server":
		out = map[string]cty.Value{"fqdn": text(n), "id": id, "name": text(n)}
	case "azurerm_postgresql_server", "azurerm_mysql_server", "azurerm_mariadb_server":
		// Single servers: databases name their server by name, not id.
		out = map[string]cty.Value{"fqdn": text(n), "id": id, "name": text(n)}
	case "azurerm_redis_cache":
		key := e.secrets.token(inst.secretName("azure", "redis", "key"))
		out = map[string]cty.Value{"hostname": text(n), "port": cty.NumberIntVal(6379), "ssl_port": cty.NumberIntVal(6379),
			"primary_access_key": text(key), "secondary_access_key": text(key),
			"primary_connection_string": text(n + ":6379,password=" + key + ",ssl=False,abortConnect=False"), "id": id}
	case "digitalocean_database_cluster":
		engine, _ := written("engine")
		port := defaultPort(engine)
		pw := e.secrets.token(inst.secretName("do", "database", "password"))
		user, db, scheme := "doadmin", "defaultdb", "postgresql"
		switch strings.ToLower(engine) {
		case "mysql":
			scheme = "mysql"
		case "redis", "valkey":
			user, db, scheme = "default", "", "rediss"
		case "mongodb":
			scheme, db = "mongodb", "admin"
		}
		uri := fmt.Sprintf("%s://%s:%s@%s:%d", scheme, user, pw, n, port)
		if db != "" {
			uri += "/" + db
		}
		out = map[string]cty.Value{"host": text(n), "private_host": text(n), "port": cty.NumberIntVal(int64(port)),
			"user": text(user), "password": text(pw), "database": text(db), "uri": text(uri), "private_uri": text(uri), "id": id}
	case "digitalocean_database_user":
		return map[string]cty.Value{"password": text(e.secrets.token(inst.secretName("do", "user", "password")))}
	case "google_sql_user":
		return nil
	}
	return out
}

// lookup is the attributes of the managed resource of type typ whose id or
// identifier is want, as a data source reading it would see them.
func (e *evaluator) lookup(typ, want string) map[string]cty.Value {
	for _, s := range e.scopes {
		for r, st := range s.res {
			if r.data || r.typ != typ {
				continue
			}
			for _, o := range st.insts {
				id, _ := str(get(o.val, "id"))
				ident, _ := str(get(o.val, "identifier"))
				cluster, _ := str(get(o.val, "cluster_identifier"))
				if want != id && want != ident && want != cluster {
					continue
				}
				if o.val.IsKnown() && !o.val.IsNull() && o.val.Type().IsObjectType() {
					return o.val.AsValueMap()
				}
			}
		}
	}
	return nil
}

// engineSpec is what a backing resource says it runs.
type engineSpec struct {
	managed    manifest.Managed
	mapEngine  string // what stacks.MapManaged is asked
	mapVersion string
	family     string // "postgres", "mysql", "mariadb", "redis", "memcached", "rabbitmq", "mongo", "" for none
}

// versionAttrs are the attributes resources write their engine version in.
var versionAttrs = []string{"engine_version", "major_engine_version", "database_version", "redis_version", "kafka_version", "elasticsearch_version", "version"}

var familyRE = regexp.MustCompile(`^([a-z-]*?)(\d[\d.]*)$`)

// backingService makes the service a backing resource instance stands for;
// false (with a warning) when parity cannot run it.
func (e *evaluator) backingService(inst *instance) (manifest.Service, bool) {
	r, w := inst.r, inst.val
	l := e.l
	written := func(name string) string { s, _ := str(get(w, name)); return s }
	spec := engineSpec{managed: manifest.Managed{Provider: r.typ}}
	set := func(engine, version, mapEngine, mapVersion string) {
		spec.managed.Engine, spec.managed.Version = engine, version
		spec.mapEngine, spec.mapVersion = mapEngine, mapVersion
	}
	var user, password, database cty.Value
	var redisAuth cty.Value
	switch r.typ {
	case "aws_db_instance", "aws_rds_cluster":
		engine := written("engine")
		if engine == "" && isSet(get(w, "replicate_source_db")) {
			l.warn("%s: %s is a read replica; parity runs its source database only", l.line(r.defRange), r.addr())
			return manifest.Service{}, false
		}
		if engine == "" {
			if r.typ == "aws_rds_cluster" {
				engine = "aurora" // the provider's default: Aurora MySQL 5.6 compatible
			} else if !isSet(get(w, "engine")) {
				l.warn("%s: %s names no engine; not run (set engine)", l.line(r.defRange), r.addr())
				return manifest.Service{}, false
			}
		}
		if !get(w, "engine").IsKnown() {
			l.warn("%s; not run", inst.explain("engine"))
			return manifest.Service{}, false
		}
		version := written("engine_version")
		// Aurora MySQL writes "8.0.mysql_aurora.3.05.2": MySQL 8.0, Aurora release 3.05.2.
		mysqlVersion, _, _ := strings.Cut(version, ".mysql_aurora.")
		set(engine, version, strings.TrimPrefix(engine, "aurora-"), mysqlVersion)
		if engine == "aurora" {
			spec.mapEngine = "mysql"
		}
		if version == "" {
			if fam, where := e.parameterFamily(inst); fam != "" {
				if m := familyRE.FindStringSubmatch(fam); m != nil {
					spec.mapVersion = m[2]
					spec.managed.Note = fmt.Sprintf("version from the parameter group family %q (%s)", fam, where)
				}
			}
		}
		if r.typ == "aws_db_instance" {
			user, password, database = get(w, "username"), secretAttr(w, "password"), get(w, "db_name")
		} else {
			user, password, database = get(w, "master_username"), secretAttr(w, "master_password"), get(w, "database_name")
		}
	case "aws_docdb_cluster":
		set(cmpOr(written("engine"), "docdb"), written("engine_version"), "docdb", written("engine_version"))
		user, password = get(w, "master_username"), secretAttr(w, "master_password")
	case "aws_elasticache_replication_group", "aws_elasticache_cluster", "aws_elasticache_serverless_cache":
		if r.typ == "aws_elasticache_cluster" && isSet(get(w, "replication_group_id")) {
			return manifest.Service{}, false // a member of a replication group, which is the service
		}
		engine := written("engine")
		if engine == "" && r.typ == "aws_elasticache_replication_group" {
			engine = "redis"
		}
		version := written("engine_version")
		if r.typ == "aws_elasticache_serverless_cache" {
			version = written("major_engine_version")
		}
		set(engine, version, engine, version)
		if tok := get(w, "auth_token"); isSet(tok) {
			redisAuth = tok
		}
	case "aws_mq_broker":
		engine := written("engine_type")
		if !strings.EqualFold(engine, "rabbitmq") {
			l.warn("%s: %s runs %s; parity runs RabbitMQ brokers only", l.line(r.defRange), r.addr(), cmpOr(engine, "an engine it cannot evaluate"))
			return manifest.Service{}, false
		}
		set(engine, written("engine_version"), "rabbitmq", written("engine_version"))
		user, password = get(w, "user", 0, "username"), get(w, "user", 0, "password")
	case "aws_opensearch_domain", "aws_elasticsearch_domain":
		v := written("engine_version")
		engine, version := "OpenSearch", v
		if r.typ == "aws_elasticsearch_domain" {
			engine, version = "Elasticsearch", written("elasticsearch_version")
		}
		if before, after, ok := strings.Cut(v, "_"); ok {
			engine, version = before, after
		}
		set(engine, version, strings.ToLower(engine), version)
	case "aws_msk_cluster":
		set("kafka", written("kafka_version"), "kafka", written("kafka_version"))
	case "google_sql_database_instance":
		dv := written("database_version")
		set(dv, "", "", dv)
		user, password, database = e.linked(inst, "google_sql_user", "google_sql_database", "instance", written("name"))
		if root := secretAttr(w, "root_password"); isSet(root) && !isSet(password) {
			password = root
		}
	case "google_redis_instance":
		v := written("redis_version")
		set("redis", v, "redis", strings.ReplaceAll(strings.TrimPrefix(strings.ToUpper(v), "REDIS_"), "_", "."))
		if isTrue(get(w, "auth_enabled")) {
			redisAuth = get(w, "auth_string")
		}
	case "azurerm_postgresql_flexible_server", "azurerm_mysql_flexible_server":
		engine := "postgres"
		dbType := "azurerm_postgresql_flexible_server_database"
		if r.typ == "azurerm_mysql_flexible_server" {
			engine, dbType = "mysql", "azurerm_mysql_flexible_database"
		}
		set(engine, written("version"), engine, written("version"))
		user, password = get(w, "administrator_login"), secretAttr(w, "administrator_password")
		_, _, database = e.linked(inst, "", dbType, "server_id", localID(inst))
	case "azurerm_postgresql_server", "azurerm_mysql_server", "azurerm_mariadb_server":
		// Azure Database single servers, retired in 2025 but still described
		// by many configurations: the same engines as flexible servers.
		engine := strings.TrimSuffix(strings.TrimPrefix(r.typ, "azurerm_"), "_server")
		dbType := "azurerm_" + engine + "_database"
		if engine == "postgresql" {
			engine = "postgres"
		}
		set(engine, written("version"), engine, written("version"))
		user, password = get(w, "administrator_login"), secretAttr(w, "administrator_login_password")
		_, _, database = e.linked(inst, "", dbType, "server_name", written("name"))
	case "azurerm_redis_cache":
		set("redis", written("redis_version"), "redis", written("redis_version"))
		redisAuth = get(w, "primary_access_key")
	case "digitalocean_database_cluster":
		engine := written("engine")
		mapEngine := engine
		switch engine {
		case "pg":
			mapEngine = "postgres"
		case "mongodb":
			mapEngine = "mongo"
		}
		set(engine, written("version"), mapEngine, written("version"))
		switch mapEngine {
		case "redis", "valkey":
			redisAuth = get(w, "password")
		default:
			user, password, database = get(w, "user"), get(w, "password"), get(w, "database")
			if u, p, d := e.linked(inst, "digitalocean_database_user", "digitalocean_database_db", "cluster_id", localID(inst)); isSet(d) {
				database = d
				if isSet(u) {
					user, password = u, p
				}
			}
		}
	default:
		return manifest.Service{}, false
	}

	for _, attr := range versionAttrs {
		if v := get(w, attr); isSet(v) && !v.IsKnown() {
			l.warn("%s; parity runs the newest image of %s (pin one for %q in parity.yaml)", inst.explain(attr), cmpOr(spec.mapEngine, "the engine"), inst.name)
		}
	}
	if !e.withoutUnset(inst, &spec) {
		return manifest.Service{}, false
	}
	img, err := stacks.MapManaged(spec.mapEngine, spec.mapVersion)
	if err != nil {
		l.warn("%s: %s: %v; not run (pin an image for %q in parity.yaml)", l.line(r.defRange), r.addr(), err, inst.name)
		return manifest.Service{}, false
	}
	if img.Note != "" {
		spec.managed.Note = strings.TrimPrefix(spec.managed.Note+"; "+img.Note, "; ")
	}
	managed := spec.managed
	svc := manifest.Service{
		Name:    inst.name,
		Image:   img.Image,
		Origin:  l.line(r.defRange),
		Managed: &managed,
	}
	env := map[string]manifest.Value{}
	put := func(key string, v cty.Value, what string) {
		if !isSet(v) {
			return
		}
		val, ok := e.valueOf(v)
		if !ok {
			l.warn("%s; %s of %s is left to parity", inst.explain(what), key, inst.name)
			return
		}
		if val != nil {
			env[key] = val
		}
	}
	switch {
	case img.Kind == "postgres":
		put("POSTGRES_USER", user, "username")
		put("POSTGRES_PASSWORD", password, "password")
		put("POSTGRES_DB", database, "db_name")
	case img.Kind == "mysql":
		prefix := "MYSQL_"
		if strings.HasPrefix(img.Image, "mariadb") {
			prefix = "MARIADB_"
		}
		if u, _ := str(user); u != "root" {
			put(prefix+"USER", user, "username")
			put(prefix+"PASSWORD", password, "password")
		}
		put(prefix+"ROOT_PASSWORD", password, "password")
		put(prefix+"DATABASE", database, "db_name")
	case img.Kind == "rabbitmq":
		put("RABBITMQ_DEFAULT_USER", user, "user")
		put("RABBITMQ_DEFAULT_PASS", password, "user")
	case img.Kind == "mongo":
		put("MONGO_INITDB_ROOT_USERNAME", user, "master_username")
		put("MONGO_INITDB_ROOT_PASSWORD", password, "master_password")
	case img.Kind == "redis" && isSet(redisAuth):
		if val, ok := e.valueOf(redisAuth); ok && val != nil {
			svc.Command = []manifest.Value{manifest.Text("redis-server"), manifest.Text("--requirepass"), val}
		} else if !ok {
			l.warn("%s; %s runs without a password", inst.explain("auth_token"), inst.name)
		}
	}
	if len(env) > 0 {
		svc.Environment = env
	}
	return svc, true
}

// withoutUnset takes out of spec the variables nothing sets here (a root
// variable without a default, as modules take database_version): the
// engine a Cloud SQL version names is kept, the version is left to
// MapManaged's default, and a warning names the variable. It reports false
// (with a warning) when the engine itself is such a variable.
func (e *evaluator) withoutUnset(inst *instance, spec *engineSpec) bool {
	strip := e.secrets.strip
	where := e.l.line(inst.r.defRange)
	engine, engineVars := strip(spec.mapEngine)
	if len(engineVars) > 0 {
		e.l.warn("%s: the engine of %s is %s, which nothing sets here (no default, .tfvars file or environment variable); not run (set it in a .tfvars file parity.yaml names, or pin an image for %q)",
			where, inst.r.addr(), strings.Join(engineVars, ", "), inst.name)
		return false
	}
	version, versionVars := strip(spec.mapVersion)
	if len(versionVars) == 0 {
		return true
	}
	// Cloud SQL's "POSTGRES_${var.version}" still names the engine.
	if named := strings.TrimRight(version, "_"); engine == "" && prefixEngine.MatchString(named) {
		engine = strings.ToLower(named)
	}
	if engine == "" {
		// Cloud SQL's database_version = var.database_version names both.
		e.l.warn("%s: the engine and version of %s are %s, which nothing sets here (no default, .tfvars file or environment variable); not run (set it in a .tfvars file parity.yaml names, or pin an image for %q)",
			where, inst.r.addr(), strings.Join(versionVars, ", "), inst.name)
		return false
	}
	spec.mapEngine, spec.mapVersion = engine, ""
	managedEngine, _ := strip(spec.managed.Engine)
	spec.managed.Engine = cmpOr(strings.TrimRight(managedEngine, "_"), engine)
	spec.managed.Version = ""
	e.l.warn("%s: the version of %s is %s, which nothing sets here (no default, .tfvars file or environment variable); parity runs the newest image of %s (set it in a .tfvars file parity.yaml names, or pin an image for %q)",
		where, inst.r.addr(), strings.Join(versionVars, ", "), cmpOr(engine, "the engine"), inst.name)
	return true
}

// prefixEngine is the engine part of a Cloud SQL or Memorystore version.
var prefixEngine = regexp.MustCompile(`(?i)^(postgres|mysql|sqlserver|redis|valkey|memcache)$`)

// secretAttr is a secret attribute, or its write-only form (password_wo,
// Terraform 1.11 and AWS provider 5.x): the write-only one is never kept in
// state, and modules such as terraform-aws-modules/rds pass the password
// only that way when they do not let RDS manage it.
func secretAttr(w cty.Value, name string) cty.Value {
	if v := get(w, name); isSet(v) {
		return v
	}
	return get(w, name+"_wo")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// valueOf turns an evaluated attribute into a Value: nil for null, false
// when parity could not evaluate it.
func (e *evaluator) valueOf(v cty.Value) (manifest.Value, bool) {
	if !isSet(v) {
		return nil, true
	}
	s, ok := str(v)
	if !ok {
		return nil, false
	}
	return e.secrets.value(s)
}

// parameterFamily finds the family of the DB parameter group an RDS
// resource uses (by name, else the only group in the configuration), and
// where that group is defined.
func (e *evaluator) parameterFamily(inst *instance) (family, where string) {
	groupTypes := []string{"aws_db_parameter_group"}
	attr := "parameter_group_name"
	if inst.r.typ == "aws_rds_cluster" {
		groupTypes = []string{"aws_rds_cluster_parameter_group", "aws_db_parameter_group"}
		attr = "db_cluster_parameter_group_name"
	}
	want, named := str(get(inst.val, attr))
	var only []*instance
	for _, s := range e.scopes {
		for _, st := range s.res {
			for _, g := range st.insts {
				if g.r.data || !slices.Contains(groupTypes, g.r.typ) {
					continue
				}
				fam, ok := str(get(g.val, "family"))
				if !ok {
					continue
				}
				if name, _ := str(get(g.val, "name")); named && name == want {
					return fam, e.l.line(g.r.defRange)
				}
				only = append(only, g)
			}
		}
	}
	if len(only) == 1 {
		fam, _ := str(get(only[0].val, "family"))
		return fam, e.l.line(only[0].r.defRange)
	}
	return "", ""
}

// linked finds the user and database resources that belong to a server
// (google_sql_user and google_sql_database by instance name, Azure and
// DigitalOcean databases by server id): the first of each, by address.
func (e *evaluator) linked(inst *instance, userType, dbType, attr, want string) (user, password, database cty.Value) {
	if want == "" {
		return
	}
	var users, dbs []*instance
	for _, s := range e.scopes {
		for _, st := range s.res {
			for _, o := range st.insts {
				if v, _ := str(get(o.val, attr)); o.r.data || v != want {
					continue
				}
				switch o.r.typ {
				case userType:
					users = append(users, o)
				case dbType:
					dbs = append(dbs, o)
				}
			}
		}
	}
	byAddr := func(a, b *instance) int { return strings.Compare(a.r.addr()+a.name, b.r.addr()+b.name) }
	slices.SortFunc(users, byAddr)
	slices.SortFunc(dbs, byAddr)
	if len(users) > 0 {
		user, password = get(users[0].val, "name"), secretAttr(users[0].val, "password")
	}
	if len(dbs) > 0 {
		database = get(dbs[0].val, "name")
	}
	return
}
