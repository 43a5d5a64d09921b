package connstr

import (
	"slices"
	"strconv"
	"strings"
)

// kvBody is a libpq key-value string: "host=db port=5432 dbname=app
// password='x y'". Keys are case-sensitive; the last of a repeated key wins.
type kvBody struct {
	pairs []kvPair
	tail  string // whitespace after the last pair
}

// kvPair is one key=value as written: pre is the whitespace before the
// key, mid the "=" with the whitespace around it, val the raw value.
type kvPair struct {
	pre, key, mid, val string
}

// libpqServerKeys are the keys one of which a string must have to be read
// as libpq rather than as ordinary text with an "=" in it.
var libpqServerKeys = []string{"host", "hostaddr", "port", "dbname", "user", "password"}

// parseKeyValue reads a libpq string as libpq does: whitespace around "="
// is allowed, a value is single-quoted or runs to the next whitespace, and
// a backslash escapes the next character in either. A bare ";" in a value
// is refused: that is an ADO.NET string ("host=db;port=5432").
func parseKeyValue(s string) (*kvBody, bool) {
	b := &kvBody{}
	known := false
	i := 0
	for {
		start := i
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			b.tail = s[start:]
			break
		}
		p := kvPair{pre: s[start:i]}
		ks := i
		for i < len(s) && (isLetter(s[i]) || s[i] >= '0' && s[i] <= '9' || s[i] == '_') {
			i++
		}
		p.key = s[ks:i]
		if p.key == "" {
			return nil, false
		}
		// libpq's keywords are lower case and it refuses any other: "User"
		// or "Host" is .NET's spelling, and a string mixing both would read
		// back as the other form once edited.
		if !slices.Contains(libpqServerKeys, p.key) && slices.ContainsFunc(libpqServerKeys, func(k string) bool { return strings.EqualFold(k, p.key) }) {
			return nil, false
		}
		ms := i
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) || s[i] != '=' {
			return nil, false
		}
		i++
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		p.mid = s[ms:i]
		vs := i
		if i < len(s) && s[i] == '\'' {
			for i++; ; i++ {
				if i >= len(s) {
					return nil, false
				}
				if s[i] == '\\' {
					i++
					continue
				}
				if s[i] == '\'' {
					i++
					break
				}
			}
			if i < len(s) && !isSpace(s[i]) {
				return nil, false
			}
		} else {
			for i < len(s) && !isSpace(s[i]) {
				switch s[i] {
				case '\\':
					i++
				case ';':
					return nil, false
				}
				i++
			}
			i = min(i, len(s))
		}
		p.val = s[vs:i]
		known = known || slices.Contains(libpqServerKeys, p.key)
		b.pairs = append(b.pairs, p)
	}
	return b, known
}

