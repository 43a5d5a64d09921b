//go:build !linux

package engine

import (
	"errors"
	"syscall"
)

func setDeathSignal(*syscall.SysProcAttr) {}

func foregroundGroup(int) (int, error) { return 0, errors.New("not supported") }
