//go:build linux

package reactortest

import "golang.org/x/sys/unix"

// threadSignals reports whether interrupt can aim a signal at one thread.
const threadSignals = true

func gettid() int { return unix.Gettid() }

// interrupt sends SIGURG to thread tid of this process. The Go runtime
// always handles SIGURG (it preempts with it) and ignores a spare one, so it
// interrupts a blocking syscall with EINTR without side effects.
func interrupt(tid int) error { return unix.Tgkill(unix.Getpid(), tid, unix.SIGURG) }
