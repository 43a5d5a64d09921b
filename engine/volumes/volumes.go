// Package volumes copies data volumes inside the engine and names the
// copies parity keeps of them: initialised templates (a data directory as
// its server left it right after initialising, shared by every project
// whose service would initialise the same way) and snapshots (a project's
// data at a moment, by name). Copies run in a short-lived container of an
// image the service already uses, so they need no host path and work the
// same on a remote engine.
package volumes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parity-dev/parity/engine/docker"
)

// Labels on the volumes and containers this package makes. A template
// carries no project label: it belongs to no project, so no project's
// `down --volumes` removes it. A snapshot carries its project's label
// beside LabelSnapshot, which `down --volumes` skips: it removes the data,
// not the copies saved by name.
const (
	LabelTemplate      = "dev.parity.template"       // the template's key
	LabelTemplateKind  = "dev.parity.template.kind"  // postgres, mysql...
	LabelTemplateImage = "dev.parity.template.image" // the image it was initialised by
	LabelSnapshot      = "dev.parity.snapshot"       // the snapshot's name
	LabelService       = "dev.parity.service"
	LabelCreated       = "dev.parity.created" // RFC 3339, UTC
	LabelHelper        = "dev.parity.helper"  // a copy container
	LabelFirstProject  = "dev.parity.template.first-project"
	// LabelTemplateSecrets holds, as JSON, the passwords the template's
	// data answers to (variable -> value), which a copy has until its
	// stack changes them. A label shows them to whoever can inspect the
	// engine's volumes, who can as well read the data itself or the
	// running containers' environment: no one new.
	LabelTemplateSecrets = "dev.parity.template.secrets"
)

// SetTemplateSecrets puts secrets in labels.
func SetTemplateSecrets(labels, secrets map[string]string) error {
	data, err := json.Marshal(secrets)
	if err != nil {
		return err
	}
	labels[LabelTemplateSecrets] = string(data)
	return nil
}

// TemplateSecrets reads the passwords a template's data holds; false when
// the volume has no readable record of them (it is never used then).
func TemplateSecrets(v docker.Volume) (map[string]string, bool) {
	raw, ok := v.Labels[LabelTemplateSecrets]
	if !ok {
		return nil, false
	}
	secrets := map[string]string{}
	if err := json.Unmarshal([]byte(raw), &secrets); err != nil {
		return nil, false
	}
	return secrets, true
}

// CopySpec says what Copy copies where.
type CopySpec struct {
	// Image runs the copy; it must be present and have sh, find, cp and du
	// (every Debian or Alpine based image has them).
	Image string
	// From is the source volume; "" empties To only.
	From string
	To   string
	// Labels go on the copy container (parity's own plus the caller's),
	// so a copy interrupted by a crash is found and removed by label.
	Labels map[string]string
}

// copyScript empties /to (its top-level entries, hidden ones too), copies
// /from into it keeping owners, modes and links, and prints /to's size in
// KiB as its last line.
const copyScript = `set -e
find /to -mindepth 1 -maxdepth 1 -exec rm -rf {} +
if [ -d /from ]; then cp -a /from/. /to/; fi
du -sk /to | cut -f1`

// Copy replaces To's content with From's inside the engine and returns
// To's size in bytes. The copy runs as root in a container with no
// network; it is removed however the copy ends.
func Copy(ctx context.Context, c docker.Client, spec CopySpec) (int64, error) {
	p, err := Prepare(ctx, c, spec)
	if err != nil {
		return 0, err
	}
	return p.Run(ctx)
}

// Prepared is a copy whose container is created, not yet started: made
// while the service stops, so the copy starts as soon as it has.
type Prepared struct {
	c    docker.Client
	id   string
	spec CopySpec
}

// Prepare creates the copy's container.
func Prepare(ctx context.Context, c docker.Client, spec CopySpec) (*Prepared, error) {
	labels := maps.Clone(spec.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelHelper] = "copy"
	mounts := []docker.Mount{{Type: "volume", Source: spec.To, Target: "/to"}}
	if spec.From != "" {
		mounts = append(mounts, docker.Mount{Type: "volume", Source: spec.From, Target: "/from", ReadOnly: true})
	}
	// Create, start and remove outlive a cancelled ctx: an abandoned copy
	// would keep the volumes mounted (and so unremovable). Waiting does
	// not: Ctrl-C ends it, and the removal kills the copy.
	id, err := c.Create(context.WithoutCancel(ctx), docker.ContainerSpec{
		Image:      spec.Image,
		Entrypoint: []string{"/bin/sh", "-c"},
		Cmd:        []string{copyScript},
		User:       "0:0",
		Labels:     labels,
		Mounts:     mounts,
		Network:    "none",
	})
	if err != nil {
		return nil, fmt.Errorf("copy volume %s: %w", describe(spec), err)
	}
	return &Prepared{c: c, id: id, spec: spec}, nil
}

