package stacks

import "strings"

// shellWord is one word of a POSIX shell command line, with where it sits in
// the line so it can be replaced in place.
type shellWord struct {
	start, end int    // byte offsets in the line
	text       string // the word with quotes removed; expansions kept as written
	op         bool   // a control operator (;, &, |, newline), not a word
}

// shellWords splits a shell command line the way sh would before expansion,
// enough to find an option and its value in "redis-server --requirepass
// "$REDIS_PASSWORD"". Quotes, backslashes, $(...), ${...} and backticks keep
// their spaces inside the word; expansions are not performed.
func shellWords(line string) []shellWord {
	var words []shellWord
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case c == ';' || c == '&' || c == '|' || c == '\n' || c == '(' || c == ')':
			words = append(words, shellWord{start: i, end: i + 1, text: string(c), op: true})
			i++
			continue
		}
		start := i
		var text strings.Builder
		for i < len(line) {
			c := line[i]
			if c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|' || c == '\n' || c == '(' || c == ')' {
				break
			}
			switch c {
			case '\\':
				if i+1 < len(line) {
					text.WriteByte(line[i+1])
					i += 2
				} else {
					i++
				}
			case '\'':
				end := strings.IndexByte(line[i+1:], '\'')
				if end < 0 {
					end = len(line) - i - 1
				}
				text.WriteString(line[i+1 : i+1+end])
				i += end + 2
			case '"':
				j := i + 1
				for j < len(line) && line[j] != '"' {
					switch {
					case line[j] == '\\' && j+1 < len(line):
						text.WriteByte(line[j+1])
						j += 2
					case line[j] == '$' || line[j] == '`':
						k := skipExpansion(line, j)
						text.WriteString(line[j:k])
						j = k
					default:
						text.WriteByte(line[j])
						j++
					}
				}
				i = j + 1
			case '$', '`':
				k := skipExpansion(line, i)
				text.WriteString(line[i:k])
				i = k
			default:
				text.WriteByte(c)
				i++
			}
		}
		if i > len(line) {
			i = len(line)
		}
		words = append(words, shellWord{start: start, end: i, text: text.String()})
	}
	return words
}

// skipExpansion returns the offset just past the $(...), ${...}, $((...))
// or `...` starting at i, or past the single character when it starts none.
func skipExpansion(line string, i int) int {
	if line[i] == '`' {
		if end := strings.IndexByte(line[i+1:], '`'); end >= 0 {
			return i + end + 2
		}
		return len(line)
	}
	if i+1 >= len(line) || (line[i+1] != '(' && line[i+1] != '{') {
		return i + 1
	}
	open, closing := line[i+1], byte(')')
	if open == '{' {
		closing = '}'
	}
	depth := 0
	for j := i + 1; j < len(line); j++ {
		switch line[j] {
		case open:
			depth++
		case closing:
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(line)
}

// shellQuote returns s as one shell word.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
