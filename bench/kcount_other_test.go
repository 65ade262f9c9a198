//go:build !linux

package bench

// maybeSyscallChild has nothing to do where the kernel counter is not.
func maybeSyscallChild() {}
