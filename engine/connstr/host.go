package connstr

import (
	"net/netip"
	"strconv"
	"strings"
)

// hostTok is one host as written in a list: raw is kept until the host is set.
type hostTok struct {
	raw string
	h   Host
}

// validName reports whether s can name a server: a DNS or container name
// (letters, digits, - _ .) or an IPv4 address. Numbers and versions
// ("5432", "1.5") are not names.
func validName(s string) bool {
	if s == "" || s[0] == '-' || s[0] == '.' {
		return false
	}
	numeric := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c == '.':
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-', c == '_':
			numeric = false
		default:
			return false
		}
	}
	if numeric {
		a, err := netip.ParseAddr(s)
		return err == nil && a.Is4()
	}
	return true
}

// validIPv6 reports whether s is an IPv6 address, with an optional zone.
func validIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}

// parsePort reads a decimal TCP port.
func parsePort(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, _ := strconv.Atoi(s)
	return n, n <= 65535
}

// parseHost reads host, host:port, [v6] or [v6]:port.
func parseHost(s string) (Host, bool) {
	var h Host
	rest := ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 || !validIPv6(s[1:end]) {
			return h, false
		}
		h.Name, rest = s[1:end], s[end+1:]
		if rest != "" && rest[0] != ':' {
			return h, false
		}
	} else {
		name, port, found := strings.Cut(s, ":")
		if !validName(name) {
			return h, false
		}
		h.Name = name
		if found {
			rest = ":" + port
		}
	}
	if rest != "" {
		p, ok := parsePort(rest[1:])
		if !ok {
			return h, false
		}
		h.Port, h.HasPort = p, true
	}
	return h, true
}

// parseHostTokens reads a comma list of parseHost hosts; "" is an empty
// list. With instances, a host may name a SQL Server instance
// (db\SQLEXPRESS:1433), which Host.Name leaves out.
func parseHostTokens(s string, instances bool) ([]hostTok, bool) {
	if s == "" {
		return nil, true
	}
	var toks []hostTok
	for _, part := range strings.Split(s, ",") {
		hp := part
		if i := strings.IndexByte(part, '\\'); instances && i >= 0 {
			j := strings.IndexByte(part[i:], ':')
			if j < 0 {
				j = len(part) - i
			}
			if !validInstance(part[i+1 : i+j]) {
				return nil, false
			}
			hp = part[:i] + part[i+j:]
		}
		h, ok := parseHost(hp)
		if !ok {
			return nil, false
		}
		toks = append(toks, hostTok{raw: part, h: h})
	}
	return toks, true
}

// formatHost writes a host with sep before its port; IPv6 is bracketed.
func formatHost(h Host, sep string) string {
	name := h.Name
	if strings.Contains(name, ":") {
		name = "[" + name + "]"
	}
	if h.HasPort {
		return name + sep + strconv.Itoa(h.Port)
	}
	return name
}

func tokHosts(toks []hostTok) []Host {
	hs := make([]Host, len(toks))
	for i, t := range toks {
		hs[i] = t.h
	}
	return hs
}

func joinTokens(toks []hostTok) string {
	raws := make([]string, len(toks))
	for i, t := range toks {
		raws[i] = t.raw
	}
	return strings.Join(raws, ",")
}

// dedupTokens keeps the first of equal hosts.
func dedupTokens(toks []hostTok) []hostTok {
	var out []hostTok
	for _, t := range toks {
		if !hasHost(out, t.h) {
			out = append(out, t)
		}
	}
	return out
}

func hasHost(toks []hostTok, h Host) bool {
	for _, t := range toks {
		if t.h == h {
			return true
		}
	}
	return false
}

// percentDecode decodes %XX escapes; a % not followed by two hex digits is
// kept as written, since raw passwords contain them ("50%off").
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// percentEncode escapes every byte but RFC 3986's unreserved characters.
// That is more than userinfo, path and query each require, and every URL
// decoder reads it back; a driver that decodes nothing could not have read
// a password with @ or / in it anyway.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
