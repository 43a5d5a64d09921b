package connstr

import (
	"slices"
	"strconv"
	"strings"
)

// adoBody is an ADO.NET connection string (Npgsql, MySqlConnector,
// SqlClient): "Host=db;Port=5432;Username=app;Password=x". Keys are matched
// ignoring case and spaces, through the synonyms those drivers accept, and
// are written back as spelled; the last of a repeated key wins, as in .NET.
type adoBody struct {
	segs []adoSeg
}

// adoSeg is the text between two ";" as written. For a key=value, pre is
// the whitespace before the key, mid the "=" with the whitespace around it
// and post the whitespace after the value; val is raw (quotes included).
// A segment with no "=" is only whitespace (";;" or a trailing ";").
type adoSeg struct {
	pre, key, mid, val, post string
	kv                       bool
}

// Key groups, normalised by adoNorm.
var (
	adoServer   = []string{"server", "host", "datasource", "address", "addr", "networkaddress"}
	adoPort     = []string{"port"}
	adoUser     = []string{"userid", "username", "uid", "user"}
	adoPassword = []string{"password", "pwd"}
	adoDatabase = []string{"database", "initialcatalog", "db"}
	// adoSQLServer are keys only SqlClient uses: such a string takes its
	// port as "Server=host,1433", and has no Port key.
	adoSQLServer = []string{"initialcatalog", "trustedconnection", "multipleactiveresultsets",
		"applicationintent", "multisubnetfailover", "attachdbfilename", "encrypt"}
)

func adoNorm(key string) string { return strings.ToLower(strings.ReplaceAll(key, " ", "")) }

// parseADO reads a string as .NET's DbConnectionStringBuilder does: a
// value may be wrapped in double or single quotes (the quote doubled
// inside), otherwise it runs to the next ";" and is trimmed. It must use at
// least one server, port, user, password or database key to be read as one.
// Keys with "=" in them ("a==b") are not supported.
func parseADO(s string) (*adoBody, bool) {
	b := &adoBody{}
	known := false
	i := 0
	for {
		var g adoSeg
		start := i
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		g.pre = s[start:i]
		ks := i
		for i < len(s) && s[i] != ';' && s[i] != '=' {
			i++
		}
		if i == len(s) || s[i] == ';' {
			if i > ks { // text with no "="
				return nil, false
			}
		} else {
			g.kv = true
			ke := i
			for ke > ks && isSpace(s[ke-1]) {
				ke--
			}
			g.key = s[ks:ke]
			if !validADOKey(g.key) {
				return nil, false
			}
			ms := ke
			i++
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			g.mid = s[ms:i]
			vs := i
			if i < len(s) && (s[i] == '"' || s[i] == '\'') {
				q := s[i]
				for i++; ; i++ {
					if i >= len(s) {
						return nil, false
					}
					if s[i] == q {
						if i+1 < len(s) && s[i+1] == q {
							i++
							continue
						}
						i++
						break
					}
				}
				g.val = s[vs:i]
				ps := i
				for i < len(s) && isSpace(s[i]) {
					i++
				}
				if i < len(s) && s[i] != ';' {
					return nil, false
				}
				g.post = s[ps:i]
			} else {
				for i < len(s) && s[i] != ';' {
					i++
				}
				ve := i
				for ve > vs && isSpace(s[ve-1]) {
					ve--
				}
				g.val, g.post = s[vs:ve], s[ve:i]
			}
			n := adoNorm(g.key)
			known = known || slices.Contains(adoServer, n) || slices.Contains(adoPort, n) ||
				slices.Contains(adoUser, n) || slices.Contains(adoPassword, n) || slices.Contains(adoDatabase, n)
		}
		b.segs = append(b.segs, g)
		if i == len(s) {
			break
		}
		i++ // the ";"
	}
	return b, known
}

