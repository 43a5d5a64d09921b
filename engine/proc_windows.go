//go:build windows

package engine

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// procAttr starts the app in a process group of its own (ownGroup), so a
// console Ctrl-C reaches it only through parity.
func procAttr(ownGroup bool) *syscall.SysProcAttr {
	if !ownGroup {
		return nil
	}
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// kill approximates kill(2) on Windows: a negative pid names the group by
// its leader; signal 0 asks whether it still runs; any other signal ends
// it, Windows having no way to send SIGINT or SIGTERM to another process.
func kill(pid int, sig syscall.Signal) error {
	if pid < 0 {
		pid = -pid
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return err
	}
	const stillActive = 259
	if code != stillActive {
		return errors.New("process exited")
	}
	if sig == 0 {
		return nil
	}
	return windows.TerminateProcess(h, 1)
}

func getpgrp() int { return 0 }

const openNoFollow = 0

func tryLock(f *os.File) (held bool, err error) {
	ol := new(windows.Overlapped)
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return false, nil
	}
	return err == nil, err
}

func stackLimit() (uint64, bool) { return 0, false }
