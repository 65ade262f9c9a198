//go:build darwin || linux || openbsd

package core

import "golang.org/x/sys/unix"

// writev sends the slices in order with one writev syscall.
func writev(fd int, bs [][]byte) (int, error) { return unix.Writev(fd, bs) }
