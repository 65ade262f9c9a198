//go:build unix

package backend

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
)

// MaxWait caps one timed wait so that the kernel's millisecond and timeval
// arithmetic never overflows; the loop simply waits again.
const MaxWait = 24 * time.Hour

// Round rounds a positive timeout below one millisecond up to one millisecond,
// so that a tiny timeout never turns into a busy poll, and caps it at MaxWait.
// Zero and negative timeouts are returned unchanged.
func Round(d time.Duration) time.Duration {
	switch {
	case d <= 0:
		return d
	case d < time.Millisecond:
		return time.Millisecond
	case d > MaxWait:
		return MaxWait
	}
	return d
}

// Millis converts a timeout to the whole milliseconds poll and epoll_wait
// take, rounding up: -1 blocks, 0 polls.
func Millis(d time.Duration) int {
	if d < 0 {
		return -1
	}
	d = Round(d)
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// Waker coalesces wake-ups and keeps them away from a closed poller. At most
// one wake-up is pending: Wake signals only when it flips the pending flag,
// and the loop re-arms it with Done once the wake-up has been seen.
type Waker struct {
	pending atomic.Bool
	closed  atomic.Bool
	// mu stops Close from releasing the wake-up descriptor, whose number
	// could then be reused, while a Wake is writing to it.
	mu sync.RWMutex
}

// Closed reports whether Close has run.
func (w *Waker) Closed() bool { return w.closed.Load() }

// Wake runs signal unless a wake-up is already pending. EAGAIN from signal
// means the descriptor is full of earlier wake-ups, which is success.
func (w *Waker) Wake(signal func() error) error {
	if w.closed.Load() {
		return reactors.ErrClosed
	}
	if !w.pending.CompareAndSwap(false, true) {
		return nil
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed.Load() {
		return reactors.ErrClosed
	}
	err := signal()
	if err == unix.EAGAIN {
		return nil
	}
	if err != nil {
		w.pending.Store(false)
	}
	return err
}

// Done re-arms Wake. The loop calls it after draining the wake-up: a Wake
// between the drain and Done is dropped, which is safe because the Wait that
// drained is returning anyway. Re-arming before the drain would let the
// drain swallow a fresh signal and leave the flag set with nothing to read,
// so every later Wake would be lost.
func (w *Waker) Done() { w.pending.Store(false) }

// Close marks the poller closed and runs release once, after any Wake in
// flight has finished. Later calls do nothing and return nil.
func (w *Waker) Close(release func() error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed.Swap(true) {
		return nil
	}
	return release()
}

// one is the value written to wake a self-pipe or an eventfd: eventfd needs
// exactly eight bytes holding a native-endian counter increment.
var one = func() (b [8]byte) {
	binary.NativeEndian.PutUint64(b[:], 1)
	return b
}()

// Pipe opens a non-blocking, close-on-exec self-pipe.
func Pipe() (r, w int, err error) {
	var p [2]int
	// Hold ForkLock so a concurrent fork+exec cannot inherit the pipe
	// before it is marked close-on-exec (pipe2 is not available everywhere).
	syscall.ForkLock.RLock()
	err = unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, -1, err
	}
	for _, fd := range p {
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return -1, -1, err
		}
	}
	return p[0], p[1], nil
}

// Signal writes one wake-up to fd, a self-pipe's write end or an eventfd.
func Signal(fd int) error {
	_, err := unix.Write(fd, one[:])
	return err
}

// Drain empties fd, a self-pipe's read end or an eventfd, so that it stops
// being readable.
func Drain(fd int) {
	var buf [64]byte
	for {
		n, err := unix.Read(fd, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n < len(buf) {
			return
		}
	}
}

// Check rejects a negative descriptor and a mask with bits other than
// Readable and Writable, before a backend touches the kernel.
func Check(fd int, ev reactors.Events) error {
	if fd < 0 {
		return fmt.Errorf("reactors: Set on negative descriptor %d", fd)
	}
	if ev&^(reactors.Readable|reactors.Writable) != 0 {
		return fmt.Errorf("reactors: Set(%d, %v): only Readable and Writable can be watched", fd, ev)
	}
	return nil
}

// MaxFiles bounds the descriptor tables when the open-file limit is
// unlimited; it is Linux's default ceiling (fs.nr_open).
const MaxFiles = 1 << 20

// FileLimit returns the process's open-file limit, capped at MaxFiles. No
// open descriptor is at or above it, so a backend can refuse such a number
// before sizing a table by it.
func FileLimit() int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > MaxFiles {
		return MaxFiles
	}
	return int(rl.Cur)
}

// Grow returns s extended with zero values so that s[fd] exists, at least
// doubling its capacity so that tables indexed by descriptor grow rarely.
func Grow[T any](s []T, fd int) []T {
	if fd < len(s) {
		return s
	}
	if fd < cap(s) {
		return s[:fd+1]
	}
	t := make([]T, fd+1, max(2*cap(s), fd+1, 64))
	copy(t, s)
	return t
}
