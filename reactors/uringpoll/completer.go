//go:build linux && (amd64 || arm64)

package uringpoll

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
	"github.com/reactorbench/reactorbench/reactors/internal/backend"
	"github.com/reactorbench/reactorbench/reactors/internal/uring"
)

func init() {
	reactors.Register(reactors.Info{
		Name:      "uring",
		Doc:       "Linux io_uring as a completion API: multishot accept, multishot recv into a shared buffer ring, send, one io_uring_enter per pass",
		New:       NewCompleter,
		Available: CompleterAvailable,
	})
}

// CompleterAvailable reports whether this kernel can run the "uring"
// backend, once per process: the readiness backend's needs, the socket
// opcodes, a provided buffer ring (5.19) and multishot recv (6.0).
var CompleterAvailable = sync.OnceValue(func() error {
	if err := Available(); err != nil {
		return err
	}
	if err := uring.Check(uring.FeatFastPoll, uring.OpAccept, uring.OpRecv, uring.OpSend, uring.OpAsyncCancel); err != nil {
		return err
	}
	if err := kernelAtLeast(6, 0); err != nil {
		return err
	}
	r, err := uring.New(uring.Options{Entries: 2})
	if err != nil {
		return err
	}
	defer r.Close()
	b, err := r.RegisterBufRing(0, 1, 64)
	if err != nil {
		return err
	}
	return b.Close()
})

// kernelAtLeast says which feature a kernel older than major.minor lacks:
// multishot recv came with 6.0 and cannot be probed for.
func kernelAtLeast(major, minor int) error {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return fmt.Errorf("uname: %w", err)
	}
	release := unix.ByteSliceToString(u.Release[:])
	var ma, mi int
	if _, err := fmt.Sscanf(release, "%d.%d", &ma, &mi); err != nil {
		return fmt.Errorf("cannot read the kernel release %q: %w", release, err)
	}
	if ma < major || ma == major && mi < minor {
		return fmt.Errorf("io_uring: multishot recv needs Linux %d.%d, this is %s", major, minor, release)
	}
	return nil
}

// Completer ring and buffer sizes. The CQ holds a pass's completions (more
// overflow into the kernel's list and are flushed); the buffer ring is
// shared by every connection of the loop: up to 2048 buffers of 2 KiB, 4
// MiB of address space, of which bufStep buffers are handed to the kernel
// at first and bufStep more each time a receive finds none, so a loop
// that never has many receives in hand pages in only what it used.
const (
	completerSQ = 1024
	completerCQ = 8192
	bufGroup    = 0
	bufCount    = 2048
	bufSize     = 2 << 10
	bufStep     = 128
	// recvShare bounds the receive completions one descriptor gets per
	// WaitCompletions (64 KiB, one readiness read's worth on epoll), so a
	// connection streaming into the ring cannot starve the others.
	recvShare = 32
)

// Completion kinds, after the readiness ones in the top byte of the user
// data; the cancel of an operation of kind k has kind k+cancelOffset.
const (
	kindAccept = kindRemove + 1 + iota
	kindRecv
	kindSend
	cancelOffset = 8
)

// ioData is the user data of an operation: kind, the caller's tag, fd.
func ioData(kind int, tag uint32, fd int) uint64 {
	return uint64(kind)<<56 | uint64(tag)<<24 | uint64(fd)&0xffffff
}

// ioSlot is what the completer knows of one descriptor's operations.
type ioSlot struct {
	recv, accept uint64    // user data of the live multishot, 0 if none
	sends        []sendRef // sends in flight, oldest first
	share        uint16    // receive completions handed out in this call
}

// sendRef keeps a send's buffer reachable and pinned until its completion:
// the kernel reads it after Send returns. Go's collector does not move heap
// objects today; the Pinner makes that a guarantee rather than an accident.
type sendRef struct {
	ud  uint64
	buf []byte
	pin *runtime.Pinner
}

