package engine

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// setDeathSignal makes the kernel kill the app when parity dies (kill -9),
// instead of leaving it running with nobody to stop it.
func setDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }

func foregroundGroup(fd int) (int, error) { return unix.IoctlGetInt(fd, unix.TIOCGPGRP) }