// endsOpen reports whether an unquoted raw value is empty or ends in a
// backslash that escapes nothing.
func endsOpen(raw string) bool {
	if raw == "" {
		return true
	}
	if raw[0] == '\'' {
		return false
	}
	n := len(raw) - len(strings.TrimRight(raw, `\`))
	return n%2 == 1
}

// kvDecode unquotes and unescapes a raw libpq value.
func kvDecode(raw string) string {
	if len(raw) >= 2 && raw[0] == '\'' {
		raw = raw[1 : len(raw)-1]
	}
	if !strings.Contains(raw, `\`) {
		return raw
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' {
			i++
			if i == len(raw) {
				break
			}
		}
		b.WriteByte(raw[i])
	}
	return b.String()
}

// kvEncode writes v as libpq reads it back: single-quoted, with ' and \
// backslash-escaped, when it is empty or has whitespace, quotes,
// backslashes or ";".
func kvEncode(v string) string {
	needs := v == ""
	for i := 0; i < len(v) && !needs; i++ {
		needs = isSpace(v[i]) || strings.IndexByte(`'\;`, v[i]) >= 0
	}
	if !needs {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func (b *kvBody) str() string {
	var s strings.Builder
	for _, p := range b.pairs {
		s.WriteString(p.pre + p.key + p.mid + p.val)
	}
	s.WriteString(b.tail)
	return s.String()
}

func (b *kvBody) clone() body {
	c := *b
	c.pairs = slices.Clone(b.pairs)
	return &c
}

func (b *kvBody) index(key string) int {
	for i := len(b.pairs) - 1; i >= 0; i-- {
		if b.pairs[i].key == key {
			return i
		}
	}
	return -1
}

func (b *kvBody) get(key string) (string, bool) {
	if i := b.index(key); i >= 0 {
		return kvDecode(b.pairs[i].val), true
	}
	return "", false
}

// set writes key=value in place, or adds it after the pair at index
// after (-1: at the end).
func (b *kvBody) set(key, value string, after int) {
	v := kvEncode(value)
	if i := b.index(key); i >= 0 {
		b.pairs[i].val = v
		return
	}
	if n := len(b.pairs); n > 0 && endsOpen(b.pairs[n-1].val) {
		// Only the last value can be empty or end in a lone backslash;
		// with a pair after it, libpq would read on into that pair.
		b.pairs[n-1].val = kvEncode(kvDecode(b.pairs[n-1].val))
	}
	p := kvPair{pre: " ", key: key, mid: "=", val: v}
	if len(b.pairs) == 0 {
		p.pre = ""
	}
	if after < 0 || after >= len(b.pairs) {
		b.pairs = append(b.pairs, p)
	} else {
		b.pairs = slices.Insert(b.pairs, after+1, p)
	}
}

func (b *kvBody) del(key string) {
	for i := b.index(key); i >= 0; i = b.index(key) {
		if i == 0 && len(b.pairs) > 1 {
			b.pairs[1].pre = b.pairs[0].pre
		}
		b.pairs = slices.Delete(b.pairs, i, i+1)
	}
}

// hostKey is the key the hosts are read from: host, or hostaddr alone.
func (b *kvBody) hostKey() string {
	if b.index("host") >= 0 {
		return "host"
	}
	if b.index("hostaddr") >= 0 {
		return "hostaddr"
	}
	return ""
}

// hosts pairs the comma list in host with the one in port: one port serves
// every host, or there is one per host (an empty one: the default). A
// socket directory in host names no server.
func (b *kvBody) hosts() []Host {
	k := b.hostKey()
	if k == "" {
		return nil
	}
	v, _ := b.get(k)
	names := strings.Split(v, ",")
	hs := make([]Host, len(names))
	for i, n := range names {
		if !validName(n) && !validIPv6(n) {
			return nil
		}
		hs[i].Name = n
	}
	pv, ok := b.get("port")
	if !ok {
		return hs
	}
	ports := strings.Split(pv, ",")
	for i := range hs {
		p := ports[0]
		if len(ports) > 1 {
			if len(ports) != len(hs) {
				break
			}
			p = ports[i]
		}
		if n, ok := parsePort(p); ok {
			hs[i].Port, hs[i].HasPort = n, true
		}
	}
	return hs
}

// writeHosts writes hs back as host and port. When the string had both
// host and hostaddr, hostaddr goes: libpq would connect to it, not to the
// new host.
func (b *kvBody) writeHosts(hs []Host) {
	k := b.hostKey()
	names := make([]string, len(hs))
	ports := make([]string, len(hs))
	anyPort, samePort := false, true
	for i, h := range hs {
		names[i] = h.Name
		if h.HasPort {
			anyPort = true
			ports[i] = strconv.Itoa(h.Port)
		}
		samePort = samePort && ports[i] == ports[0]
	}
	b.set(k, strings.Join(names, ","), -1)
	if k == "host" {
		b.del("hostaddr")
	}
	switch {
	case !anyPort:
		b.del("port")
	case samePort:
		b.set("port", ports[0], b.index(k))
	default:
		b.set("port", strings.Join(ports, ","), b.index(k))
	}
}

func (b *kvBody) setHost(i int, h Host) {
	hs := b.hosts()
	hs[i] = h
	b.writeHosts(hs)
}

func (b *kvBody) dedup() {
	hs := b.hosts()
	if d := dedupHosts(hs); len(d) < len(hs) {
		b.writeHosts(d)
	}
}

func dedupHosts(hs []Host) []Host {
	var out []Host
	for _, h := range hs {
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

func (b *kvBody) scheme() string                { return "" }
func (b *kvBody) setScheme(string)              {}
func (b *kvBody) user() (string, bool)          { return b.get("user") }
func (b *kvBody) setUser(u string)              { b.set("user", u, -1) }
func (b *kvBody) clearUser()                    { b.del("user") }
func (b *kvBody) password() (string, bool)      { return b.get("password") }
func (b *kvBody) setPassword(p string)          { b.set("password", p, -1) }
func (b *kvBody) clearPassword()                { b.del("password") }
func (b *kvBody) param(k string) (string, bool) { return b.get(k) }
func (b *kvBody) setParam(k, v string)          { b.set(k, v, -1) }
func (b *kvBody) deleteParam(k string)          { b.del(k) }

func (b *kvBody) database() string {
	v, _ := b.get("dbname")
	return v
}

func (b *kvBody) setDatabase(db string) { b.set("dbname", db, -1) }

func (b *kvBody) mask() {
	for i, p := range b.pairs {
		if secretKey(p.key) {
			b.pairs[i].val = mask
		}
	}
}
