package connstr

import (
	"slices"
	"testing"
)

// fields is what a parsed string reports, for table comparisons.
type fields struct {
	form     Form
	scheme   string
	hosts    []Host
	user     string
	hasUser  bool
	password string
	hasPass  bool
	database string
}

func fieldsOf(c *Conn) fields {
	u, hu := c.User()
	p, hp := c.Password()
	return fields{form: c.Form(), scheme: c.Scheme(), hosts: c.Hosts(), user: u, hasUser: hu,
		password: p, hasPass: hp, database: c.Database()}
}

func (f fields) equal(g fields) bool {
	return f.form == g.form && f.scheme == g.scheme && slices.Equal(f.hosts, g.hosts) && f.user == g.user &&
		f.hasUser == g.hasUser && f.password == g.password && f.hasPass == g.hasPass && f.database == g.database
}

func hp(name string, port int) Host { return Host{Name: name, Port: port, HasPort: true} }
func h(name string) Host            { return Host{Name: name} }

func TestParseFields(t *testing.T) {
	tests := []struct {
		in   string
		want fields
	}{
		// URLs, with the passwords production interpolates unescaped.
		{"postgres://app:${DB_PASSWORD}@db:5432/app", fields{URL, "postgres", []Host{hp("db", 5432)}, "app", true, "${DB_PASSWORD}", true, "app"}},
		{"postgres://app:dev/pass#1@db:5432/app", fields{URL, "postgres", []Host{hp("db", 5432)}, "app", true, "dev/pass#1", true, "app"}},
		{"postgres://app:p@ss@db:5432/app", fields{URL, "postgres", []Host{hp("db", 5432)}, "app", true, "p@ss", true, "app"}},
		{"postgres://app:a:b@db/app", fields{URL, "postgres", []Host{h("db")}, "app", true, "a:b", true, "app"}},
		{"postgres://app:50%off@db/app", fields{URL, "postgres", []Host{h("db")}, "app", true, "50%off", true, "app"}},
		{"postgres://app:my pass@db/app", fields{URL, "postgres", []Host{h("db")}, "app", true, "my pass", true, "app"}},
		{"postgres://app:x?y@db/app", fields{URL, "postgres", []Host{h("db")}, "app", true, "x?y", true, "app"}},
		{"postgres://app:a@b/c@db/app", fields{URL, "postgres", []Host{h("db")}, "app", true, "a@b/c", true, "app"}},
		{"postgres://app:p%40ss%2F1@db/my%20db", fields{URL, "postgres", []Host{h("db")}, "app", true, "p@ss/1", true, "my db"}},
		{"postgres://db/app?user=me@corp&sslmode=require", fields{URL, "postgres", []Host{h("db")}, "me@corp", true, "", false, "app"}},
		{"postgres://u:p@[::1]:5432/app", fields{URL, "postgres", []Host{hp("::1", 5432)}, "u", true, "p", true, "app"}},
		{"postgresql+psycopg://u:p@db/app", fields{URL, "postgresql+psycopg", []Host{h("db")}, "u", true, "p", true, "app"}},
		{"mongodb+srv://u:p@cluster0.example.net/app?retryWrites=true", fields{URL, "mongodb+srv", []Host{h("cluster0.example.net")}, "u", true, "p", true, "app"}},
		{"mongodb://u:p@m1:27017,m2:27017/app?replicaSet=rs0", fields{URL, "mongodb", []Host{hp("m1", 27017), hp("m2", 27017)}, "u", true, "p", true, "app"}},
		{"mysql2://root:pw@mysql:3306/app", fields{URL, "mysql2", []Host{hp("mysql", 3306)}, "root", true, "pw", true, "app"}},
		{"rediss://:pw@redis:6380/0", fields{URL, "rediss", []Host{hp("redis", 6380)}, "", false, "pw", true, "0"}},
		{"amqps://guest:guest@rabbit/%2f", fields{URL, "amqps", []Host{h("rabbit")}, "guest", true, "guest", true, "/"}},
		{"redis://10.0.0.5:6379", fields{URL, "redis", []Host{hp("10.0.0.5", 6379)}, "", false, "", false, ""}},
		{"PLAINTEXT://kafka:9092", fields{URL, "PLAINTEXT", []Host{hp("kafka", 9092)}, "", false, "", false, ""}},
		// URLs that name no server.
		{"sqlite:///dev.db", fields{URL, "sqlite", nil, "", false, "", false, "dev.db"}},
		{"redis:///0", fields{URL, "redis", nil, "", false, "", false, "0"}},
		{"postgres://u:p@/app?host=/var/run/postgresql", fields{URL, "postgres", nil, "u", true, "p", true, "app"}},
		// JDBC.
		{"jdbc:postgresql://db:5432/app?user=app&password=x", fields{JDBC, "postgresql", []Host{hp("db", 5432)}, "app", true, "x", true, "app"}},
		{"jdbc:postgresql://db1:5432,db2:5433/app", fields{JDBC, "postgresql", []Host{hp("db1", 5432), hp("db2", 5433)}, "", false, "", false, "app"}},
		{"jdbc:mysql://app:s3cret@mysql:3306/app?useSSL=false", fields{JDBC, "mysql", []Host{hp("mysql", 3306)}, "app", true, "s3cret", true, "app"}},
		{"jdbc:mysql:replication://a:3306,b:3306/app", fields{JDBC, "mysql:replication", []Host{hp("a", 3306), hp("b", 3306)}, "", false, "", false, "app"}},
		{"jdbc:mariadb://maria/app?user=u&password=p%26q", fields{JDBC, "mariadb", []Host{h("maria")}, "u", true, "p&q", true, "app"}},
		{"jdbc:sqlserver://db:1433;databaseName=app;user=sa;password={a;b}}c};encrypt=false", fields{JDBC, "sqlserver", []Host{hp("db", 1433)}, "sa", true, "a;b}c", true, "app"}},
		{`jdbc:sqlserver://db\SQLEXPRESS;database=app;userName=sa`, fields{JDBC, "sqlserver", []Host{h("db")}, "sa", true, "", false, "app"}},
		// libpq key-value.
		{"host=db port=5432 dbname=app user=app password=secret", fields{KeyValue, "", []Host{hp("db", 5432)}, "app", true, "secret", true, "app"}},
		{`host = db dbname=app password='x y\'z\\' sslmode=require`, fields{KeyValue, "", []Host{h("db")}, "", false, `x y'z\`, true, "app"}},
		{"host=a,b port=5432,5433 dbname=app", fields{KeyValue, "", []Host{hp("a", 5432), hp("b", 5433)}, "", false, "", false, "app"}},
		{"host=a,b port=5432", fields{KeyValue, "", []Host{hp("a", 5432), hp("b", 5432)}, "", false, "", false, ""}},
		{"hostaddr=10.0.0.5 port=5432", fields{KeyValue, "", []Host{hp("10.0.0.5", 5432)}, "", false, "", false, ""}},
		{"host=/var/run/postgresql dbname=app", fields{KeyValue, "", nil, "", false, "", false, "app"}},
		{"password= ", fields{KeyValue, "", nil, "", false, "", true, ""}},
		// ADO.NET.
		{"Host=db;Port=5432;Username=app;Password=x;Database=app", fields{ADONet, "", []Host{hp("db", 5432)}, "app", true, "x", true, "app"}},
		{"Server=db,1433;Initial Catalog=app;User ID=sa;Password=\"a;\"\"b\";", fields{ADONet, "", []Host{hp("db", 1433)}, "sa", true, `a;"b`, true, "app"}},
		{"server=tcp:db, 1433; uid=sa; pwd='it''s'", fields{ADONet, "", []Host{hp("db", 1433)}, "sa", true, "it's", true, ""}},
		{`Data Source=db\SQLEXPRESS;Initial Catalog=app;Integrated Security=true`, fields{ADONet, "", []Host{h("db")}, "", false, "", false, "app"}},
		{"Server=db:5432;User Name=app;DB=app", fields{ADONet, "", []Host{hp("db", 5432)}, "app", true, "", false, "app"}},
		{"Server=a,b;Port=3306;UserID=u;Database=app", fields{ADONet, "", []Host{hp("a", 3306), hp("b", 3306)}, "u", true, "", false, "app"}},
		{"  Host = db ; Password =  spaced value  ;", fields{ADONet, "", []Host{h("db")}, "", false, "spaced value", true, ""}},
		{"Data Source=app.db;Cache=Shared", fields{ADONet, "", nil, "", false, "", false, ""}},
		{"Server=db", fields{ADONet, "", []Host{h("db")}, "", false, "", false, ""}},
		// HostPort and lists.
		{"db", fields{HostPort, "", []Host{h("db")}, "", false, "", false, ""}},
		{"memcached:11211", fields{HostPort, "", []Host{hp("memcached", 11211)}, "", false, "", false, ""}},
		{"[::1]:5432", fields{HostPort, "", []Host{hp("::1", 5432)}, "", false, "", false, ""}},
		{"fe80::1", fields{HostPort, "", []Host{h("fe80::1")}, "", false, "", false, ""}},
		{"kafka:9092,kafka2:9092", fields{List, "", []Host{hp("kafka", 9092), hp("kafka2", 9092)}, "", false, "", false, ""}},
		{" kafka:9092 , kafka2 ", fields{List, "", []Host{hp("kafka", 9092), h("kafka2")}, "", false, "", false, ""}},
		{"nats://a:4222,nats://b:4222", fields{List, "nats", []Host{hp("a", 4222), hp("b", 4222)}, "", false, "", false, ""}},
		{"amqp://u:p@a, amqp://u:p@b/vh", fields{List, "amqp", []Host{h("a"), h("b")}, "u", true, "p", true, ""}},
	}
	for _, tt := range tests {
		c, ok := Parse(tt.in)
		if !ok {
			t.Errorf("Parse(%q) not ok", tt.in)
			continue
		}
		if got := fieldsOf(c); !got.equal(tt.want) {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
		if got := c.String(); got != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, got)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, s := range []string{"", " ", "5432", "1.5", "/var/run/x.sock", "./app.db", "hello world",
		`{"host":"db"}`, "-v", "a,,b", "a,", "file:dev.db", `C:\data\app.db`, "db:notaport", "db:99999",
		"FOO=bar", "LOG=debug;LEVEL=3", "postgres://app:dev/pass", "x://a b", "3redis://db", "jdbc:postgresql:app",
		"host='unterminated", "Server=\"unterminated", "[::1", "[nothex]:1"} {
		if c, ok := Parse(s); ok {
			t.Errorf("Parse(%q) = %v %v, want not ok", s, c.Form(), c.Hosts())
		}
	}
}

func TestParseStrict(t *testing.T) {
	// Words and host:port are hosts only under a host-like key.
	for _, s := range []string{"redis", "true", "production", "http", "db:5432", "redis:7", "kafka:9092,kafka2:9092", "a,b"} {
		if _, ok := Parse(s); !ok {
			t.Errorf("Parse(%q) not ok", s)
		}
		if c, ok := ParseStrict(s); ok {
			t.Errorf("ParseStrict(%q) = %v, want not ok", s, c.Form())
		}
	}
	for _, s := range []string{"postgres://db/app", "jdbc:mysql://db/app", "host=db", "Server=db;Database=x", "nats://a,nats://b"} {
		c, ok := ParseStrict(s)
		if !ok {
			t.Errorf("ParseStrict(%q) not ok", s)
			continue
		}
		if c2, _ := Parse(s); c2.Form() != c.Form() {
			t.Errorf("%q: Parse form %v, ParseStrict form %v", s, c2.Form(), c.Form())
		}
	}
}

// local is what the engine does to point a value at a local container.
type edit func(*Conn)

func setHost(i int, name string, port int) edit {
	return func(c *Conn) { c.SetHost(i, name, port) }
}
func setAllHosts(name string, port int) edit {
	return func(c *Conn) {
		for i := range c.Hosts() {
			c.SetHost(i, name, port)
		}
	}
}
func setUser(u string) edit           { return func(c *Conn) { c.SetUser(u) } }
func setPassword(p string) edit       { return func(c *Conn) { c.SetPassword(p) } }
func setDatabase(d string) edit       { return func(c *Conn) { c.SetDatabase(d) } }
func setParam(k, v string) edit       { return func(c *Conn) { c.SetParam(k, v) } }
func deleteParam(k string) edit       { return func(c *Conn) { c.DeleteParam(k) } }
func setScheme(s string) edit         { return func(c *Conn) { c.SetScheme(s) } }
func clearPassword() edit             { return func(c *Conn) { c.ClearPassword() } }
func clearUser() edit                 { return func(c *Conn) { c.ClearUser() } }
func dedup() edit                     { return func(c *Conn) { c.DedupHosts() } }
func edits(es ...edit) []edit         { return es }
func params(c *Conn, k string) string { v, _ := c.Param(k); return v }

func TestRewrite(t *testing.T) {
	tests := []struct {
		in    string
		edits []edit
		want  string
	}{
		// URLs: credentials are percent-encoded, everything else kept.
		{"postgres://app:${DB_PASSWORD}@db:5432/app", edits(setHost(0, "127.0.0.1", 15432), setPassword("s3cr/t@x #%")),
			"postgres://app:s3cr%2Ft%40x%20%23%25@127.0.0.1:15432/app"},
		{"postgres://app:dev/pass#1@db:5432/app?sslmode=require&application_name=web", edits(setHost(0, "127.0.0.1", 15432), setPassword("dev"), setParam("sslmode", "disable")),
			"postgres://app:dev@127.0.0.1:15432/app?sslmode=disable&application_name=web"},
		{"postgres://app:pw@db/app#frag", edits(setParam("sslmode", "disable")), "postgres://app:pw@db/app?sslmode=disable#frag"},
		{"postgres://app:pw@db/app?", edits(setParam("sslmode", "disable")), "postgres://app:pw@db/app?sslmode=disable"},
		{"postgres://app:pw@db/app?ssl=true&x=1", edits(deleteParam("ssl")), "postgres://app:pw@db/app?x=1"},
		{"postgres://app:pw@db/app?ssl=true", edits(deleteParam("ssl")), "postgres://app:pw@db/app"},
		{"rediss://:pw@redis:6380/0", edits(setScheme("redis"), setHost(0, "127.0.0.1", 16379)), "redis://:pw@127.0.0.1:16379/0"},
		{"redis://redis:6379", edits(setPassword("pw")), "redis://:pw@redis:6379"},
		{"redis://redis:6379", edits(setUser("default"), setPassword("p:w")), "redis://default:p%3Aw@redis:6379"},
		{"postgres://app:x@db/app", edits(clearPassword()), "postgres://app@db/app"},
		{"redis://:x@redis", edits(clearPassword()), "redis://redis"},
		{"redis://u:x@redis", edits(clearUser()), "redis://:x@redis"},
		{"postgres://db:5432", edits(setDatabase("app")), "postgres://db:5432/app"},
		{"mongodb://m:27017/?replicaSet=x", edits(setDatabase("my app")), "mongodb://m:27017/my%20app?replicaSet=x"},
		{"postgres://db/app?user=me@corp", edits(setUser("app"), setPassword("pw")), "postgres://db/app?user=app&password=pw"},
		{"postgres://u:p@[2001:db8::1]:5432/app", edits(setHost(0, "::1", 15432)), "postgres://u:p@[::1]:15432/app"},
		{"postgres://u:p@db/app", edits(setHost(0, "localhost", 0)), "postgres://u:p@localhost/app"},
		// Several hosts pointed at one local server are given once.
		{"mongodb://u:p@m1:27017,m2:27017/app?replicaSet=rs0", edits(setAllHosts("127.0.0.1", 27017), dedup()),
			"mongodb://u:p@127.0.0.1:27017/app?replicaSet=rs0"},
		{"nats://a:4222,nats://b:4222", edits(setAllHosts("127.0.0.1", 14222), dedup()), "nats://127.0.0.1:14222"},
		{"nats://a:4222, nats://b:4222", edits(setHost(1, "127.0.0.1", 14222)), "nats://a:4222, nats://127.0.0.1:14222"},
		{"amqp://u:p@a,amqp://u:p@b", edits(setPassword("new")), "amqp://u:new@a,amqp://u:new@b"},
		{"kafka:9092, kafka2:9092", edits(setHost(0, "127.0.0.1", 19092), setHost(1, "127.0.0.1", 19093)), "127.0.0.1:19092, 127.0.0.1:19093"},
		{"kafka:9092, kafka2:9092", edits(setAllHosts("127.0.0.1", 19092), dedup()), "127.0.0.1:19092"},
		{"memcached:11211", edits(setHost(0, "127.0.0.1", 21211), setPassword("ignored")), "127.0.0.1:21211"},
		{"db", edits(setHost(0, "::1", 5432)), "[::1]:5432"},
		// JDBC: credentials where the driver reads them.
		{"jdbc:postgresql://db:5432/app?user=app&password=x", edits(setHost(0, "127.0.0.1", 15432), setPassword("a&b c")),
			"jdbc:postgresql://127.0.0.1:15432/app?user=app&password=a%26b%20c"},
		{"jdbc:postgresql://db:5432/app", edits(setUser("app"), setPassword("pw"), setParam("ssl", "false")),
			"jdbc:postgresql://db:5432/app?user=app&password=pw&ssl=false"},
		{"jdbc:mysql://app:old@mysql:3306/app", edits(setPassword("n@w")), "jdbc:mysql://app:n%40w@mysql:3306/app"},
		{"jdbc:sqlserver://db:1433;databaseName=app;user=sa;password=x;", edits(setHost(0, "127.0.0.1", 11433), setPassword("a;b}")),
			"jdbc:sqlserver://127.0.0.1:11433;databaseName=app;user=sa;password={a;b}}};"},
		{`jdbc:sqlserver://db\SQLEXPRESS;databaseName=app`, edits(setHost(0, "127.0.0.1", 11433), setUser("sa"), setParam("Encrypt", "false")),
			"jdbc:sqlserver://127.0.0.1:11433;databaseName=app;user=sa;Encrypt=false"},
		{"jdbc:sqlserver://db:1433", edits(setDatabase("app")), "jdbc:sqlserver://db:1433;databaseName=app"},
		{"jdbc:sqlserver://db:1433;encrypt=true", edits(setParam("ENCRYPT", "false")), "jdbc:sqlserver://db:1433;encrypt=false"},
		// libpq: quoted when needed, port added after host.
		{"host=db port=5432 dbname=app user=app password=secret sslmode=require", edits(setHost(0, "127.0.0.1", 15432), setPassword(`x y'z\`), setParam("sslmode", "disable")),
			`host=127.0.0.1 port=15432 dbname=app user=app password='x y\'z\\' sslmode=disable`},
		{"host=db dbname=app", edits(setHost(0, "127.0.0.1", 15432), setUser("app"), setPassword("")),
			"host=127.0.0.1 port=15432 dbname=app user=app password=''"},
		{"host=a,b port=5432", edits(setHost(1, "127.0.0.1", 15432)), "host=a,127.0.0.1 port=5432,15432"},
		{"host=a,b port=5432", edits(setAllHosts("127.0.0.1", 15432), dedup()), "host=127.0.0.1 port=15432"},
		{"host=db hostaddr=10.0.0.5 port=5432", edits(setHost(0, "127.0.0.1", 15432)), "host=127.0.0.1 port=15432"},
		{"hostaddr=10.0.0.5 port=5432", edits(setHost(0, "127.0.0.1", 15432)), "hostaddr=127.0.0.1 port=15432"},
		{"host=db password=", edits(setUser("app")), "host=db password='' user=app"},
		{"password=x host=db", edits(clearPassword()), "host=db"},
		// ADO.NET: keys keep their spelling and order, values quoted per .NET.
		{"Host=db;Port=5432;Username=app;Password=x;Database=app", edits(setHost(0, "127.0.0.1", 15432), setPassword("a;b"), setParam("SSL Mode", "Disable")),
			`Host=127.0.0.1;Port=15432;Username=app;Password="a;b";Database=app;SSL Mode=Disable`},
		{"Host=db;SslMode=Require;", edits(setParam("SSL Mode", "Disable"), setUser("app"), setPassword(`say "hi"`)),
			`Host=db;SslMode=Disable;User ID=app;Password="say ""hi""";`},
		{"Server=tcp:db,1433;Initial Catalog=app;User ID=sa;Password=x", edits(setHost(0, "127.0.0.1", 11433), setPassword(" lead")),
			`Server=tcp:127.0.0.1,11433;Initial Catalog=app;User ID=sa;Password=" lead"`},
		{`Data Source=db\SQLEXPRESS;Initial Catalog=app`, edits(setHost(0, "127.0.0.1", 11433)), "Data Source=127.0.0.1,11433;Initial Catalog=app"},
		{"Server=db;Database=app;Uid=root", edits(setHost(0, "127.0.0.1", 13306)), "Server=127.0.0.1;Port=13306;Database=app;Uid=root"},
		{"Server=db:5432;Database=app", edits(setHost(0, "127.0.0.1", 15432)), "Server=127.0.0.1:15432;Database=app"},
		{"Host=a,b;Port=5432", edits(setHost(0, "127.0.0.1", 15432)), "Host=127.0.0.1:15432,b:5432"},
		{"Host=a, b;Port=5432", edits(setAllHosts("127.0.0.1", 15432), dedup()), "Host=127.0.0.1:15432"},
		{"Host=db;Password=x;Pwd=y", edits(clearPassword()), "Host=db"},
		{"Host=db;Database=", edits(setDatabase("app")), "Host=db;Database=app"},
	}
	for _, tt := range tests {
		c, ok := Parse(tt.in)
		if !ok {
			t.Errorf("Parse(%q) not ok", tt.in)
			continue
		}
		for _, e := range tt.edits {
			e(c)
		}
		if got := c.String(); got != tt.want {
			t.Errorf("%q edited:\n got %q\nwant %q", tt.in, got, tt.want)
			continue
		}
		// What was written reads back as what the accessors report.
		c2, ok := Parse(c.String())
		if !ok {
			t.Errorf("%q edited to %q, which does not parse", tt.in, c.String())
			continue
		}
		if a, b := fieldsOf(c), fieldsOf(c2); !a.equal(b) {
			t.Errorf("%q edited to %q:\n reports %+v\nreparses %+v", tt.in, c.String(), a, b)
		}
	}
}

func TestParam(t *testing.T) {
	tests := []struct{ in, key, want string }{
		{"postgres://db/app?sslmode=require&x=a%20b", "x", "a b"},
		{"postgres://db/app?sslmode=require", "sslmode", "require"},
		{"jdbc:sqlserver://db;Encrypt=true", "encrypt", "true"},
		{"host=db sslmode='verify full'", "sslmode", "verify full"},
		{"Host=db;SSL Mode=Require", "sslmode", "Require"},
		{"Host=db;sslmode=Require", "SSL Mode", "Require"},
		{"nats://a?x=1,nats://b?x=2", "x", "1"},
	}
	for _, tt := range tests {
		c, ok := Parse(tt.in)
		if !ok {
			t.Errorf("Parse(%q) not ok", tt.in)
			continue
		}
		if got, ok := c.Param(tt.key); !ok || got != tt.want {
			t.Errorf("%q Param(%q) = %q %v, want %q", tt.in, tt.key, got, ok, tt.want)
		}
	}
	c, _ := Parse("postgres://db/app?sslmode=require")
	if v, ok := c.Param("SSLMODE"); ok {
		t.Errorf("URL query keys are exact, got %q for SSLMODE", v)
	}
	if got := params(c, "missing"); got != "" {
		t.Errorf("missing param = %q", got)
	}
}

func TestMasked(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://app:dev/pass#1@db:5432/app", "postgres://app:****@db:5432/app"},
		{"redis://:pw@redis:6379/0", "redis://:****@redis:6379/0"},
		{"postgres://app@db/app", "postgres://app@db/app"},
		{"jdbc:postgresql://db/app?user=app&password=x&sslpassword=y", "jdbc:postgresql://db/app?user=app&password=****&sslpassword=****"},
		{"jdbc:sqlserver://db;user=sa;password={a;b}", "jdbc:sqlserver://db;user=sa;password=****"},
		{"host=db user=app password='x y'", "host=db user=app password=****"},
		{"Host=db;Username=app;Pwd=\"a;b\";", "Host=db;Username=app;Pwd=****;"},
		{"amqp://u:p@a,amqp://u:q@b", "amqp://u:****@a,amqp://u:****@b"},
		{"kafka:9092", "kafka:9092"},
	}
	for _, tt := range tests {
		c, ok := Parse(tt.in)
		if !ok {
			t.Errorf("Parse(%q) not ok", tt.in)
			continue
		}
		if got := c.Masked(); got != tt.want {
			t.Errorf("Masked(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if c.String() != tt.in {
			t.Errorf("Masked changed the Conn: %q", c.String())
		}
	}
}

func TestSetHostOutOfRange(t *testing.T) {
	c, _ := Parse("sqlite:///dev.db")
	defer func() {
		if recover() == nil {
			t.Error("SetHost on a string with no hosts did not panic")
		}
	}()
	c.SetHost(0, "127.0.0.1", 1)
}
