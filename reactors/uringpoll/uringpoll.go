//go:build linux && (amd64 || arm64)

package uringpoll

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
	"github.com/reactorbench/reactorbench/reactors/internal/backend"
	"github.com/reactorbench/reactorbench/reactors/internal/uring"
)

func init() {
	reactors.Register(reactors.Info{
		Name:      "uring-poll",
		Doc:       "Linux io_uring as a readiness API: POLL_ADD per descriptor, re-armed and waited for in one io_uring_enter, eventfd wake-up",
		New:       New,
		Available: Available,
	})
}

// Available reports whether this kernel can run the backend, once per
// process: a ring with the features and opcodes it uses.
var Available = sync.OnceValue(func() error {
	return uring.Check(uring.FeatCQESkip, uring.OpPollAdd, uring.OpPollRemove)
})

// Ring sizes: the SQ holds a pass's interest changes and re-arms (a fuller
// one is submitted early); the CQ holds a pass's completions, and more
// overflow into the kernel's list, which Reap flushes.
const (
	sqEntries = 512
	cqEntries = 4096
)

// User data: the kind in the top byte, a 24-bit generation, the descriptor.
const (
	kindPoll   = iota // the one-shot poll of a watched descriptor
	kindWake          // the multishot poll of the wake-up eventfd
	kindRemove        // a cancel of a poll; completes only if it fails
)

func userData(kind, fd int, gen uint32) uint64 {
	return uint64(kind)<<56 | uint64(gen&0xffffff)<<32 | uint64(uint32(fd))
}

// slot is what the poller knows of one descriptor.
type slot struct {
	mask   reactors.Events // interest, as last armed
	gen    uint32          // generation of the live poll's user data
	live   bool            // the poll is armed in the kernel
	ready  reactors.Events // seen in completions, not yet reported
	queued bool            // in the ready queue
	rearm  bool            // reported: the next Wait re-arms it
}

type poller struct {
	ring   *uring.Ring
	wakefd int // eventfd
	slots  []slot
	queue  []int32 // descriptors with events to report, oldest first
	head   int     // queue[head:] is pending
	ready  int     // slots in the queue with events still to report
	woken  bool    // the last reap consumed a wake-up
	rearm  []int32 // reported by the last Wait
	cqes   []uring.CQE
	limit  int
	waker  backend.Waker
	signal func() error

	// other takes the completions of kinds this file does not know (a
	// completer's operations); backlog says it holds some to report, so
	// Wait must not block.
	other   func(uring.CQE) error
	backlog func() bool
}

// New opens a uring-poll poller, or says why this kernel cannot.
func New() (reactors.Poller, error) { return open(sqEntries, cqEntries) }

func open(sq, cq uint32) (*poller, error) {
	if err := Available(); err != nil {
		return nil, fmt.Errorf("%w: uring-poll: %w", reactors.ErrUnavailable, err)
	}
	ring, err := uring.New(uring.Options{Entries: sq, CQEntries: cq})
	if err != nil {
		return nil, err
	}
	return newPoller(ring)
}

// BindThread keeps the ring: what uring-poll needs is the lock the loop
// takes with it. The kernel runs a poll's task work on the thread that
// armed the poll, so on a loop goroutine the scheduler moves between
// threads, a completion, or a cancelled poll's hold on its socket, could
// wait on a thread gone idle (a Group's listener took a connection after
// StopListening). SINGLE_ISSUER with DEFER_TASKRUN, which the completer
// takes, is not: measured on the echo workload at C=1000 it cut the
// server's CPU per round trip by about a tenth but tripled its p99 (46 ms
// against 12-15 ms with the lock alone and epoll's 14-18 ms).
func (p *poller) BindThread() error { return nil }

// newPoller makes a poller over ring, which it owns from now on.
func newPoller(ring *uring.Ring) (*poller, error) {
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		ring.Close()
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	p := &poller{ring: ring, wakefd: wakefd, cqes: make([]uring.CQE, 256), limit: backend.FileLimit()}
	p.signal = func() error { return backend.Signal(p.wakefd) }
	if err := p.armWake(); err != nil {
		p.release()
		return nil, err
	}
	return p, nil
}

func (p *poller) armWake() error {
	s, err := p.ring.Next()
	if err != nil {
		return err
	}
	s.PrepPollAdd(p.wakefd, unix.POLLIN, true, userData(kindWake, p.wakefd, 0))
	return nil
}

func pollMask(ev reactors.Events) uint32 {
	var m uint32
	if ev&reactors.Readable != 0 {
		m |= unix.POLLIN
	}
	if ev&reactors.Writable != 0 {
		m |= unix.POLLOUT
	}
	return m
}

