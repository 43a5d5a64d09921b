// Package dockerfile reads the few things parity needs from a Dockerfile:
// which image each stage starts FROM, with build args substituted as the
// builder substitutes them, so that a service built FROM postgres:16 can
// run as Postgres; and the same Dockerfile with those images renamed, so
// that the build finds a base image parity pulled through a mirror under
// another name.
package dockerfile

import (
	"errors"
	"fmt"
	"strings"
)

// File is a parsed Dockerfile.
type File struct {
	lines []string // physical lines, without line ends
	// args are the ARGs declared before the first FROM, in order: the only
	// ones a FROM line can use.
	args  []arg
	froms []instruction // FROM instructions, in order
	// copies are COPY --from=<image> instructions naming an image, not a stage.
	copies []instruction
}

type arg struct {
	name       string
	def        string
	hasDefault bool
}

// instruction is one logical instruction: its words and the physical lines
// it spans, so it can be replaced.
type instruction struct {
	words      []string
	first, end int // lines[first:end]
	stage      int // index of the FROM it belongs to (for COPY)
}

// Stage is one FROM of the Dockerfile, with build args substituted.
type Stage struct {
	Name string // the AS name, "" when none
	// From is what the FROM names: an image, an earlier stage or "scratch".
	From string
	// Image is the image the stage starts from, following FROMs of earlier
	// stages ("FROM base AS final"); "" for scratch.
	Image string
}

// Parse reads a Dockerfile. It errs only when there is no FROM.
func Parse(content []byte) (*File, error) {
	f := &File{lines: strings.Split(strings.ReplaceAll(string(content), "\r\n", "\n"), "\n")}
	escape := byte('\\')
	directives := true
	for i := 0; i < len(f.lines); i++ {
		line := strings.TrimSpace(f.lines[i])
		if directives {
			if k, v, ok := directive(line); ok {
				if k == "escape" && (v == "`" || v == "\\") {
					escape = v[0]
				}
				continue
			}
			directives = false
		}
		if line == "" || line[0] == '#' {
			continue
		}
		first := i
		var text strings.Builder
		for {
			l := strings.TrimRight(f.lines[i], " \t")
			t := strings.TrimSpace(l)
			more := true
			switch {
			case i > first && (t == "" || t[0] == '#'):
				// Empty and comment lines inside a continued instruction are dropped.
			case len(l) > 0 && l[len(l)-1] == escape:
				text.WriteString(l[:len(l)-1])
				text.WriteByte(' ')
			default:
				text.WriteString(l)
				more = false
			}
			if !more || i+1 >= len(f.lines) {
				break
			}
			i++
		}
		words := strings.Fields(text.String())
		if len(words) == 0 {
			continue
		}
		ins := instruction{words: words, first: first, end: i + 1, stage: len(f.froms) - 1}
		switch strings.ToUpper(words[0]) {
		case "FROM":
			f.froms = append(f.froms, instruction{words: words, first: first, end: i + 1, stage: len(f.froms)})
		case "ARG":
			if len(f.froms) == 0 {
				f.args = append(f.args, parseArgs(words[1:])...)
			}
		case "COPY":
			if len(f.froms) > 0 && copyFrom(words) != "" {
				f.copies = append(f.copies, ins)
			}
		}
	}
	if len(f.froms) == 0 {
		return nil, errors.New("no FROM instruction")
	}
	return f, nil
}

// directive reads a parser directive ("# escape=`"), which may only open a file.
func directive(line string) (string, string, bool) {
	if !strings.HasPrefix(line, "#") {
		return "", "", false
	}
	k, v, ok := strings.Cut(strings.TrimSpace(line[1:]), "=")
	k = strings.ToLower(strings.TrimSpace(k))
	if !ok || k == "" || strings.ContainsAny(k, " \t") {
		return "", "", false
	}
	return k, strings.TrimSpace(v), true
}

