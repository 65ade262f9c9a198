//go:build !(darwin || linux || openbsd)

package core

import "golang.org/x/sys/unix"

// writev sends what it can of the first slice: x/sys/unix has no Writev
// here, and WriteSequence buffers whatever a short write leaves.
func writev(fd int, bs [][]byte) (int, error) {
	if len(bs) == 0 {
		return 0, nil
	}
	return unix.Write(fd, bs[0])
}
