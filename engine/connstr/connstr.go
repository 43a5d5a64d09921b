// Package connstr reads and rewrites the connection strings an app is
// configured with, in every form apps write them: URLs
// (postgres://app:pw@db:5432/app), JDBC URLs, libpq key-value strings
// (host=db port=5432), ADO.NET strings (Host=db;Port=5432;Username=app), a
// bare host or host:port, and comma lists of those.
//
// parity points these values at local containers. Production values are
// written for drivers, not for net/url: an interpolated password may hold
// any of / # ? @ : % or a space, and a URL may name several hosts. So the
// parser is lenient on input, and the writer is exact: a value nothing was
// changed in serialises back byte for byte, and a field that was set is
// escaped or quoted the way that form's drivers read it back.
package connstr

import (
	"fmt"
	"strings"
)

// Form is the syntax a connection string is written in.
type Form int

const (
	// URL is scheme://[user[:password]@]host[:port][,host[:port]...][/path][?query][#fragment].
	URL Form = iota + 1
	// JDBC is jdbc:subprotocol://..., with the query or (SQL Server) a ;key=value list.
	JDBC
	// KeyValue is libpq's "host=db port=5432 dbname=app" form.
	KeyValue
	// ADONet is the .NET "Host=db;Port=5432;Username=app" form (Npgsql, MySqlConnector, SqlClient).
	ADONet
	// HostPort is a bare host, host:port or [v6]:port.
	HostPort
	// List is a comma list of URLs, or of hosts and host:ports.
	List
)

func (f Form) String() string {
	switch f {
	case URL:
		return "URL"
	case JDBC:
		return "JDBC"
	case KeyValue:
		return "KeyValue"
	case ADONet:
		return "ADONet"
	case HostPort:
		return "HostPort"
	case List:
		return "List"
	}
	return fmt.Sprintf("Form(%d)", int(f))
}

// Host is one server a connection string names. Name is a DNS name or an
// IP address (IPv6 without brackets). HasPort is false when no port is
// written for it, so the driver's default applies; Port is then 0.
type Host struct {
	Name    string
	Port    int
	HasPort bool
}

// Conn is a parsed connection string. Its setters change only the part
// they name; String writes everything else exactly as it was read.
type Conn struct {
	form        Form
	lead, trail string // whitespace around the value, kept for String
	b           body
}

// body is one form's parsed representation.
type body interface {
	str() string
	clone() body
	hosts() []Host
	setHost(i int, h Host)
	dedup()
	scheme() string
	setScheme(string)
	user() (string, bool)
	setUser(string)
	clearUser()
	password() (string, bool)
	setPassword(string)
	clearPassword()
	database() string
	setDatabase(string)
	param(key string) (string, bool)
	setParam(key, value string)
	deleteParam(key string)
	mask()
}

// Parse recognises s as a connection string in any supported form,
// including a bare word or host:port (HostPort) and comma lists of them.
// ok is false when s is none of them: a path, a number, a sentence, JSON.
// A bare word is a host only where the variable says so (DB_HOST=db); use
// ParseStrict for values whose key does not.
//
// A URL's password may be written unescaped: its userinfo ends at the last
// "@" that is followed by a valid host list and then the end, "/", "?" or
// "#", so "postgres://app:dev/pass#1@db:5432/app" has password "dev/pass#1".
// An "@" in the query ("postgres://db/app?user=a@b") does not end it.
func Parse(s string) (c *Conn, ok bool) { return parse(s, false) }

// ParseStrict recognises only the forms that cannot be mistaken for
// ordinary words: URL, JDBC, KeyValue, ADONet and lists of URLs. "redis",
// "production" or "redis:7" are not connection strings here.
//
// A URL with no host (sqlite:///dev.db, redis:///0) parses, with no Hosts:
// it names no server, but its password can still be masked.
func ParseStrict(s string) (c *Conn, ok bool) { return parse(s, true) }

func parse(s string, strict bool) (*Conn, bool) {
	core, lead, trail := trimSpace(s)
	if core == "" {
		return nil, false
	}
	c := &Conn{lead: lead, trail: trail}
	if b, ok := parseURLList(core); ok {
		c.form, c.b = List, b
		return c, true
	}
	if b, ok := parseURL(core); ok {
		c.form, c.b = URL, b
		if b.jdbc != "" {
			c.form = JDBC
		}
		return c, true
	}
	if b, ok := parseKeyValue(core); ok {
		c.form, c.b = KeyValue, b
		return c, true
	}
	if b, ok := parseADO(core); ok {
		c.form, c.b = ADONet, b
		return c, true
	}
	if strict {
		return nil, false
	}
	if b, ok := parseHostPort(core); ok {
		c.form, c.b = HostPort, b
		return c, true
	}
	if b, ok := parseHostList(core); ok {
		c.form, c.b = List, b
		return c, true
	}
	return nil, false
}

// Form is the syntax the string is written in. A List that DedupHosts left
// with one item is written as that item, and reports its form.
func (c *Conn) Form() Form {
	if l, ok := c.b.(*listBody); ok && len(l.items) == 1 {
		return l.items[0].form
	}
	return c.form
}