// pending is a completion waiting to be reported, with the buffer it holds.
type pending struct {
	reactors.Completion
	bid int32 // the provided buffer, or -1
}

type completer struct {
	*poller
	spare   *uring.Ring // SINGLE_ISSUER, disabled, until BindThread
	bufs    *uring.BufRing
	started bool // the buffer ring is registered
	io      []ioSlot
	queue   []pending // completions to report, oldest first
	lent    []uint16  // buffers reported by the last call, returned by the next
	handed  int       // buffers ever handed to the kernel; the rest are unused
	touched []int32   // descriptors whose share to reset
	pins    []*runtime.Pinner
}

// NewCompleter opens a "uring" completer, or says why this kernel cannot.
func NewCompleter() (reactors.Poller, error) {
	return openCompleter(completerSQ, completerCQ, bufCount)
}

// newRing is the ring constructor, replaced by tests to inject failures.
var newRing = uring.New

func openCompleter(sq, cq uint32, nbufs int) (*completer, error) {
	if err := CompleterAvailable(); err != nil {
		return nil, fmt.Errorf("%w: uring: %w", reactors.ErrUnavailable, err)
	}
	ring, err := newRing(uring.Options{Entries: sq, CQEntries: cq})
	if err != nil {
		return nil, err
	}
	bufs, err := uring.NewBufRing(bufGroup, nbufs, bufSize, bufStep)
	if err != nil {
		ring.Close()
		return nil, err
	}
	c := &completer{bufs: bufs, handed: min(bufStep, nbufs)}
	// The single-issuer ring is set up now, disabled, for BindThread to
	// take; the first wait enables it on the loop's thread.
	if c.spare, err = newRing(uring.Options{Entries: sq, CQEntries: cq, SingleIssuer: true}); err != nil {
		ring.Close()
		bufs.Unmap()
		return nil, err
	}
	if !c.spare.SingleIssuer() {
		c.spare.Close()
		c.spare = nil
	}
	p, err := newPoller(ring)
	if err != nil {
		c.dropSpare()
		bufs.Unmap()
		return nil, err
	}
	c.poller = p
	p.other, p.backlog = c.complete, func() bool { return len(c.queue) > 0 }
	return c, nil
}

// BindThread swaps the ring for the one set up with SINGLE_ISSUER and
// DEFER_TASKRUN, moving the submissions queued so far; the first wait
// enables it, which makes its thread the ring's only submitter. A ring
// that already entered the kernel is kept, as where the kernel would not
// give those flags.
func (c *completer) BindThread() error {
	r := c.spare
	if r == nil || c.started || c.ring.Enters() > 0 {
		c.dropSpare()
		return nil
	}
	c.spare = nil
	return c.adopt(r)
}

// adopt moves the submissions queued so far to r, which replaces the ring
// (the completer binding to its thread).
func (p *poller) adopt(r *uring.Ring) error {
	if err := p.ring.MoveQueued(r); err != nil {
		r.Close()
		return err
	}
	p.ring.Close()
	p.ring = r
	return nil
}

func (c *completer) dropSpare() {
	if c.spare != nil {
		c.spare.Close()
		c.spare = nil
	}
}

// start registers the buffer ring, on the first wait or BindThread.
func (c *completer) start() error {
	if c.started {
		return nil
	}
	c.dropSpare()
	if err := c.ring.Enable(); err != nil {
		return err
	}
	if err := c.bufs.Register(c.ring); err != nil {
		return err
	}
	c.started = true
	return nil
}

func (c *completer) slot(fd int) (*ioSlot, error) {
	if c.waker.Closed() {
		return nil, reactors.ErrClosed
	}
	if fd < 0 || fd > 0xffffff {
		return nil, fmt.Errorf("uring: descriptor %d out of range", fd)
	}
	c.io = backend.Grow(c.io, fd)
	return &c.io[fd], nil
}

