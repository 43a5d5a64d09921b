package connstr

import (
	"testing"
)

// seeds are the examples production manifests hold and the tricky ones.
var seeds = []string{
	"postgres://app:${DB_PASSWORD}@db:5432/app",
	"postgres://app:dev/pass#1@db:5432/app",
	"postgres://app:p@ss@db/app",
	"postgres://app:a:b@db/app",
	"postgres://app:50%off@db/app",
	"postgres://app:my pass@db/app",
	"postgres://app:p%40ss@db/my%20db?sslmode=require#x",
	"postgres://db/app?user=me@corp",
	"postgres://u:p@[::1]:5432/app",
	"postgres://u:p@[fe80::1%25eth0]:5432/app",
	"postgresql+psycopg://u:p@db/app",
	"mongodb+srv://u:p@cluster0.example.net/app?retryWrites=true&w=majority",
	"mongodb://u:p@m1:27017,m2:27017/app?replicaSet=rs0",
	"mysql2://root:pw@mysql:3306/app",
	"rediss://:pw@redis:6380/0",
	"amqps://guest:guest@rabbit/%2f",
	"sqlite:///dev.db",
	"redis:///0",
	"postgres://u:p@/app?host=/var/run/postgresql",
	"jdbc:postgresql://db:5432/app?user=app&password=x",
	"jdbc:postgresql://db1:5432,db2:5433/app?targetServerType=primary",
	"jdbc:mysql://app:s3cret@mysql:3306/app?useSSL=false",
	"jdbc:mariadb://maria/app",
	"jdbc:sqlserver://db:1433;databaseName=app;user=sa;password={a;b}}c};",
	`jdbc:sqlserver://db\SQLEXPRESS;database=app`,
	"host=db port=5432 dbname=app user=app password=secret",
	`host = db dbname=app password='x y\'z\\' sslmode=require`,
	"host=a,b port=5432,5433 dbname=app",
	"host=db hostaddr=10.0.0.5 port=5432",
	"host=db password=",
	"Host=db;Port=5432;Username=app;Password=x;Database=app",
	"ConnectionStrings__Default=Host=db;Port=5432;Username=app;Password=x;Database=app",
	"Server=db,1433;Initial Catalog=app;User ID=sa;Password=\"a;\"\"b\";",
	"server=tcp:db, 1433; uid=sa; pwd='it''s'",
	`Data Source=db\SQLEXPRESS;Initial Catalog=app`,
	"Server=a,b;Port=3306;UserID=u;Database=app",
	"Host=a:5432,b;Port=5433",
	"  Host = db ; Password =  spaced value  ;",
	"Data Source=app.db;Cache=Shared",
	"db", "db:5432", "[::1]:5432", "::1",
	"kafka:9092,kafka2:9092",
	" kafka:9092 , kafka2 ",
	"memcached:11211",
	"nats://a:4222,nats://b:4222",
	"amqp://u:p@a, amqp://u:p@b/vh",
	"a://b=c;Password=x",
	"jdbc:mysql://h;password=a@b",
	"postgres://u@h1/d@h2?q=a@b",
	"redis", "true", "production", "/var/run/x.sock", "http", "5432", "hello world", `{"a":1}`,
}

// FuzzRoundTrip: whatever parses is written back byte for byte, and
// ParseStrict agrees with Parse.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := Parse(s)
		sc, sok := ParseStrict(s)
		if sok && (!ok || sc.Form() != c.Form()) {
			t.Fatalf("ParseStrict(%q) ok as %v, Parse ok=%v", s, sc.Form(), ok)
		}
		if !ok {
			return
		}
		if got := c.String(); got != s {
			t.Fatalf("Parse(%q).String() = %q", s, got)
		}
		_ = c.Masked()
		if got := c.String(); got != s {
			t.Fatalf("Masked changed the Conn: %q", got)
		}
		c2, ok := Parse(s)
		if !ok || !fieldsOf(c).equal(fieldsOf(c2)) {
			t.Fatalf("Parse(%q) is not deterministic", s)
		}
	})
}

// FuzzSetThenParse: after hosts, ports, credentials, database and an
// option are set to arbitrary values, the written string parses back to
// the same fields, in the same form.
func FuzzSetThenParse(f *testing.F) {
	for i, s := range seeds {
		f.Add(s, "app", "p@ss/w:rd #1%", "my db", uint8(i), uint16(15432), uint8(i*37))
	}
	f.Add("postgres://u:p@db/app", "", "", "", uint8(0), uint16(0), uint8(255))
	f.Add("Host=db", `"; x`, `' \`, "{}};", uint8(1), uint16(1), uint8(0x1e))
	names := []string{"127.0.0.1", "localhost", "::1", "db-1", "x_y.local", "10.0.0.1"}
	f.Fuzz(func(t *testing.T, s, user, pass, db string, pick uint8, port uint16, ops uint8) {
		c, ok := Parse(s)
		if !ok {
			return
		}
		form := c.Form()
		for i := range c.Hosts() {
			p := int(port)
			if ops&1 != 0 {
				p += i
			}
			c.SetHost(i, names[(int(pick)+i)%len(names)], p%65536)
		}
		if ops&2 != 0 {
			c.SetUser(user)
		}
		if ops&4 != 0 {
			c.SetPassword(pass)
		} else if ops&32 != 0 {
			c.ClearPassword()
		}
		if ops&8 != 0 {
			c.SetDatabase(db)
		}
		if ops&16 != 0 {
			c.DedupHosts()
		}
		if ops&64 != 0 {
			c.SetParam("sslmode", db)
		}
		if ops&128 != 0 {
			c.ClearUser()
		}
		out := c.String()
		c2, ok := Parse(out)
		if !ok {
			// Clearing the only credential can leave nothing to parse.
			_, hasUser := c.User()
			_, hasPass := c.Password()
			if ops&(32|128) != 0 && len(c.Hosts()) == 0 && !hasUser && !hasPass {
				return
			}
			t.Fatalf("%q edited to %q, which does not parse", s, out)
		}
		if a, b := fieldsOf(c), fieldsOf(c2); !a.equal(b) {
			t.Fatalf("%q edited to %q:\n reports %+v\nreparses %+v", s, out, a, b)
		}
		if v, ok := c.Param("sslmode"); true {
			if v2, ok2 := c2.Param("sslmode"); v != v2 || ok != ok2 {
				t.Fatalf("%q edited to %q: sslmode %q %v, reparsed %q %v", s, out, v, ok, v2, ok2)
			}
		}
		if form == HostPort || form == List && c.Scheme() == "" {
			return
		}
		// The setters took effect where the form carries the field.
		if u, _ := c.User(); ops&2 != 0 && ops&128 == 0 && u != user {
			t.Fatalf("%q: SetUser(%q) then User() = %q (%q)", s, user, u, out)
		}
		if p, ok := c.Password(); ops&4 != 0 && (p != pass || !ok) {
			t.Fatalf("%q: SetPassword(%q) then Password() = %q %v (%q)", s, pass, p, ok, out)
		}
		if d := c.Database(); ops&8 != 0 && d != db {
			t.Fatalf("%q: SetDatabase(%q) then Database() = %q (%q)", s, db, d, out)
		}
	})
}