// validADOKey accepts the keys drivers define: words, with spaces, "_",
// "." or "-". It keeps "a://b=c;..." from being read as ADO.NET.
func validADOKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(isLetter(c) || c >= '0' && c <= '9' || c == ' ' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func adoDecode(raw string) string {
	if len(raw) >= 2 && (raw[0] == '"' || raw[0] == '\'') {
		q := raw[:1]
		return strings.ReplaceAll(raw[1:len(raw)-1], q+q, q)
	}
	return raw
}

// adoEncode quotes a value the way .NET writes one back: in double quotes,
// with " doubled, when it holds ";", a quote, "=" or surrounding spaces.
//
// A value with a backslash goes in single quotes instead: libpq's
// key=value form reads a backslash as an escape, so `user=\;` would read
// back as libpq's user ";", while in single quotes it can only be ADO.NET's.
func adoEncode(v string) string {
	if strings.Contains(v, `\`) {
		return `'` + strings.ReplaceAll(v, `'`, `''`) + `'`
	}
	if v == "" || !strings.ContainsAny(v, `;"'=`) && strings.TrimFunc(v, func(r rune) bool { return r < 128 && isSpace(byte(r)) }) == v {
		return v
	}
	return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
}

func (b *adoBody) str() string {
	var s strings.Builder
	for i, g := range b.segs {
		if i > 0 {
			s.WriteString(";")
		}
		s.WriteString(g.pre + g.key + g.mid + g.val + g.post)
	}
	return s.String()
}

func (b *adoBody) clone() body {
	return &adoBody{segs: slices.Clone(b.segs)}
}

// index is the last segment whose key is in group (normalised keys).
func (b *adoBody) index(group ...string) int {
	for i := len(b.segs) - 1; i >= 0; i-- {
		if g := b.segs[i]; g.kv && slices.Contains(group, adoNorm(g.key)) {
			return i
		}
	}
	return -1
}

func (b *adoBody) get(group ...string) (string, bool) {
	if i := b.index(group...); i >= 0 {
		return adoDecode(b.segs[i].val), true
	}
	return "", false
}

// set writes value under the group's key, or adds key=value after the
// segment at index after (-1: last, before a trailing ";").
func (b *adoBody) set(key, value string, after int, group ...string) {
	v := adoEncode(value)
	defer b.keepForm()
	if i := b.index(group...); i >= 0 {
		b.segs[i].val = v
		return
	}
	g := adoSeg{key: key, mid: "=", val: v, kv: true}
	switch n := len(b.segs); {
	case after >= 0 && after < n-1:
		b.segs = slices.Insert(b.segs, after+1, g)
	case n > 0 && !b.segs[n-1].kv:
		b.segs = slices.Insert(b.segs, n-1, g)
	default:
		b.segs = append(b.segs, g)
	}
}

func (b *adoBody) del(group ...string) {
	for i := b.index(group...); i >= 0; i = b.index(group...) {
		b.segs = slices.Delete(b.segs, i, i+1)
	}
	b.keepForm()
}

// keepForm adds a trailing ";" when an edit left a string that would read
// as libpq: "host=db" once ";Password=x" is gone.
func (b *adoBody) keepForm() {
	if _, ok := parseKeyValue(b.str()); ok {
		b.segs = append(b.segs, adoSeg{})
	}
}

// adoHost is one entry of the server list: prefix is a protocol such as
// "tcp:", instance a SQL Server "\NAME", sep the text written before an
// inline port (":" or SqlClient's ",").
type adoHost struct {
	lead, prefix, instance, sep, trail string
	h                                  Host
}

// sqlServer reports whether the string is SqlClient's, which writes the
// port as "host,port" and has no Port key.
func (b *adoBody) sqlServer(hs []adoHost) bool {
	for _, h := range hs {
		if strings.Contains(h.sep, ",") || h.prefix != "" || h.instance != "" {
			return true
		}
	}
	return b.index(adoSQLServer...) >= 0
}

// serverHosts reads the server value: "db", "db:5432", "a,b", "a:1,b:2",
// SQL Server's "db,1433", "tcp:db,1433" and "db\SQLEXPRESS". A file name
// (SQLite's Data Source=app.db) or anything else names no server.
func (b *adoBody) serverHosts() []adoHost {
	v, ok := b.get(adoServer...)
	if !ok {
		return nil
	}
	if strings.ContainsAny(v, `/()`) || strings.Contains(v, ":memory:") {
		return nil
	}
	lv := strings.ToLower(v)
	for _, ext := range []string{".db", ".sqlite", ".sqlite3", ".mdf"} {
		if strings.HasSuffix(lv, ext) {
			return nil
		}
	}
	parts := strings.Split(v, ",")
	if len(parts) == 2 {
		pcore, plead, ptrail := trimSpace(parts[1])
		if p, ok := parsePort(pcore); ok {
			h, ok := parseADOHost(parts[0])
			if !ok || h.h.HasPort {
				return nil
			}
			h.sep, h.trail = h.trail+","+plead, ptrail
			h.h.Port, h.h.HasPort = p, true
			return []adoHost{h}
		}
	}
	var hs []adoHost
	for _, part := range parts {
		h, ok := parseADOHost(part)
		if !ok {
			return nil
		}
		hs = append(hs, h)
	}
	return hs
}

func parseADOHost(s string) (adoHost, bool) {
	var a adoHost
	core, lead, trail := trimSpace(s)
	a.lead, a.trail = lead, trail
	if len(core) > 4 && strings.EqualFold(core[:4], "tcp:") {
		a.prefix, core = core[:4], core[4:]
	}
	if i := strings.IndexByte(core, '\\'); i >= 0 {
		j := strings.IndexByte(core[i:], ':')
		if j < 0 {
			j = len(core) - i
		}
		a.instance = core[i : i+j]
		core = core[:i] + core[i+j:]
		if !validInstance(a.instance[1:]) {
			return a, false
		}
	}
	h, ok := parseHost(core)
	if !ok && validIPv6(core) {
		h, ok = Host{Name: core}, true
	}
	if !ok {
		return a, false
	}
	a.h = h
	if h.HasPort {
		a.sep = ":"
	}
	return a, true
}

func validInstance(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(isLetter(c) || c >= '0' && c <= '9' || c == '_' || c == '$' || c == '-') {
			return false
		}
	}
	return true
}