func (c *completer) Accept(fd int, tag uint32) error {
	s, err := c.slot(fd)
	if err != nil {
		return err
	}
	sqe, err := c.ring.Next()
	if err != nil {
		return err
	}
	s.accept = ioData(kindAccept, tag, fd)
	sqe.PrepAcceptMultishot(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, s.accept)
	return nil
}

func (c *completer) Recv(fd int, tag uint32) error {
	s, err := c.slot(fd)
	if err != nil {
		return err
	}
	sqe, err := c.ring.Next()
	if err != nil {
		return err
	}
	s.recv = ioData(kindRecv, tag, fd)
	sqe.PrepRecvMultishot(fd, bufGroup, s.recv)
	return nil
}

func (c *completer) StopRecv(fd int, tag uint32) error {
	s, err := c.slot(fd)
	if err != nil {
		return err
	}
	if ud := ioData(kindRecv, tag, fd); s.recv == ud {
		s.recv = 0
		return c.cancelIO(ud)
	}
	return nil
}

func (c *completer) Send(fd int, b []byte, tag uint32) error {
	if len(b) == 0 || len(b) > math.MaxInt32 {
		return fmt.Errorf("uring: send of %d bytes", len(b))
	}
	s, err := c.slot(fd)
	if err != nil {
		return err
	}
	sqe, err := c.ring.Next()
	if err != nil {
		return err
	}
	var pin *runtime.Pinner
	if n := len(c.pins); n > 0 {
		pin, c.pins = c.pins[n-1], c.pins[:n-1]
	} else {
		pin = new(runtime.Pinner)
	}
	pin.Pin(&b[0])
	ud := ioData(kindSend, tag, fd)
	s.sends = append(s.sends, sendRef{ud: ud, buf: b, pin: pin})
	sqe.PrepSend(fd, unsafe.Pointer(&b[0]), uint32(len(b)), unix.MSG_NOSIGNAL, ud)
	return nil
}

func (c *completer) Cancel(fd int) error {
	s, err := c.slot(fd)
	if err != nil {
		return err
	}
	for _, ud := range [2]uint64{s.recv, s.accept} {
		if ud != 0 {
			if err := c.cancelIO(ud); err != nil {
				return err
			}
		}
	}
	s.recv, s.accept = 0, 0
	for _, r := range s.sends {
		if err := c.cancelIO(r.ud); err != nil {
			return err
		}
	}
	return nil
}

// cancelIO queues the cancel of the operation with user data target; it
// completes only if it fails.
func (c *completer) cancelIO(target uint64) error {
	sqe, err := c.ring.Next()
	if err != nil {
		return err
	}
	sqe.PrepCancel(target, -1, 0, target+cancelOffset<<56)
	sqe.Flags |= uring.SQECQESkipSuccess
	return nil
}

// complete files one completion of an operation for reporting.
func (c *completer) complete(q uring.CQE) error {
	kind, fd := int(q.UserData>>56), int(q.UserData&0xffffff)
	if kind >= cancelOffset {
		if q.Res == -int32(unix.EALREADY) { // running: try again next pass
			return c.cancelIO(q.UserData - cancelOffset<<56)
		}
		return nil // ENOENT: it had ended already
	}
	more := q.Flags&uring.CQEFMore != 0
	d := pending{Completion: reactors.Completion{Fd: fd, Tag: uint32(q.UserData >> 24), Res: int(q.Res), More: more}, bid: -1}
	var s *ioSlot
	if fd < len(c.io) {
		s = &c.io[fd]
	}
	switch kind {
	case kindAccept:
		d.Op = reactors.OpAccept
		if !more && s != nil && s.accept == q.UserData {
			s.accept = 0
		}
	case kindRecv:
		d.Op = reactors.OpRecv
		if q.Flags&uring.CQEFBuffer != 0 {
			bid := uint16(q.Flags >> uring.CQEBufferShift)
			d.bid = int32(bid)
			if q.Res > 0 {
				d.Data = c.bufs.Buf(bid, int(q.Res))
			}
		}
		if !more && s != nil && s.recv == q.UserData {
			s.recv = 0
		}
		if q.Res == -int32(unix.ENOBUFS) {
			c.moreBuffers()
		}
	case kindSend:
		d.Op = reactors.OpSend
		if s != nil {
			c.sent(s, q.UserData)
		}
	default:
		return fmt.Errorf("uring: completion of unknown kind %d", kind)
	}
	c.queue = append(c.queue, d)
	return nil
}

