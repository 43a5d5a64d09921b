package stacks

import (
	"errors"
	"syscall"
)

// Winsock's codes: syscall's ECONNREFUSED and ECONNRESET on Windows are
// invented values that real socket errors never carry.
const wsaeconnrefused = syscall.Errno(10061)

// isRefused reports whether nothing listens at the address.
func isRefused(err error) bool { return errors.Is(err, wsaeconnrefused) }

// isDropped reports whether the peer hung up on an open connection.
func isDropped(err error) bool {
	return errors.Is(err, syscall.WSAECONNRESET) || errors.Is(err, syscall.WSAECONNABORTED)
}
