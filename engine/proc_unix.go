//go:build unix

package engine

import (
	"errors"
	"os"
	"syscall"
)

// procAttr starts the app in a process group of its own (ownGroup) or in
// parity's, dying with parity where the system can arrange it.
func procAttr(ownGroup bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: ownGroup}
	setDeathSignal(a)
	return a
}

// kill is kill(2): a negative pid is a process group; signal 0 only asks
// whether it exists.
func kill(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }

func getpgrp() int { return syscall.Getpgrp() }

// openNoFollow makes opening a symlink fail instead of following it.
const openNoFollow = syscall.O_NOFOLLOW

// tryLock takes an exclusive lock on f without waiting; held is false when
// another process has it. The lock dies with the descriptor (and process).
func tryLock(f *os.File) (held bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// stackLimit is the soft stack rlimit a child inherits; ok is false when
// unlimited or unknown.
func stackLimit() (uint64, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_STACK, &rl); err != nil || rl.Cur == ^uint64(0) {
		return 0, false
	}
	return rl.Cur, true
}
