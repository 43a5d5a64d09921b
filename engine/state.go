package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// StateDir is where parity keeps per-project state (host ports and generated
// passwords): $PARITY_STATE_DIR, else $XDG_STATE_HOME/parity, else
// ~/.local/state/parity. It lives outside the repository on purpose, so no
// generated secret can be committed by accident.
func StateDir() (string, error) {
	if d := os.Getenv("PARITY_STATE_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "parity"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find state dir: %w (set PARITY_STATE_DIR)", err)
	}
	return filepath.Join(home, ".local", "state", "parity"), nil
}

// state is what parity remembers about one project between runs.
type state struct {
	// Ports maps "service/containerPort" to the host port chosen for it, so a
	// service keeps its address across runs.
	Ports map[string]int `json:"ports"`
	// Secrets maps a service to its generated password. It is kept while the
	// service's data volume lives and dropped with `down --volumes`.
	Secrets map[string]string `json:"secrets"`
	// VarSecrets maps a manifest variable unset on this machine that
	// carries a password (DB_PASSWORD) to the secret generated for it, shared
	// by every service and app variable that names it. Dropped with
	// `down --volumes`, like Secrets.
	VarSecrets map[string]string `json:"variable_secrets,omitempty"`
	// Rekey maps a service whose data is a copy (of a template or a
	// snapshot) to the passwords that copy holds, until its stack has
	// changed them to the service's own: a crash in between leaves the
	// note for the next up.
	Rekey map[string]map[string]string `json:"rekey,omitempty"`
	// Origins says where each service's current data came from.
	Origins map[string]DataOrigin `json:"origins,omitempty"`
	// Snapshots maps a snapshot's name to what parity keeps of each of
	// its services' copies. Kept by `down --volumes`, as the copies are.
	Snapshots map[string]map[string]snapshotRecord `json:"snapshots,omitempty"`
}

// stateFile is the on-disk state of one project, guarded by an exclusive lock
// so two `parity up` in the same project never race on ports or containers.
type stateFile struct {
	path string
	lock *os.File
	state
}

func projectStatePath(dir, project string) string {
	return filepath.Join(dir, "projects", project+".json")
}

// lockPoll is how often a parity waiting for another one's lock tries
// again: flock has no timeout, and waiting must stay interruptible.
const lockPoll = 50 * time.Millisecond

// openState locks and reads the project's state. Close releases the lock.
// While another parity holds it, waiting is called once with that one's
// pid (0 when unknown) and openState tries again until ctx ends.
func openState(ctx context.Context, dir, project string, waiting func(pid int)) (*stateFile, error) {
	path := projectStatePath(dir, project)
	if err := makePrivateDirs(dir, filepath.Dir(path)); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR|openNoFollow, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open state lock: %w", err)
	}
	if err := tightenFile(lock, 0o600); err != nil {
		lock.Close()
		return nil, err
	}
	told := false
	for {
		held, err := tryLock(lock)
		if err != nil {
			lock.Close()
			return nil, fmt.Errorf("lock state %s: %w", path, err)
		}
		if held {
			break
		}
		if !told && waiting != nil {
			told = true
			waiting(lockHolder(path + ".lock"))
		}
		select {
		case <-ctx.Done():
			lock.Close()
			return nil, fmt.Errorf("wait for the project's lock %s: %w", path+".lock", context.Cause(ctx))
		case <-time.After(lockPoll):
		}
	}
	// Say who holds it, for the next one that waits.
	if err := lock.Truncate(0); err == nil {
		_, _ = lock.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	sf := &stateFile{path: path, lock: lock}
	data, err := readPrivateFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		sf.Close()
		return nil, err
	default:
		if err := json.Unmarshal(data, &sf.state); err != nil {
			sf.Close()
			return nil, fmt.Errorf("read state %s: %w (delete the file to start over; the data volumes keep their passwords)", path, err)
		}
	}
	if sf.Ports == nil {
		sf.Ports = map[string]int{}
	}
	if sf.Secrets == nil {
		sf.Secrets = map[string]string{}
	}
	if sf.VarSecrets == nil {
		sf.VarSecrets = map[string]string{}
	}
	return sf, nil
}