// moreBuffers hands the kernel bufStep buffers it never had, while there
// are any: a receive ran out.
func (c *completer) moreBuffers() {
	n := min(c.handed+bufStep, c.bufs.Len())
	for bid := c.handed; bid < n; bid++ {
		c.bufs.Put(uint16(bid))
	}
	if n > c.handed {
		c.handed = n
		c.bufs.Publish()
	}
}

// sent lets go of the buffer of the send with user data ud.
func (c *completer) sent(s *ioSlot, ud uint64) {
	for i, r := range s.sends {
		if r.ud == ud {
			r.pin.Unpin()
			c.pins = append(c.pins, r.pin)
			copy(s.sends[i:], s.sends[i+1:])
			s.sends[len(s.sends)-1] = sendRef{}
			s.sends = s.sends[:len(s.sends)-1]
			return
		}
	}
}

func (c *completer) Wait(dst []reactors.Event, timeout time.Duration) (int, error) {
	n, _, err := c.WaitCompletions(dst, nil, timeout)
	return n, err
}

func (c *completer) WaitCompletions(dst []reactors.Event, done []reactors.Completion, timeout time.Duration) (int, int, error) {
	if c.waker.Closed() {
		return 0, 0, reactors.ErrClosed
	}
	if err := c.start(); err != nil {
		return 0, 0, err
	}
	// The bytes reported last time have been handed on: their buffers
	// go back to the kernel with this call's enter.
	if len(c.lent) > 0 {
		for _, bid := range c.lent {
			c.bufs.Put(bid)
		}
		c.bufs.Publish()
		c.lent = c.lent[:0]
	}
	n, err := c.poller.Wait(dst, timeout)
	if err != nil {
		return 0, 0, err
	}
	return n, c.report(done), nil
}

// report moves the oldest queued completions into done, each descriptor's
// receives up to recvShare; the rest keep their order for the next call.
func (c *completer) report(done []reactors.Completion) int {
	k, kept := 0, 0
	for i := range c.queue {
		d := &c.queue[i]
		if k == len(done) || d.Op == reactors.OpRecv && d.Fd < len(c.io) && c.io[d.Fd].share >= recvShare {
			c.queue[kept] = *d
			kept++
			continue
		}
		if d.Op == reactors.OpRecv && d.Fd < len(c.io) {
			s := &c.io[d.Fd]
			if s.share == 0 {
				c.touched = append(c.touched, int32(d.Fd))
			}
			s.share++
		}
		if d.bid >= 0 {
			c.lent = append(c.lent, uint16(d.bid))
		}
		done[k] = d.Completion
		k++
	}
	clear(c.queue[kept:])
	c.queue = c.queue[:kept]
	for _, fd := range c.touched {
		c.io[fd].share = 0
	}
	c.touched = c.touched[:0]
	return k
}

func (c *completer) Close() error { return c.waker.Close(c.release) }

// release closes the ring, which ends the kernel's use of the buffers and
// of every send's memory, then frees both.
func (c *completer) release() error {
	err := c.poller.release()
	c.dropSpare()
	c.bufs.Unmap()
	for i := range c.io {
		for _, r := range c.io[i].sends {
			r.pin.Unpin()
		}
	}
	c.io, c.queue, c.pins = nil, nil, nil
	return err
}