// arm queues a one-shot poll for fd under a new generation, so anything an
// older one still completes is dropped. Arming checks readiness at once: a
// descriptor already ready completes in the io_uring_enter that submits it.
//
// multishot arms a poll that completes once per wake-up instead, for a
// descriptor whose poll completed with nothing the interest asked for
// (POLLRDHUP, which io_uring always watches, alone while waiting to
// write): a one-shot poll would complete again at once, for ever.
func (p *poller) arm(fd int, multishot bool) error {
	s := &p.slots[fd]
	sqe, err := p.ring.Next()
	if err != nil {
		return err
	}
	s.gen++
	s.live = true
	s.rearm = false
	sqe.PrepPollAdd(fd, pollMask(s.mask), multishot, userData(kindPoll, fd, s.gen))
	return nil
}

// cancel queues the removal of the poll with user data target. It is an
// ASYNC_CANCEL, not a POLL_REMOVE: POLL_REMOVE fails with EALREADY while a
// wake-up of the poll is being handled, and the poll, left armed, would
// keep the file open after the caller closes it.
func (p *poller) cancel(target uint64) error {
	sqe, err := p.ring.Next()
	if err != nil {
		return err
	}
	sqe.PrepCancel(target, -1, 0, kindRemove<<56|target&(1<<56-1))
	sqe.Flags |= uring.SQECQESkipSuccess
	return nil
}

func (p *poller) Set(fd int, ev reactors.Events) error {
	if p.waker.Closed() {
		return reactors.ErrClosed
	}
	if err := backend.Check(fd, ev); err != nil {
		return err
	}
	if fd == p.wakefd {
		return fmt.Errorf("uring-poll: descriptor %d is the poller's own wake-up eventfd", fd)
	}
	if fd >= p.limit {
		if ev == 0 {
			return nil // never watched
		}
		if p.limit = backend.FileLimit(); fd >= p.limit {
			return fmt.Errorf("uring-poll: descriptor %d is at or above the open-file limit %d", fd, p.limit)
		}
	}
	old := reactors.Events(0)
	if fd < len(p.slots) {
		old = p.slots[fd].mask
	}
	if ev == old {
		return nil
	}
	p.slots = backend.Grow(p.slots, fd)
	s := &p.slots[fd]
	cancelled := s.live
	if s.live {
		if err := p.cancel(userData(kindPoll, fd, s.gen)); err != nil {
			return err
		}
		s.live = false
	}
	s.gen++ // whatever the old poll still completes is stale from here on
	if s.ready != 0 {
		p.ready-- // its queue entry is skipped when reached
	}
	s.mask, s.ready = ev, 0
	if ev == 0 {
		if cancelled && p.ring.Enabled() {
			// The armed poll holds the file: hand its cancel to the kernel
			// now, so a close that follows closes the socket for its peer
			// at once, as it does under epoll, whose removal costs a call
			// too; a change of interest waits for the next Wait's enter.
			if err := p.ring.SubmitAndWait(0); err != unix.EINTR {
				return err
			}
		}
		return nil
	}
	return p.arm(fd, false)
}

func (p *poller) Wait(dst []reactors.Event, timeout time.Duration) (int, error) {
	if p.waker.Closed() {
		return 0, reactors.ErrClosed
	}
	if len(dst) == 0 {
		return 0, fmt.Errorf("uring-poll: Wait needs room for at least one event")
	}
	if err := p.rearmReported(); err != nil {
		return 0, err
	}
	timeout = backend.Round(timeout)
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		wait := timeout
		if p.ready > 0 || p.backlog != nil && p.backlog() {
			wait = 0 // events are already waiting to be reported
		}
		err := p.ring.SubmitAndWait(wait)
		switch err {
		case nil, unix.ETIME:
		case unix.EINTR:
			return 0, nil
		default:
			return 0, err
		}
		p.woken = false
		if err := p.reap(); err != nil {
			return 0, err
		}
		if k := p.report(dst); k > 0 || wait == 0 || err == unix.ETIME || p.woken || p.backlog != nil && p.backlog() {
			return k, nil
		}
		// Only completions with nothing to report came in (of removed
		// polls, or with nothing the interest asked for): wait out the
		// rest of the timeout.
		if timeout > 0 {
			if timeout = time.Until(deadline); timeout <= 0 {
				return 0, nil
			}
			timeout = backend.Round(timeout)
		}
	}
}

