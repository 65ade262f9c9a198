//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package poll

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
	"github.com/reactorbench/reactorbench/reactors/internal/backend"
)

func init() {
	reactors.Register(reactors.Info{
		Name: "poll",
		Doc:  "poll(2) over a pollfd array, self-pipe wake-up; cost per wait grows with watched descriptors",
		New:  New,
	})
}

type poller struct {
	// fds ends with the self-pipe's read end. The kernel queues a wait
	// entry on every descriptor it scans before the first ready one, so
	// the never-ready pipe goes last rather than first.
	fds    []unix.PollFd
	index  []int32 // descriptor -> position in fds plus one; 0 = not watched
	waker  int     // self-pipe's read end
	wakew  int     // self-pipe's write end
	limit  int     // the open-file limit: no descriptor reaches it
	wakes  backend.Waker
	signal func() error
	// next is where the scan of fds starts: past the last descriptor
	// reported when more were ready than dst held, so that the ones
	// further on are not starved by early ones that stay ready.
	next int
}

// New opens a poll poller.
func New() (reactors.Poller, error) {
	r, w, err := backend.Pipe()
	if err != nil {
		return nil, fmt.Errorf("poll: self-pipe: %w", err)
	}
	p := &poller{
		fds:   append(make([]unix.PollFd, 0, 64), unix.PollFd{Fd: int32(r), Events: unix.POLLIN}),
		waker: r,
		wakew: w,
		limit: backend.FileLimit(),
	}
	p.signal = func() error { return backend.Signal(p.wakew) }
	return p, nil
}

func (p *poller) Set(fd int, ev reactors.Events) error {
	if p.wakes.Closed() {
		return reactors.ErrClosed
	}
	if err := backend.Check(fd, ev); err != nil {
		return err
	}
	if fd == p.waker || fd == p.wakew {
		return fmt.Errorf("poll: descriptor %d is the poller's own self-pipe", fd)
	}
	if fd >= p.limit {
		if ev == 0 {
			return nil // never watched
		}
		// poll takes any number, but index is sized by it, so refuse one
		// that cannot be open (rereading the limit, which may have grown).
		if p.limit = backend.FileLimit(); fd >= p.limit {
			return fmt.Errorf("poll: descriptor %d is at or above the open-file limit %d", fd, p.limit)
		}
	}
	pos := 0
	if fd < len(p.index) {
		pos = int(p.index[fd])
	}
	if ev == 0 {
		if pos == 0 {
			return nil
		}
		// Move the last watched entry into the hole so the array stays
		// dense, and the self-pipe after it.
		pipe := len(p.fds) - 1
		p.fds[pos-1] = p.fds[pipe-1]
		p.index[p.fds[pos-1].Fd] = int32(pos)
		p.fds[pipe-1] = p.fds[pipe]
		p.fds = p.fds[:pipe]
		p.index[fd] = 0
		return nil
	}
	var events int16
	if ev&reactors.Readable != 0 {
		events |= unix.POLLIN
	}
	if ev&reactors.Writable != 0 {
		events |= unix.POLLOUT
	}
	if pos == 0 {
		pipe := len(p.fds) - 1
		p.fds = append(p.fds, p.fds[pipe])
		p.fds[pipe] = unix.PollFd{Fd: int32(fd)}
		p.index = backend.Grow(p.index, fd)
		pos = pipe + 1
		p.index[fd] = int32(pos)
	}
	p.fds[pos-1].Events = events
	return nil
}

func (p *poller) Wait(dst []reactors.Event, timeout time.Duration) (int, error) {
	if p.wakes.Closed() {
		return 0, reactors.ErrClosed
	}
	if len(dst) == 0 {
		return 0, fmt.Errorf("poll: Wait needs room for at least one event")
	}
	n, err := unix.Poll(p.fds, backend.Millis(timeout))
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("poll: %w", err)
	}
	pipe := len(p.fds) - 1
	// The self-pipe first, so that a wake-up is drained even when dst
	// fills before the scan would reach the end of the array.
	if n > 0 && p.fds[pipe].Revents != 0 {
		n--
		backend.Drain(p.waker)
		p.wakes.Done()
	}
	if p.next >= pipe { // past the end since descriptors were dropped
		p.next = 0
	}
	k, i := 0, p.next
	for seen := 0; n > 0 && seen < pipe; seen++ {
		if k == len(dst) {
			p.next = i // the rest are still ready: start there next time
			break
		}
		pfd := &p.fds[i]
		if i++; i == pipe {
			i = 0
		}
		re := pfd.Revents
		if re == 0 {
			continue
		}
		n--
		var ev reactors.Events
		if re&unix.POLLIN != 0 {
			ev |= reactors.Readable
		}
		if re&unix.POLLOUT != 0 {
			ev |= reactors.Writable
		}
		if re&unix.POLLHUP != 0 {
			ev |= reactors.Hangup | reactors.Readable | reactors.Writable
		}
		if re&unix.POLLERR != 0 {
			ev |= reactors.Error | reactors.Readable | reactors.Writable
		}
		// POLLNVAL: the descriptor was closed behind our back. Report it
		// so the loop drops it; otherwise every poll would return at once.
		if re&unix.POLLNVAL != 0 {
			ev |= reactors.Hangup | reactors.Error | reactors.Readable | reactors.Writable
		}
		dst[k] = reactors.Event{Fd: int(pfd.Fd), Events: ev}
		k++
	}
	return k, nil
}

func (p *poller) Wake() error { return p.wakes.Wake(p.signal) }

func (p *poller) Close() error {
	return p.wakes.Close(func() error {
		err1 := unix.Close(p.waker)
		err2 := unix.Close(p.wakew)
		p.fds, p.index = nil, nil
		if err1 != nil {
			return err1
		}
		return err2
	})
}