// Save writes the state atomically with mode 0600. The new content goes to a
// fresh file (O_EXCL, a random name) in the same directory, so nothing planted
// in the state directory under a predictable name, a symlink above all, is
// followed; it is synced before the rename so a crash leaves the old state or
// the new one, never a truncated file.
func (sf *stateFile) Save() error {
	data, err := json.MarshalIndent(sf.state, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := writeFileAtomic(sf.path, data); err != nil {
		return fmt.Errorf("write state %s: %w", sf.path, err)
	}
	return nil
}

// lockHolder is the pid written in a lock file by the parity holding it.
func lockHolder(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// makePrivateDirs creates the state directory and its projects directory
// with mode 0700 and takes group and other access away from them where an
// earlier version or the user made them wider: the projects directory holds
// generated passwords. The state directory itself is tightened only while it
// holds nothing but parity's projects directory, so a PARITY_STATE_DIR
// pointing at a shared directory (a home, /tmp) is never made private behind
// the user's back; the projects directory inside it still is.
func makePrivateDirs(stateDir, projects string) error {
	if err := os.MkdirAll(projects, 0o700); err != nil {
		return fmt.Errorf("create state dir %s: %w", projects, err)
	}
	if err := tightenDir(projects); err != nil {
		return err
	}
	entries, err := os.ReadDir(stateDir)
	if err != nil {
		return fmt.Errorf("read state dir %s: %w", stateDir, err)
	}
	if len(entries) == 1 && entries[0].Name() == filepath.Base(projects) {
		return tightenDir(stateDir)
	}
	return nil
}

// tightenDir makes dir 0700 if it grants more; a symlink is refused rather
// than followed.
func tightenDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("check state dir %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("check state dir %s: not a directory (a symlink?); remove it or set PARITY_STATE_DIR", dir)
	}
	if fi.Mode().Perm()&^0o700 == 0 {
		return nil
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("make state dir %s private (chmod 700): %w", dir, err)
	}
	return nil
}

// tightenFile makes an open file mode if it grants more.
func tightenFile(f *os.File, mode os.FileMode) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("check state %s: %w", f.Name(), err)
	}
	if fi.Mode().Perm()&^mode == 0 {
		return nil
	}
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("make %s private (chmod %o): %w", f.Name(), mode, err)
	}
	return nil
}

// readPrivateFile reads the state file, refusing a symlink or other
// non-regular file in its place, and makes it 0600 if it was wider.
func readPrivateFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNoFollow, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("read state %s: it is a symlink; remove it (the data volumes keep their passwords)", path)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("read state: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read state %s: not a regular file; remove it", path)
	}
	if err := tightenFile(f, 0o600); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	return data, nil
}

// Close releases the lock.
func (sf *stateFile) Close() error {
	if sf.lock == nil {
		return nil
	}
	err := sf.lock.Close() // closing the descriptor releases the flock
	sf.lock = nil
	return err
}

// newSecret is a random password that is safe in URLs, shells, command-line
// arguments and config files without quoting or escaping: 32 letters and
// digits (about 190 bits). It always has an upper-case letter, a
// lower-case one, a digit and, in the middle, a '-' (unreserved in URLs),
// so that images with a password policy (OpenSearch, SQL Server) take it
// as it is, whichever variable it ends up in.
func newSecret() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("read random: %v", err)) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	b[0] = alphabet[int(b[0])%26]    // upper
	b[1] = alphabet[26+int(b[1])%26] // lower
	b[2] = alphabet[52+int(b[2])%10] // digit
	return string(b[:16]) + "-" + string(b[16:])
}

// secretHash fingerprints a password for the data volume's label, so parity
// can tell that a volume's data was initialised with another password without
// storing the password itself on the volume.
func secretHash(secret string) string {
	sum := sha256.Sum256([]byte("parity-volume:" + secret))
	return hex.EncodeToString(sum[:8])
}