// String writes the connection string: the input byte for byte, with
// the parts that were set replaced.
func (c *Conn) String() string { return c.lead + c.b.str() + c.trail }

// Masked is String with every password (and secret-looking option such
// as sslpassword) replaced by ****, for showing the value to a person.
func (c *Conn) Masked() string {
	m := c.clone()
	m.b.mask()
	return m.String()
}

func (c *Conn) clone() *Conn {
	return &Conn{form: c.form, lead: c.lead, trail: c.trail, b: c.b.clone()}
}

// Scheme is the URL scheme (postgres, rediss, mongodb+srv) or, for JDBC,
// the subprotocol after "jdbc:" (postgresql, sqlserver); "" for other forms.
// In a List it is the first item's.
func (c *Conn) Scheme() string { return c.b.scheme() }

// SetScheme replaces the scheme (rediss -> redis when the local server has
// no TLS). It is written as given; other forms ignore it.
func (c *Conn) SetScheme(s string) { c.b.setScheme(s) }

// Hosts lists the servers the string names, in order. It is empty when the
// string names none (sqlite:///dev.db, host=/var/run/postgresql).
func (c *Conn) Hosts() []Host { return c.b.hosts() }

// SetHost points the i-th host of Hosts at name:port; port <= 0 writes no
// port. i must be less than len(Hosts()). name must be a host name or an
// IP address: IPv6 is bracketed where the form needs it, nothing else is
// escaped. In KeyValue and ADONet strings, where one port key serves every
// host, a host set without a port still reports that shared port.
//
// What names the old server beside the host goes with it: a SQL Server
// instance (db\SQLEXPRESS, not part of Host.Name; the local server is a
// default instance reached by its port) and libpq's hostaddr when host is
// also given (libpq would connect to hostaddr).
func (c *Conn) SetHost(i int, name string, port int) {
	n := len(c.b.hosts())
	if i < 0 || i >= n {
		panic(fmt.Sprintf("connstr: SetHost(%d) on %d hosts", i, n))
	}
	h := Host{Name: name}
	if port > 0 {
		h.Port, h.HasPort = port, true
	}
	c.b.setHost(i, h)
}

// DedupHosts drops every host equal to an earlier one, and in a List every
// item that became equal to an earlier one: after several hosts were
// pointed at the same local address, the driver should be given it once.
func (c *Conn) DedupHosts() { c.b.dedup() }

// User is the user name the string carries, decoded, and whether one is
// written: in the URL userinfo, a user= query or ;user= property, or a
// user key. An empty user before a password (redis://:pw@host) is none.
// In a List it is the first item's.
func (c *Conn) User() (string, bool) { return c.b.user() }

// SetUser writes the user name, escaped or quoted for the form, where the
// string keeps its credentials (adding it there when absent). HostPort
// strings carry no credentials and ignore it; in a List every item is set.
func (c *Conn) SetUser(u string) { c.b.setUser(u) }

// ClearUser removes the user name wherever the string carries it.
func (c *Conn) ClearUser() { c.b.clearUser() }

// Password is the password the string carries, decoded, and whether one
// is written.
func (c *Conn) Password() (string, bool) { return c.b.password() }

// SetPassword writes the password like SetUser writes the user.
func (c *Conn) SetPassword(p string) { c.b.setPassword(p) }

// ClearPassword removes the password wherever the string carries it, for a
// local server that takes none.
func (c *Conn) ClearPassword() { c.b.clearPassword() }

// Database is the database the string names, decoded: the URL path without
// its leading slash (for Redis the DB number, for AMQP the vhost), JDBC
// databaseName, libpq dbname, ADO.NET Database or Initial Catalog. "" when
// none is named.
func (c *Conn) Database() string { return c.b.database() }

// SetDatabase writes the database name, adding it when absent.
func (c *Conn) SetDatabase(db string) { c.b.setDatabase(db) }

// Param is an option's decoded value and whether it is present: the URL or
// JDBC query (exact key), JDBC ;properties and ADO.NET keys (any case, and
// ADO.NET ignores spaces: "SSL Mode" is "sslmode"), libpq keys (exact).
func (c *Conn) Param(key string) (string, bool) { return c.b.param(key) }

// SetParam sets an option (sslmode=disable, ssl=false), replacing its value
// where it is written and appending it otherwise.
func (c *Conn) SetParam(key, value string) { c.b.setParam(key, value) }

// DeleteParam removes an option wherever it is written.
func (c *Conn) DeleteParam(key string) { c.b.deleteParam(key) }

// secretKey reports whether an option's value should be hidden by Masked.
func secretKey(key string) bool {
	k := strings.ToLower(key)
	return k == "pwd" || strings.Contains(k, "password") || strings.Contains(k, "secret") || strings.Contains(k, "token")
}

const mask = "****"

// trimSpace splits the surrounding ASCII whitespace off s.
func trimSpace(s string) (core, lead, trail string) {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j], s[:i], s[j:]
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
