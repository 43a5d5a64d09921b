//go:build unix

package doctor

import "syscall"

// freeBytes is the space an unprivileged writer may still use on path's filesystem.
func freeBytes(path string) (uint64, error) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(path, &fs); err != nil {
		return 0, err
	}
	return fs.Bavail * uint64(fs.Bsize), nil
}