// hostList is the server list with the Port key applied to the hosts that
// have no port of their own.
func (b *adoBody) hostList() []adoHost {
	hs := b.serverHosts()
	if pv, ok := b.get(adoPort...); ok {
		if p, ok := parsePort(strings.TrimSpace(pv)); ok {
			for i := range hs {
				if !hs[i].h.HasPort {
					hs[i].h.Port, hs[i].h.HasPort = p, true
				}
			}
		}
	}
	return hs
}

func (b *adoBody) hosts() []Host {
	hl := b.hostList()
	if hl == nil {
		return nil
	}
	hs := make([]Host, len(hl))
	for i, h := range hl {
		hs[i] = h.h
	}
	return hs
}

// writeHosts writes the server list and port back. Ports go where the
// string keeps them: inline ("host:port", SqlClient's "host,port") when it
// wrote them so or when the hosts differ in port, else in the Port key,
// added after the server key when absent.
func (b *adoBody) writeHosts(hl []adoHost) {
	sql := b.sqlServer(hl)
	inline := sql
	anyPort, samePort := false, true
	for _, h := range hl {
		inline = inline || h.sep != ""
		anyPort = anyPort || h.h.HasPort
		samePort = samePort && h.h == Host{Name: h.h.Name, Port: hl[0].h.Port, HasPort: hl[0].h.HasPort}
	}
	inline = inline || !samePort
	parts := make([]string, len(hl))
	for i, h := range hl {
		parts[i] = h.lead + h.prefix + formatHost(Host{Name: h.h.Name}, "") + h.instance
		if inline && h.h.HasPort {
			sep := h.sep
			if sep == "" {
				sep = ":"
				if sql && len(hl) == 1 {
					sep = ","
				}
			}
			parts[i] += sep + strconv.Itoa(h.h.Port)
		}
		parts[i] += h.trail
	}
	b.set("Server", strings.Join(parts, ","), -1, adoServer...)
	if inline || !anyPort {
		b.del(adoPort...)
	} else {
		b.set("Port", strconv.Itoa(hl[0].h.Port), b.index(adoServer...), adoPort...)
	}
}

// setHost drops a SQL Server instance name from the host it changes: the
// local server is a default instance, reached by its port.
func (b *adoBody) setHost(i int, h Host) {
	hl := b.hostList()
	hl[i].h, hl[i].instance = h, ""
	b.writeHosts(hl)
}

func (b *adoBody) dedup() {
	hl := b.hostList()
	var out []adoHost
	for _, h := range hl {
		if !slices.ContainsFunc(out, func(o adoHost) bool { return o.h == h.h }) {
			out = append(out, h)
		}
	}
	if len(out) < len(hl) {
		b.writeHosts(out)
	}
}

// Added keys are spelled "User ID", "Password" and "Database", which
// Npgsql, MySqlConnector and SqlClient all accept ("Username" is not one of
// SqlClient's); "Port" is added only to strings that are not SqlClient's.
const adoAddUser = "User ID"

func (b *adoBody) scheme() string           { return "" }
func (b *adoBody) setScheme(string)         {}
func (b *adoBody) user() (string, bool)     { return b.get(adoUser...) }
func (b *adoBody) setUser(u string)         { b.set(adoAddUser, u, -1, adoUser...) }
func (b *adoBody) clearUser()               { b.del(adoUser...) }
func (b *adoBody) password() (string, bool) { return b.get(adoPassword...) }
func (b *adoBody) setPassword(p string)     { b.set("Password", p, -1, adoPassword...) }
func (b *adoBody) clearPassword()           { b.del(adoPassword...) }

func (b *adoBody) database() string {
	v, _ := b.get(adoDatabase...)
	return v
}

func (b *adoBody) setDatabase(db string) { b.set("Database", db, -1, adoDatabase...) }

func (b *adoBody) param(key string) (string, bool) { return b.get(adoNorm(key)) }
func (b *adoBody) setParam(key, value string)      { b.set(key, value, -1, adoNorm(key)) }
func (b *adoBody) deleteParam(key string)          { b.del(adoNorm(key)) }

func (b *adoBody) mask() {
	for i, g := range b.segs {
		if g.kv && secretKey(adoNorm(g.key)) {
			b.segs[i].val = mask
		}
	}
}
