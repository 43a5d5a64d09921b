package connstr

import (
	"strings"
)

// hostBody is a bare host: "db", "db:5432", "[::1]:5432" or "::1". It
// carries no credentials, database or options; those setters do nothing.
type hostBody struct{ tok hostTok }

func parseHostPort(s string) (*hostBody, bool) {
	if h, ok := parseHost(s); ok {
		return &hostBody{hostTok{raw: s, h: h}}, true
	}
	if validIPv6(s) {
		return &hostBody{hostTok{raw: s, h: Host{Name: s}}}, true
	}
	return nil, false
}

func (b *hostBody) str() string                 { return b.tok.raw }
func (b *hostBody) clone() body                 { c := *b; return &c }
func (b *hostBody) hosts() []Host               { return []Host{b.tok.h} }
func (b *hostBody) setHost(_ int, h Host)       { b.tok = hostTok{raw: formatHost(h, ":"), h: h} }
func (b *hostBody) dedup()                      {}
func (b *hostBody) scheme() string              { return "" }
func (b *hostBody) setScheme(string)            {}
func (b *hostBody) user() (string, bool)        { return "", false }
func (b *hostBody) setUser(string)              {}
func (b *hostBody) clearUser()                  {}
func (b *hostBody) password() (string, bool)    { return "", false }
func (b *hostBody) setPassword(string)          {}
func (b *hostBody) clearPassword()              {}
func (b *hostBody) database() string            { return "" }
func (b *hostBody) setDatabase(string)          {}
func (b *hostBody) param(string) (string, bool) { return "", false }
func (b *hostBody) setParam(string, string)     {}
func (b *hostBody) deleteParam(string)          {}
func (b *hostBody) mask()                       {}

// listBody is a comma list of URLs ("nats://a:4222, nats://b:4222") or of
// hosts ("kafka:9092,kafka2:9092"); each item keeps the whitespace around
// it. Reading a credential, database or option reads the first item's;
// setting one sets it in every item.
type listBody struct{ items []*Conn }

// parseURLList splits s before each "," that starts another URL of the
// same scheme. It is tried before a single URL, whose last-"@" rule would
// otherwise read "amqp://u:p@a,amqp://u:p@b" as one URL with a password
// running to the second "@". A comma inside a query ("?next=a,http://b")
// does not split: the scheme differs.
func parseURLList(s string) (*listBody, bool) {
	_, scheme, _, ok := splitScheme(s)
	if !ok {
		return nil, false
	}
	var pieces []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != ',' {
			continue
		}
		next := strings.TrimLeft(s[i+1:], " \t")
		if j := strings.Index(next, "://"); j > 0 && strings.EqualFold(next[:j], scheme) {
			pieces = append(pieces, s[start:i])
			start = i + 1
		}
	}
	if len(pieces) == 0 {
		return nil, false
	}
	pieces = append(pieces, s[start:])
	l := &listBody{}
	for _, p := range pieces {
		core, lead, trail := trimSpace(p)
		b, ok := parseURL(core)
		if !ok || b.jdbc != "" {
			return nil, false
		}
		l.items = append(l.items, &Conn{form: URL, lead: lead, trail: trail, b: b})
	}
	return l, true
}

// parseHostList reads "a,b:2, [::1]:3": two or more hosts.
func parseHostList(s string) (*listBody, bool) {
	parts := strings.Split(s, ",")
	if len(parts) < 2 {
		return nil, false
	}
	l := &listBody{}
	for _, p := range parts {
		core, lead, trail := trimSpace(p)
		b, ok := parseHostPort(core)
		if !ok {
			return nil, false
		}
		l.items = append(l.items, &Conn{form: HostPort, lead: lead, trail: trail, b: b})
	}
	return l, true
}

func (l *listBody) str() string {
	s := make([]string, len(l.items))
	for i, c := range l.items {
		s[i] = c.String()
	}
	return strings.Join(s, ",")
}

func (l *listBody) clone() body {
	c := &listBody{items: make([]*Conn, len(l.items))}
	for i, it := range l.items {
		c.items[i] = it.clone()
	}
	return c
}

func (l *listBody) hosts() []Host {
	var hs []Host
	for _, c := range l.items {
		hs = append(hs, c.b.hosts()...)
	}
	return hs
}

func (l *listBody) setHost(i int, h Host) {
	for _, c := range l.items {
		if n := len(c.b.hosts()); i >= n {
			i -= n
			continue
		}
		c.b.setHost(i, h)
		return
	}
}

// dedup dedups within each item, then drops items written the same as an
// earlier one.
func (l *listBody) dedup() {
	seen := map[string]bool{}
	var out []*Conn
	for _, c := range l.items {
		c.b.dedup()
		if s := c.b.str(); !seen[s] {
			seen[s] = true
			out = append(out, c)
		}
	}
	l.items = out
}

func (l *listBody) scheme() string { return l.items[0].b.scheme() }

func (l *listBody) setScheme(s string) {
	for _, c := range l.items {
		c.b.setScheme(s)
	}
}

func (l *listBody) user() (string, bool) { return l.items[0].b.user() }

func (l *listBody) setUser(u string) {
	for _, c := range l.items {
		c.b.setUser(u)
	}
}

func (l *listBody) clearUser() {
	for _, c := range l.items {
		c.b.clearUser()
	}
}

func (l *listBody) password() (string, bool) { return l.items[0].b.password() }

func (l *listBody) setPassword(p string) {
	for _, c := range l.items {
		c.b.setPassword(p)
	}
}

func (l *listBody) clearPassword() {
	for _, c := range l.items {
		c.b.clearPassword()
	}
}

func (l *listBody) database() string { return l.items[0].b.database() }

func (l *listBody) setDatabase(db string) {
	for _, c := range l.items {
		c.b.setDatabase(db)
	}
}

func (l *listBody) param(key string) (string, bool) { return l.items[0].b.param(key) }

func (l *listBody) setParam(key, value string) {
	for _, c := range l.items {
		c.b.setParam(key, value)
	}
}

func (l *listBody) deleteParam(key string) {
	for _, c := range l.items {
		c.b.deleteParam(key)
	}
}

func (l *listBody) mask() {
	for _, c := range l.items {
		c.b.mask()
	}
}
