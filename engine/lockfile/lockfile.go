// Package lockfile reads and writes parity.lock: the registry digest each
// backing service's pinned tag resolved to when the team last locked it, so
// every laptop runs the same bits even after a tag moves upstream.
//
// The format is one line per service, "service image digest", sorted by
// service, after a short comment header. A line format rather than YAML
// because the file exists to be reviewed in a diff: a moved tag is exactly
// one changed line naming the service, with no indentation or quoting rules
// to get wrong by hand, and a reader needs no YAML parser to trust it.
package lockfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Name is the lock file's name; it sits next to the production manifest.
const Name = "parity.lock"

// header opens every written lock file.
const header = `# parity.lock: the registry digest each backing service's image resolved to.
# parity up runs these digests while the manifest still pins these images.
# Written by "parity lock"; "parity lock --update" re-resolves every tag.
# service image digest
`

// Entry is one locked service.
type Entry struct {
	Service string
	Image   string // the image as the manifest pinned it when locked, e.g. "postgres:15"
	Digest  string // "sha256:<64 hex>"
	Line    int    // line in the file it was read from; 0 for entries not read from a file
}

// Lock is the content of a parity.lock, entries sorted by service.
type Lock struct {
	Entries []Entry
}

// PathFor is the lock file that belongs to a production manifest file.
func PathFor(manifestFile string) string {
	return filepath.Join(filepath.Dir(manifestFile), Name)
}

// Read reads and parses a lock file. A missing file is an error wrapping
// os.ErrNotExist, so callers tell "no lock" from "a broken lock".
func Read(path string) (*Lock, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	l, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return l, nil
}

// Parse reads the line format. Comments (#) and blank lines are skipped; a
// malformed line or a service listed twice is an error naming the line.
func Parse(data []byte) (*Lock, error) {
	l := &Lock{}
	seen := map[string]int{}
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			return nil, fmt.Errorf("line %d: want \"service image digest\", got %q", n, line)
		}
		e := Entry{Service: fields[0], Image: fields[1], Digest: fields[2], Line: n}
		if !ValidDigest(e.Digest) {
			return nil, fmt.Errorf("line %d: %q is not a sha256:<64 hex digits> digest", n, e.Digest)
		}
		if prev, dup := seen[e.Service]; dup {
			return nil, fmt.Errorf("line %d: service %s is already locked on line %d", n, e.Service, prev)
		}
		seen[e.Service] = n
		l.Entries = append(l.Entries, e)
	}
	l.sort()
	return l, nil
}

// ValidDigest reports whether d is a sha256 content digest.
func ValidDigest(d string) bool {
	hex, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(hex) != 64 {
		return false
	}
	for _, c := range hex {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Entry returns the entry for service.
func (l *Lock) Entry(service string) (Entry, bool) {
	if l == nil {
		return Entry{}, false
	}
	for _, e := range l.Entries {
		if e.Service == service {
			return e, true
		}
	}
	return Entry{}, false
}

func (l *Lock) sort() {
	sort.Slice(l.Entries, func(i, j int) bool { return l.Entries[i].Service < l.Entries[j].Service })
}

// Bytes is the file content: the header, then one line per entry, sorted.
func (l *Lock) Bytes() []byte {
	l.sort()
	var b bytes.Buffer
	b.WriteString(header)
	for _, e := range l.Entries {
		fmt.Fprintf(&b, "%s %s %s\n", e.Service, e.Image, e.Digest)
	}
	return b.Bytes()
}

// Write replaces the file at path with l, atomically, so an interrupted
// write never leaves a half lock that up would refuse.
func Write(path string, l *Lock) error {
	for _, e := range l.Entries {
		if strings.ContainsAny(e.Service+e.Image, " \t\n") || e.Service == "" || e.Image == "" || !ValidDigest(e.Digest) {
			return fmt.Errorf("write %s: invalid entry %+v", path, e)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".parity.lock-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(l.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
