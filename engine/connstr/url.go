package connstr

import (
	"slices"
	"strings"
)

// urlBody is a URL or JDBC URL, kept as the raw text of each part.
type urlBody struct {
	jdbc     string // "jdbc:" as written, "" for a plain URL
	schm     string // scheme, or the JDBC subprotocol (postgresql, mysql:replication)
	hasUI    bool   // userinfo and its "@" are written
	userRaw  string // raw
	hasPass  bool
	passRaw  string // raw
	toks     []hostTok
	path     string // raw, "" or from its "/"
	hasProps bool   // JDBC ";key=value" properties follow the hosts
	props    []prop
	hasQuery bool
	query    []qparam
	hasFrag  bool
	frag     string
}

// qparam is one "&"-separated query item, raw.
type qparam struct {
	key, val string
	eq       bool
}

// prop is one ";"-separated JDBC property, raw; kv is false for text without "=".
type prop struct {
	key, val string
	kv       bool
}

// splitScheme splits "scheme://rest" or "jdbc:sub://rest".
func splitScheme(s string) (jdbc, scheme, rest string, ok bool) {
	i := strings.Index(s, "://")
	if i < 0 {
		return "", "", "", false
	}
	scheme, rest = s[:i], s[i+3:]
	colon := false
	if len(scheme) > 5 && strings.EqualFold(scheme[:5], "jdbc:") {
		jdbc, scheme, colon = scheme[:5], scheme[5:], true
	}
	if scheme == "" || !isLetter(scheme[0]) {
		return "", "", "", false
	}
	for i := 1; i < len(scheme); i++ {
		c := scheme[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' || c == '_' || colon && c == ':') {
			return "", "", "", false
		}
	}
	return jdbc, scheme, rest, true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// parseURL reads a URL or JDBC URL.
//
// Passwords are interpolated into URLs unescaped, so the userinfo ends at
// the last "@" that is followed by a valid host list and then the end, "/",
// "?" or "#" (and ";" in JDBC): "app:dev/pass#1@db:5432/app" is user app,
// password "dev/pass#1". One exception keeps an "@" inside the query from
// being read as the userinfo's end: an "@" is skipped when an earlier
// reading of the URL is also valid and puts that "@" after its "?" (or a
// JDBC ";"): "postgres://db/app?user=a@b" names host db.
func parseURL(s string) (*urlBody, bool) {
	jdbc, scheme, rest, ok := splitScheme(s)
	if !ok {
		return nil, false
	}
	terms, queryStarts := "/?#", "?"
	noUserinfo := false
	if jdbc != "" {
		terms, queryStarts = "/?#;", "?;"
		// SQL Server's JDBC URL has no userinfo (credentials are
		// properties) and its host may name an instance.
		noUserinfo = strings.Contains(strings.ToLower(scheme), "sqlserver")
	}
	// hostEnd is where a valid host list starting at from ends, or -1.
	hostEnd := func(from int) int {
		t := from
		for t < len(rest) && rest[t] != '@' && strings.IndexByte(terms, rest[t]) < 0 {
			t++
		}
		if t < len(rest) && rest[t] == '@' {
			return -1
		}
		if _, ok := parseHostTokens(rest[from:t], noUserinfo); !ok {
			return -1
		}
		return t
	}
	type cand struct{ at, end int } // at: the userinfo's "@", -1 for none
	var cands []cand
	if e := hostEnd(0); e >= 0 {
		cands = append(cands, cand{-1, e})
	}
	if !noUserinfo {
		for p := strings.IndexByte(rest, '@'); p >= 0; {
			if e := hostEnd(p + 1); e >= 0 {
				cands = append(cands, cand{p, e})
			}
			next := strings.IndexByte(rest[p+1:], '@')
			if next < 0 {
				break
			}
			p += 1 + next
		}
	}
	if len(cands) == 0 {
		return nil, false
	}
	chosen := cands[0]
choose:
	for k := len(cands) - 1; k >= 0; k-- {
		for _, q := range cands[:k] {
			if strings.ContainsAny(rest[q.end:cands[k].at], queryStarts) {
				continue choose
			}
		}
		chosen = cands[k]
		break
	}

	b := &urlBody{jdbc: jdbc, schm: scheme}
	hostStart := 0
	if chosen.at >= 0 {
		b.hasUI = true
		b.userRaw, b.passRaw, b.hasPass = strings.Cut(rest[:chosen.at], ":")
		hostStart = chosen.at + 1
	}
	b.toks, _ = parseHostTokens(rest[hostStart:chosen.end], noUserinfo)
	tail := rest[chosen.end:]
	if jdbc != "" && strings.HasPrefix(tail, ";") {
		b.hasProps, b.props = true, parseProps(tail[1:])
		return b, true
	}
	if noUserinfo && tail != "" {
		return nil, false // SQL Server's driver reads no path, query or fragment
	}
	if i := strings.IndexAny(tail, "?#"); i >= 0 {
		b.path, tail = tail[:i], tail[i:]
	} else {
		b.path, tail = tail, ""
	}
	if strings.HasPrefix(tail, "?") {
		q := tail[1:]
		if i := strings.IndexByte(q, '#'); i >= 0 {
			q, tail = q[:i], q[i:]
		} else {
			tail = ""
		}
		b.hasQuery, b.query = true, parseQuery(q)
	}
	if strings.HasPrefix(tail, "#") {
		b.hasFrag, b.frag = true, tail[1:]
	}
	return b, true
}

func parseQuery(q string) []qparam {
	var ps []qparam
	for _, item := range strings.Split(q, "&") {
		k, v, eq := strings.Cut(item, "=")
		ps = append(ps, qparam{key: k, val: v, eq: eq})
	}
	return ps
}

// parseProps splits JDBC properties at ";", reading a value in braces
// ({a;b}, with "}}" for "}") as SQL Server's driver does.
func parseProps(s string) []prop {
	var ps []prop
	for {
		i := strings.IndexAny(s, "=;")
		if i < 0 || s[i] == ';' {
			if i < 0 {
				return append(ps, prop{key: s})
			}
			ps = append(ps, prop{key: s[:i]})
			s = s[i+1:]
			continue
		}
		key, v := s[:i], s[i+1:]
		end := 0
		if t := strings.TrimLeft(v, " "); strings.HasPrefix(t, "{") {
			e, _ := braceEnd(t)
			end = len(v) - len(t) + e
		}
		if j := strings.IndexByte(v[end:], ';'); j >= 0 {
			ps = append(ps, prop{key: key, val: v[:end+j], kv: true})
			s = v[end+j+1:]
			continue
		}
		return append(ps, prop{key: key, val: v, kv: true})
	}
}

// braceEnd is the index just past the "}" closing the brace value t starts
// with; closed is false when it is unterminated and runs to the end.
func braceEnd(t string) (end int, closed bool) {
	for j := 1; j < len(t); j++ {
		if t[j] == '}' {
			if j+1 < len(t) && t[j+1] == '}' {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return len(t), false
}

func decodeProp(v string) string {
	t := strings.TrimLeft(v, " ")
	if !strings.HasPrefix(t, "{") {
		return v
	}
	inner := t[1:]
	if e, closed := braceEnd(t); closed {
		inner = t[1 : e-1]
	}
	return strings.ReplaceAll(inner, "}}", "}")
}

func encodeProp(v string) string {
	if v == "" || !strings.ContainsAny(v, ";{}") && strings.TrimSpace(v) == v {
		return v
	}
	return "{" + strings.ReplaceAll(v, "}", "}}") + "}"
}

func (b *urlBody) str() string {
	var s strings.Builder
	s.WriteString(b.jdbc)
	s.WriteString(b.schm)
	s.WriteString("://")
	if b.hasUI {
		s.WriteString(b.userRaw)
		if b.hasPass {
			s.WriteString(":")
			s.WriteString(b.passRaw)
		}
		s.WriteString("@")
	}
	s.WriteString(joinTokens(b.toks))
	s.WriteString(b.path)
	if b.hasProps {
		s.WriteString(";")
		for i, p := range b.props {
			if i > 0 {
				s.WriteString(";")
			}
			s.WriteString(p.key)
			if p.kv {
				s.WriteString("=")
				s.WriteString(p.val)
			}
		}
	}
	if b.hasQuery {
		s.WriteString("?")
		for i, p := range b.query {
			if i > 0 {
				s.WriteString("&")
			}
			s.WriteString(p.key)
			if p.eq {
				s.WriteString("=")
				s.WriteString(p.val)
			}
		}
	}
	if b.hasFrag {
		s.WriteString("#")
		s.WriteString(b.frag)
	}
	return s.String()
}

func (b *urlBody) clone() body {
	c := *b
	c.toks = slices.Clone(b.toks)
	c.props = slices.Clone(b.props)
	c.query = slices.Clone(b.query)
	return &c
}

func (b *urlBody) hosts() []Host { return tokHosts(b.toks) }

func (b *urlBody) setHost(i int, h Host) { b.toks[i] = hostTok{raw: formatHost(h, ":"), h: h} }

func (b *urlBody) dedup() { b.toks = dedupTokens(b.toks) }

func (b *urlBody) scheme() string { return b.schm }

func (b *urlBody) setScheme(s string) { b.schm = s }

// propsMode: the credentials, database and options are ;properties.
func (b *urlBody) propsMode() bool {
	return b.hasProps || b.jdbc != "" && strings.Contains(strings.ToLower(b.schm), "sqlserver")
}

// Where credentials live: the userinfo when written; otherwise the
// properties or the query (JDBC drivers read user= and password= there, and
// libpq URIs may); a plain URL without any gets a userinfo.
const (
	inUserinfo = iota
	inQuery
	inProps
)

func (b *urlBody) credPlace() int {
	switch {
	case b.hasUI:
		return inUserinfo
	case b.propsMode():
		return inProps
	case b.jdbc != "":
		return inQuery
	}
	if _, ok := b.queryGet("user"); ok {
		return inQuery
	}
	if _, ok := b.queryGet("password"); ok {
		return inQuery
	}
	return inUserinfo
}

var (
	propUser     = []string{"user", "userName"}
	propPassword = []string{"password"}
	propDatabase = []string{"databaseName", "database"}
)

func (b *urlBody) user() (string, bool) {
	switch b.credPlace() {
	case inUserinfo:
		return percentDecode(b.userRaw), b.hasUI && b.userRaw != ""
	case inProps:
		return b.propGet(propUser...)
	}
	return b.queryGet("user")
}

func (b *urlBody) setUser(u string) {
	switch b.credPlace() {
	case inUserinfo:
		b.hasUI, b.userRaw = true, percentEncode(u)
	case inProps:
		b.propSet(u, propUser...)
	default:
		b.querySet("user", u)
	}
}

func (b *urlBody) clearUser() {
	if b.hasUI {
		b.userRaw = ""
		b.hasUI = b.hasPass
	}
	b.propDelete(propUser...)
	b.queryDelete("user")
}

func (b *urlBody) password() (string, bool) {
	switch b.credPlace() {
	case inUserinfo:
		return percentDecode(b.passRaw), b.hasPass
	case inProps:
		return b.propGet(propPassword...)
	}
	return b.queryGet("password")
}

func (b *urlBody) setPassword(p string) {
	switch b.credPlace() {
	case inUserinfo:
		b.hasUI, b.hasPass, b.passRaw = true, true, percentEncode(p)
	case inProps:
		b.propSet(p, propPassword...)
	default:
		b.querySet("password", p)
	}
}

func (b *urlBody) clearPassword() {
	if b.hasPass {
		b.hasPass, b.passRaw = false, ""
		b.hasUI = b.userRaw != ""
	}
	b.propDelete(propPassword...)
	b.queryDelete("password")
}

func (b *urlBody) database() string {
	if b.propsMode() {
		v, _ := b.propGet(propDatabase...)
		return v
	}
	return percentDecode(strings.TrimPrefix(b.path, "/"))
}

func (b *urlBody) setDatabase(db string) {
	switch {
	case b.propsMode():
		b.propSet(db, propDatabase...)
	case db == "" && b.path == "":
	default:
		b.path = "/" + percentEncode(db)
	}
}

func (b *urlBody) param(key string) (string, bool) {
	if b.propsMode() {
		return b.propGet(key)
	}
	return b.queryGet(key)
}

func (b *urlBody) setParam(key, value string) {
	if b.propsMode() {
		b.propSet(value, key)
		return
	}
	b.querySet(key, value)
}

func (b *urlBody) deleteParam(key string) {
	b.propDelete(key)
	b.queryDelete(key)
}

func (b *urlBody) mask() {
	if b.hasPass {
		b.passRaw = mask
	}
	for i, p := range b.query {
		if p.eq && secretKey(percentDecode(p.key)) {
			b.query[i].val = mask
		}
	}
	for i, p := range b.props {
		if p.kv && secretKey(strings.TrimSpace(p.key)) {
			b.props[i].val = mask
		}
	}
}

// queryGet is the decoded value of the last key= in the query.
func (b *urlBody) queryGet(key string) (string, bool) {
	for i := len(b.query) - 1; i >= 0; i-- {
		if p := b.query[i]; percentDecode(p.key) == key {
			return percentDecode(p.val), true
		}
	}
	return "", false
}

func (b *urlBody) querySet(key, value string) {
	v := percentEncode(value)
	for i := len(b.query) - 1; i >= 0; i-- {
		if percentDecode(b.query[i].key) == key {
			b.query[i].val, b.query[i].eq = v, true
			return
		}
	}
	p := qparam{key: percentEncode(key), val: v, eq: true}
	if len(b.query) == 1 && b.query[0] == (qparam{}) {
		b.query = nil // a bare "?" had nothing in it
	}
	b.hasQuery, b.query = true, append(b.query, p)
}

func (b *urlBody) queryDelete(key string) {
	if !b.hasQuery {
		return
	}
	b.query = slices.DeleteFunc(b.query, func(p qparam) bool { return percentDecode(p.key) == key })
	b.hasQuery = len(b.query) > 0
}

func (b *urlBody) propIndex(keys ...string) int {
	for i := len(b.props) - 1; i >= 0; i-- {
		if p := b.props[i]; p.kv && slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(strings.TrimSpace(p.key), k) }) {
			return i
		}
	}
	return -1
}

func (b *urlBody) propGet(keys ...string) (string, bool) {
	if i := b.propIndex(keys...); i >= 0 {
		return decodeProp(b.props[i].val), true
	}
	return "", false
}

// propSet writes value under the first of keys that is present, or
// appends keys[0]; a trailing ";" stays last.
func (b *urlBody) propSet(value string, keys ...string) {
	v := encodeProp(value)
	if i := b.propIndex(keys...); i >= 0 {
		b.props[i].val = v
		return
	}
	p := prop{key: keys[0], val: v, kv: true}
	if n := len(b.props); n > 0 && b.props[n-1].kv {
		// An unterminated {value} runs to the end: close it, or it
		// would swallow the property added after it.
		last := &b.props[n-1]
		if t := strings.TrimLeft(last.val, " "); strings.HasPrefix(t, "{") {
			if _, closed := braceEnd(t); !closed {
				last.val = encodeProp(decodeProp(last.val))
			}
		}
	}
	if n := len(b.props); n > 0 && b.props[n-1] == (prop{}) {
		b.props = slices.Insert(b.props, n-1, p)
	} else {
		b.props = append(b.props, p)
	}
	b.hasProps = true
}

func (b *urlBody) propDelete(keys ...string) {
	for i := b.propIndex(keys...); i >= 0; i = b.propIndex(keys...) {
		b.props = slices.Delete(b.props, i, i+1)
	}
	if len(b.props) == 0 || len(b.props) == 1 && b.props[0] == (prop{}) {
		b.hasProps, b.props = false, nil
	}
}
