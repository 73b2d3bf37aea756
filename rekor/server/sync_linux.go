package server

import (
	"os"
	"syscall"
)

// datasync flushes f's data (and the size, needed to read it back) to
// disk, as SQLite itself syncs on Linux.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd())) //nolint:gosec // a file descriptor fits an int
		if err != syscall.EINTR {
			return err
		}
	}
}
