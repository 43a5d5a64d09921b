package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// appRecord is what parity writes down about a running app, so that when
// parity itself is killed (-9, an IDE's hard stop) the next command finds
// an app that outlived it instead of starting a second copy unawares.
type appRecord struct {
	PID       int       `json:"pid"` // also its process group
	Command   []string  `json:"command"`
	Started   time.Time `json:"started"`
	StartTick uint64    `json:"startTick,omitempty"` // /proc start time, against pid reuse
	ParityPID int       `json:"parityPid"`
}

func appRecordPath(dir, project string) string {
	return filepath.Join(dir, "projects", project+".app.json")
}

func writeAppRecord(dir, project string, r appRecord) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return writeFileAtomic(appRecordPath(dir, project), data)
}

func removeAppRecord(dir, project string) {
	_ = os.Remove(appRecordPath(dir, project))
}

// orphanApp is the app an earlier parity started and could not stop, still
// running: nil when there is none (or its record is stale).
func orphanApp(dir, project string) *appRecord {
	data, err := os.ReadFile(appRecordPath(dir, project))
	if errors.Is(err, fs.ErrNotExist) || err != nil {
		return nil
	}
	var r appRecord
	if json.Unmarshal(data, &r) != nil || r.PID <= 0 {
		removeAppRecord(dir, project)
		return nil
	}
	if r.ParityPID != os.Getpid() && processAlive(r.ParityPID) {
		return nil // its parity still runs and supervises it
	}
	if !groupAlive(r.PID) || (r.StartTick != 0 && processAlive(r.PID) && startTick(r.PID) != r.StartTick) {
		removeAppRecord(dir, project)
		return nil
	}
	return &r
}

// describe names the orphan for a message.
func (r *appRecord) describe() string {
	return fmt.Sprintf("pid %d, %q, started %s", r.PID, strings.Join(r.Command, " "), r.Started.Format("15:04:05"))
}

// stopOrphan stops what is left of the app's process group: SIGTERM, then
// SIGKILL after grace.
func stopOrphan(dir, project string, r *appRecord, grace time.Duration) {
	_ = kill(-r.PID, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for groupAlive(r.PID) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // a foreign process group has no exit notification
	}
	if groupAlive(r.PID) {
		_ = kill(-r.PID, syscall.SIGKILL)
	}
	removeAppRecord(dir, project)
}

func processAlive(pid int) bool {
	return pid > 0 && kill(pid, 0) == nil
}

func groupAlive(pgid int) bool {
	return pgid > 0 && kill(-pgid, 0) == nil
}

// startTick is the process's start time in clock ticks since boot (field
// 22 of /proc/PID/stat), 0 where /proc does not tell.
func startTick(pid int) uint64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces and parentheses: count
	// fields from the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return 0
	}
	var t uint64
	fmt.Sscan(fields[19], &t)
	return t
}

// writeFileAtomic writes data to path through a fresh temporary file in
// the same directory (O_EXCL, mode 0600: never a name someone could have
// planted a symlink at), synced, then renamed into place: a crash leaves
// the old file or the new one, never a truncated file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename itself durable; not every filesystem can
		d.Close()
	}
	return nil
}