// Discard removes a prepared copy that will not run.
func (p *Prepared) Discard(ctx context.Context) {
	if p != nil {
		_ = p.c.Remove(context.WithoutCancel(ctx), p.id)
	}
}

// Run starts the copy, waits for it and removes its container.
func (p *Prepared) Run(ctx context.Context) (int64, error) {
	api := context.WithoutCancel(ctx)
	c, id, spec := p.c, p.id, p.spec
	defer func() { _ = c.Remove(api, id) }()
	if err := c.Start(api, id); err != nil {
		return 0, fmt.Errorf("copy volume %s: %w", describe(spec), err)
	}
	code, err := c.Wait(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("copy volume %s: %w", describe(spec), err)
	}
	var lines []string
	lctx, cancel := context.WithTimeout(api, 10*time.Second)
	defer cancel()
	_ = c.Logs(lctx, id, false, 20, func(l docker.LogLine) { lines = append(lines, l.Text) })
	if code != 0 {
		return 0, fmt.Errorf("copy volume %s: the copy exited %d: %s", describe(spec), code, strings.Join(lines, "; "))
	}
	var kib int64
	if len(lines) > 0 {
		kib, _ = strconv.ParseInt(strings.TrimSpace(lines[len(lines)-1]), 10, 64)
	}
	return kib * 1024, nil
}

func describe(spec CopySpec) string {
	if spec.From == "" {
		return "(emptying " + spec.To + ")"
	}
	return spec.From + " to " + spec.To
}

// KeyInput is what decides the content of a freshly initialised data
// directory: the same input gives the same data, up to the passwords,
// which are left out (the stack changes them after a copy starts).
type KeyInput struct {
	ImageID string // the image's ID, not its tag: a re-pushed tag is another image
	Kind    string
	DataDir string // where the data volume is mounted
	// Env is the container environment without the variables whose values
	// the data keeps as passwords.
	Env        map[string]string
	Cmd        []string
	Entrypoint []string
	User       string
	// Files maps each bind mount's target to its content hash (FilesHash):
	// init scripts and configuration read when the data is initialised.
	Files map[string]string
}

// Key is the template key of in: a hex SHA-256 over every field, each
// length-prefixed so no two inputs share an encoding.
func Key(in KeyInput) string {
	h := sha256.New()
	put := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	put("parity-template-v1")
	put(in.ImageID)
	put(in.Kind)
	put(in.DataDir)
	for _, k := range slices.Sorted(maps.Keys(in.Env)) {
		put("env")
		put(k)
		put(in.Env[k])
	}
	for _, a := range in.Cmd {
		put("cmd")
		put(a)
	}
	for _, a := range in.Entrypoint {
		put("entrypoint")
		put(a)
	}
	put(in.User)
	for _, k := range slices.Sorted(maps.Keys(in.Files)) {
		put("file")
		put(k)
		put(in.Files[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// maxHashed bounds what FilesHash reads: a bind mount bigger than this is
// data, not init scripts, and makes the service's data not templatable.
const maxHashed = 64 << 20

// ErrTooBig is returned by FilesHash for a tree larger than it reads.
var ErrTooBig = errors.New("too big to hash")

// FilesHash hashes a file or a directory tree: each regular file's path
// below root, mode and content, and each symlink's target, in walk order.
func FilesHash(root string) (string, error) {
	h := sha256.New()
	var total int64
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "link %q %q\n", rel, target)
		case d.IsDir():
			fmt.Fprintf(h, "dir %q\n", rel)
		case info.Mode().IsRegular():
			total += info.Size()
			if total > maxHashed {
				return fmt.Errorf("hash %s: %w (over %d MiB)", root, ErrTooBig, maxHashed>>20)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "file %q %o %d\n", rel, info.Mode().Perm(), len(data))
			h.Write(data)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// TemplateName is the volume name of a template with this key. unique
// (a few random characters) keeps two parity processes making a template
// of the same key at once from copying into one volume.
func TemplateName(kind, key, unique string) string {
	if len(unique) > 6 {
		unique = unique[:6]
	}
	return "parity-template-" + kind + "-" + key[:12] + "-" + strings.ToLower(unique)
}

// SnapshotName is the volume holding service's data in project's snapshot.
func SnapshotName(project, snapshot, service string) string {
	return "parity-" + project + "-snapshot-" + snapshot + "-" + service
}

var validSnapshot = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// CheckSnapshotName refuses a name that cannot be part of a volume name.
func CheckSnapshotName(name string) error {
	if !validSnapshot.MatchString(name) {
		return fmt.Errorf("snapshot name %q: use letters, digits, '_', '.' and '-', starting with a letter or digit (at most 63)", name)
	}
	return nil
}

// Created reads a volume's LabelCreated, falling back to the engine's time.
func Created(v docker.Volume) time.Time {
	if t, err := time.Parse(time.RFC3339, v.Labels[LabelCreated]); err == nil {
		return t
	}
	return v.CreatedAt
}

// Now is the LabelCreated value for a volume made now.
func Now() string { return time.Now().UTC().Format(time.RFC3339) }