func parseArgs(words []string) []arg {
	var out []arg
	for _, w := range words {
		name, def, has := strings.Cut(w, "=")
		out = append(out, arg{name: name, def: unquote(def), hasDefault: has})
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// scope is the value of each global ARG given the build args: a build arg
// overrides an ARG's default only when the Dockerfile declares that ARG.
func (f *File) scope(buildArgs map[string]string) map[string]string {
	vars := map[string]string{}
	for _, a := range f.args {
		if v, ok := buildArgs[a.name]; ok {
			vars[a.name] = v
		} else if a.hasDefault {
			vars[a.name] = expand(a.def, vars)
		}
	}
	return vars
}

// fromParts splits FROM's words into flags, the image and the AS name.
func fromParts(words []string) (flags []string, image, name string) {
	rest := words[1:]
	for len(rest) > 0 && strings.HasPrefix(rest[0], "--") {
		flags = append(flags, rest[0])
		rest = rest[1:]
	}
	if len(rest) > 0 {
		image = rest[0]
	}
	if len(rest) >= 3 && strings.EqualFold(rest[1], "AS") {
		name = rest[2]
	}
	return flags, image, name
}

// Stages lists the Dockerfile's stages with buildArgs substituted.
func (f *File) Stages(buildArgs map[string]string) []Stage {
	vars := f.scope(buildArgs)
	out := make([]Stage, 0, len(f.froms))
	for _, ins := range f.froms {
		_, raw, name := fromParts(ins.words)
		st := Stage{Name: name, From: expand(raw, vars)}
		switch prev := stageIndex(out, st.From); {
		case prev >= 0:
			st.Image = out[prev].Image
		case strings.EqualFold(st.From, "scratch"):
		default:
			st.Image = st.From
		}
		out = append(out, st)
	}
	return out
}

// stageIndex finds the earlier stage called name (names are case-insensitive), -1 if none.
func stageIndex(stages []Stage, name string) int {
	for i := len(stages) - 1; i >= 0; i-- {
		if stages[i].Name != "" && strings.EqualFold(stages[i].Name, name) {
			return i
		}
	}
	return -1
}

// targetIndex is the index of the stage target names, the last for "".
func targetIndex(stages []Stage, target string) (int, error) {
	if target == "" {
		return len(stages) - 1, nil
	}
	for i, st := range stages {
		if strings.EqualFold(st.Name, target) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("no stage named %q", target)
}

// Base is the image the built image starts from: the target stage's (the
// last stage's when target is ""), following references to earlier
// stages; "" when it starts from scratch.
func (f *File) Base(buildArgs map[string]string, target string) (string, error) {
	stages := f.Stages(buildArgs)
	i, err := targetIndex(stages, target)
	if err != nil {
		return "", err
	}
	return stages[i].Image, nil
}

// Images are the images a build of target needs locally, in order: those
// the stages up to target start FROM, and those COPY --from names.
func (f *File) Images(buildArgs map[string]string, target string) ([]string, error) {
	stages := f.Stages(buildArgs)
	last, err := targetIndex(stages, target)
	if err != nil {
		return nil, err
	}
	vars := f.scope(buildArgs)
	var out []string
	add := func(ref string) {
		for _, have := range out {
			if have == ref {
				return
			}
		}
		out = append(out, ref)
	}
	for i, st := range stages[:last+1] {
		if st.Image != "" && stageIndex(stages[:i], st.From) < 0 {
			add(st.Image)
		}
		for _, c := range f.copies {
			if c.stage == i {
				if ref := copyImage(c, stages[:i], vars); ref != "" {
					add(ref)
				}
			}
		}
	}
	return out, nil
}

// copyFrom is the value of COPY's --from flag, "" when none.
func copyFrom(words []string) string {
	for _, w := range words[1:] {
		if !strings.HasPrefix(w, "--") {
			break
		}
		if v, ok := strings.CutPrefix(w, "--from="); ok {
			return v
		}
	}
	return ""
}

// copyImage is the image a COPY --from names, "" when it names a stage
// (by name or number).
func copyImage(c instruction, earlier []Stage, vars map[string]string) string {
	from := expand(copyFrom(c.words), vars)
	if stageIndex(earlier, from) >= 0 || isNumber(from) {
		return ""
	}
	return from
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Rewrite returns the Dockerfile with every image that Images lists
// replaced by rename(image), on FROM and COPY --from lines; stage names,
// scratch and images rename leaves unchanged stay as written. A rewritten
// instruction becomes one line with its variables substituted.
func (f *File) Rewrite(buildArgs map[string]string, rename func(image string) string) []byte {
	stages := f.Stages(buildArgs)
	vars := f.scope(buildArgs)
	replaced := map[int]string{} // first line -> new text
	skip := map[int]int{}        // first line -> end
	for i, ins := range f.froms {
		if stages[i].Image == "" || stageIndex(stages[:i], stages[i].From) >= 0 {
			continue
		}
		to := rename(stages[i].Image)
		if to == stages[i].Image {
			continue
		}
		flags, _, name := fromParts(ins.words)
		words := append(append([]string{ins.words[0]}, flags...), to)
		if name != "" {
			words = append(words, "AS", name)
		}
		replaced[ins.first], skip[ins.first] = strings.Join(words, " "), ins.end
	}
	for _, c := range f.copies {
		ref := copyImage(c, stages[:c.stage], vars)
		if ref == "" || rename(ref) == ref {
			continue
		}
		words := append([]string(nil), c.words...)
		for i, w := range words {
			if strings.HasPrefix(w, "--from=") {
				words[i] = "--from=" + rename(ref)
				break
			}
		}
		replaced[c.first], skip[c.first] = strings.Join(words, " "), c.end
	}
	var b strings.Builder
	for i := 0; i < len(f.lines); i++ {
		if text, ok := replaced[i]; ok {
			b.WriteString(text)
			i = skip[i] - 1
		} else {
			b.WriteString(f.lines[i])
		}
		if i < len(f.lines)-1 {
			b.WriteByte('\n')
		}
	}
	return []byte(b.String())
}

// expand substitutes $VAR, ${VAR}, ${VAR:-word} and ${VAR:+word} as the
// builder does in FROM lines and ARG defaults; an unset variable is empty.
func expand(s string, vars map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		if s[i+1] == '{' {
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				b.WriteString(s[i:])
				break
			}
			b.WriteString(braced(s[i+2:i+end], vars))
			i += end
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		if j == i+1 {
			b.WriteByte(c)
			continue
		}
		b.WriteString(vars[s[i+1:j]])
		i = j - 1
	}
	return b.String()
}

func braced(expr string, vars map[string]string) string {
	if name, word, ok := strings.Cut(expr, ":-"); ok {
		if v := vars[name]; v != "" {
			return v
		}
		return expand(word, vars)
	}
	if name, word, ok := strings.Cut(expr, ":+"); ok {
		if vars[name] != "" {
			return expand(word, vars)
		}
		return ""
	}
	return vars[expr]
}