// rearmReported arms a poll again for every descriptor the last Wait
// reported and whose poll has completed: one still ready completes again at
// once, which makes the one-shot poll level-triggered.
func (p *poller) rearmReported() error {
	for _, fd := range p.rearm {
		s := &p.slots[fd]
		if s.rearm && s.mask != 0 && !s.live {
			if err := p.arm(int(fd), false); err != nil {
				return err
			}
		}
		s.rearm = false
	}
	p.rearm = p.rearm[:0]
	return nil
}

// reap empties the CQ into the ready queue.
func (p *poller) reap() error {
	for {
		n := p.ring.Reap(p.cqes)
		for _, c := range p.cqes[:n] {
			if err := p.complete(c); err != nil {
				return err
			}
		}
		if n < len(p.cqes) {
			return nil
		}
	}
}

func (p *poller) complete(c uring.CQE) error {
	kind, fd, gen := int(c.UserData>>56), int(uint32(c.UserData)), uint32(c.UserData>>32)&0xffffff
	if kind > kindRemove && p.other != nil {
		return p.other(c)
	}
	if kind == kindWake {
		if c.Flags&uring.CQEFMore == 0 {
			if err := p.armWake(); err != nil {
				return err
			}
		}
		backend.Drain(p.wakefd)
		p.waker.Done()
		p.woken = true
		return nil
	}
	if kind == kindRemove {
		if c.Res == -int32(unix.EALREADY) { // busy: try again next pass
			return p.cancel(kindPoll<<56 | c.UserData&(1<<56-1))
		}
		return nil // ENOENT: the poll had ended already
	}
	if fd >= len(p.slots) {
		return nil
	}
	s := &p.slots[fd]
	if s.mask == 0 || s.gen&0xffffff != gen {
		return nil // a removed or replaced poll
	}
	ev := events(c.Res)
	if c.Flags&uring.CQEFMore != 0 { // the multishot fallback, still armed
		if ev == 0 {
			return nil
		}
		// Something asked for: back to one-shot polls once reported.
		if err := p.cancel(c.UserData); err != nil {
			return err
		}
		s.gen++ // the cancelled poll's last completion is stale
	}
	s.live = false // re-armed once reported
	if ev == 0 {
		return p.arm(fd, true)
	}
	if s.ready == 0 {
		p.ready++
	}
	s.ready |= ev
	if !s.queued {
		s.queued = true
		p.queue = append(p.queue, int32(fd))
	}
	return nil
}

// events maps a poll completion's result (a poll mask, or -errno) to the
// portable bits.
func events(res int32) reactors.Events {
	if res < 0 {
		return reactors.Error | reactors.Readable | reactors.Writable
	}
	var ev reactors.Events
	if res&(unix.POLLIN|unix.POLLPRI) != 0 {
		ev |= reactors.Readable
	}
	if res&unix.POLLOUT != 0 {
		ev |= reactors.Writable
	}
	if res&unix.POLLHUP != 0 {
		ev |= reactors.Hangup | reactors.Readable | reactors.Writable
	}
	if res&(unix.POLLERR|unix.POLLNVAL) != 0 {
		ev |= reactors.Error | reactors.Readable | reactors.Writable
	}
	return ev
}

// report moves the oldest queued events into dst; the rest wait for the
// next Wait, behind nothing newer.
func (p *poller) report(dst []reactors.Event) int {
	k := 0
	for k < len(dst) && p.head < len(p.queue) {
		fd := p.queue[p.head]
		p.head++
		s := &p.slots[fd]
		ev := s.ready
		s.queued, s.ready = false, 0
		if ev == 0 {
			continue
		}
		p.ready--
		dst[k] = reactors.Event{Fd: int(fd), Events: ev}
		k++
		if !s.rearm {
			s.rearm = true
			p.rearm = append(p.rearm, fd)
		}
	}
	if p.head == len(p.queue) {
		p.queue, p.head = p.queue[:0], 0
	} else if p.head > len(p.queue)/2 {
		p.queue = p.queue[:copy(p.queue, p.queue[p.head:])]
		p.head = 0
	}
	return k
}

func (p *poller) Wake() error { return p.waker.Wake(p.signal) }

func (p *poller) Close() error { return p.waker.Close(p.release) }

// Enters is how many io_uring_enter calls the poller made.
func (p *poller) Enters() uint64 { return p.ring.Enters() }

func (p *poller) release() error {
	err1 := p.ring.Close()
	err2 := unix.Close(p.wakefd)
	p.slots, p.queue, p.rearm = nil, nil, nil
	if err1 != nil {
		return err1
	}
	return err2
}
