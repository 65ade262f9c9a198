package core

import (
	"errors"
	"fmt"
	"log"
	"reflect"
	"runtime/debug"

	"github.com/reactorbench/reactorbench/reactors"
)

// ErrFdescWentAway is the reason given to a descriptor whose Fileno is -1
// when its event is dispatched. It wraps ErrConnectionLost.
var ErrFdescWentAway = fmt.Errorf("%w (file descriptor went away)", ErrConnectionLost)

// ErrFdescReused is the reason given to a registered descriptor when
// another one is added with its number: the number was closed behind the
// loop's back and the kernel handed it out again, so the old descriptor
// must not touch it (nor close it) any more. It wraps ErrConnectionLost.
var ErrFdescReused = fmt.Errorf("%w (file descriptor closed and its number reused)", ErrConnectionLost)

// filenoForgetter is a descriptor of this package that can drop its number
// without closing it, once the number belongs to someone else.
type filenoForgetter interface{ forgetFileno() }

// HalfCloseableDescriptor is a ReadDescriptor that outlives the end of its
// read side: when DoRead returns a reason that is ErrConnectionDone, the
// loop stops reading it and calls ReadConnectionLost instead of
// ConnectionLost, and it stays registered as a writer.
type HalfCloseableDescriptor interface {
	ReadDescriptor
	ReadConnectionLost(reason error)
}

// fdEntry is what the loop watches on one descriptor number.
type fdEntry struct {
	r     ReadDescriptor
	w     WriteDescriptor
	mask  reactors.Events
	since uint64 // Waits count when the number was registered
}

// AddReader makes the loop call r.DoRead when r is readable. Adding it
// again does nothing. One descriptor owns a number: adding another one
// with the number of a registered descriptor means the number was closed
// behind the loop's back and reused, so the old descriptor is dropped and
// hears ConnectionLost(ErrFdescReused) on the next pass.
func (l *Loop) AddReader(r ReadDescriptor) error {
	l.owner.check("Loop.AddReader")
	fd, err := checkDescriptor(r)
	if err != nil {
		return fmt.Errorf("core: AddReader: %w", err)
	}
	if fd < len(l.fds) && l.fds[fd].r == r {
		return nil
	}
	l.evictOthers(fd, r)
	if err := l.setMask(fd, l.maskOf(fd)|reactors.Readable); err != nil {
		return fmt.Errorf("core: AddReader: %w", err)
	}
	l.fds[fd].r = r
	return nil
}

// AddWriter makes the loop call w.DoWrite when w is writable; another
// descriptor with the same number is dropped as in AddReader.
func (l *Loop) AddWriter(w WriteDescriptor) error {
	l.owner.check("Loop.AddWriter")
	fd, err := checkDescriptor(w)
	if err != nil {
		return fmt.Errorf("core: AddWriter: %w", err)
	}
	if fd < len(l.fds) && l.fds[fd].w == w {
		return nil
	}
	l.evictOthers(fd, w)
	if err := l.setMask(fd, l.maskOf(fd)|reactors.Writable); err != nil {
		return fmt.Errorf("core: AddWriter: %w", err)
	}
	l.fds[fd].w = w
	return nil
}

// RemoveReader stops reading r; a descriptor not registered is a no-op.
// The loop finds r by its Fileno, which must not change while r is
// registered. Remove a descriptor before its Fileno turns -1: after that,
// finding it takes a scan of the table.
func (l *Loop) RemoveReader(r ReadDescriptor) {
	l.owner.check("Loop.RemoveReader")
	if r == nil {
		return
	}
	if fd := l.slotOf(r); fd >= 0 && l.fds[fd].r == r {
		l.dropReader(fd)
	}
}

// RemoveWriter stops watching w for writability, as RemoveReader.
func (l *Loop) RemoveWriter(w WriteDescriptor) {
	l.owner.check("Loop.RemoveWriter")
	if w == nil {
		return
	}
	if fd := l.slotOf(w); fd >= 0 && l.fds[fd].w == w {
		l.dropWriter(fd)
	}
}

// RemoveAll removes every reader and writer and returns each once.
func (l *Loop) RemoveAll() []Descriptor {
	l.owner.check("Loop.RemoveAll")
	var out []Descriptor
	for fd := range l.fds {
		e := &l.fds[fd]
		if e.mask == 0 {
			continue
		}
		if e.r != nil {
			out = append(out, e.r)
		}
		if e.w != nil && (e.r == nil || Descriptor(e.r) != Descriptor(e.w)) {
			out = append(out, e.w)
		}
		l.dropReader(fd)
		l.dropWriter(fd)
	}
	return out
}

// GetReaders lists the registered readers.
func (l *Loop) GetReaders() []ReadDescriptor {
	l.owner.check("Loop.GetReaders")
	var out []ReadDescriptor
	for i := range l.fds {
		if r := l.fds[i].r; r != nil {
			out = append(out, r)
		}
	}
	return out
}

// GetWriters lists the registered writers.
func (l *Loop) GetWriters() []WriteDescriptor {
	l.owner.check("Loop.GetWriters")
	var out []WriteDescriptor
	for i := range l.fds {
		if w := l.fds[i].w; w != nil {
			out = append(out, w)
		}
	}
	return out
}

// evictOthers drops whatever other descriptor is registered on fd before
// d takes the number. The Poller forgets its interest too: on epoll and
// kqueue the closed number already left the kernel's set, and the same
// mask asked again must still reach the kernel for the new descriptor.
func (l *Loop) evictOthers(fd int, d Descriptor) {
	if fd >= len(l.fds) {
		return
	}
	e := &l.fds[fd]
	var stale [2]Descriptor
	if e.r != nil && Descriptor(e.r) != d {
		stale[0] = e.r
	}
	if e.w != nil && Descriptor(e.w) != d && Descriptor(e.w) != stale[0] {
		stale[1] = e.w
	}
	if stale[0] == nil && stale[1] == nil {
		return
	}
	mine := e.mask
	if e.r != nil && Descriptor(e.r) == d {
		mine &= reactors.Readable
	} else if e.w != nil && Descriptor(e.w) == d {
		mine &= reactors.Writable
	} else {
		mine = 0
	}
	if e.r != nil && Descriptor(e.r) != d {
		e.r = nil
	}
	if e.w != nil && Descriptor(e.w) != d {
		e.w = nil
	}
	l.counter.Sets++
	_ = l.poller.Set(fd, 0)
	e.mask = 0
	if mine != 0 {
		_ = l.setMask(fd, mine)
	}
	for _, old := range stale {
		if old == nil {
			continue
		}
		if f, ok := old.(filenoForgetter); ok {
			f.forgetFileno()
		}
		l.timers.schedule(0, func() {
			protect("ConnectionLost", func() { old.ConnectionLost(ErrFdescReused) })
		})
	}
}

// checkDescriptor returns d's descriptor number, refusing nil, negative
// numbers and types the loop cannot compare for identity.
func checkDescriptor(d Descriptor) (int, error) {
	if d == nil {
		return -1, errors.New("nil descriptor")
	}
	if !reflect.TypeOf(d).Comparable() {
		return -1, fmt.Errorf("descriptor type %T is not comparable (use a pointer)", d)
	}
	fd := d.Fileno()
	if fd < 0 {
		return -1, fmt.Errorf("descriptor %T has no file descriptor (Fileno %d)", d, fd)
	}
	return fd, nil
}

func (l *Loop) maskOf(fd int) reactors.Events {
	if fd < len(l.fds) {
		return l.fds[fd].mask
	}
	return 0
}

// setMask tells the Poller the new interest of fd, then records it,
// growing the table only for a descriptor the Poller accepted.
func (l *Loop) setMask(fd int, mask reactors.Events) error {
	old := l.maskOf(fd)
	if mask == old {
		return nil
	}
	l.counter.Sets++
	if err := l.poller.Set(fd, mask); err != nil && mask != 0 {
		return err
	}
	if fd >= len(l.fds) {
		l.fds = append(l.fds, make([]fdEntry, max(fd+1, 2*len(l.fds))-len(l.fds))...)
	}
	l.fds[fd].mask = mask
	if old == 0 {
		l.fds[fd].since = l.counter.Waits
	}
	return nil
}

// dropReader and dropWriter unregister by number; they never call Fileno.
// Removing interest cannot meaningfully fail: a descriptor closed behind
// the loop's back has already left the kernel's set.
func (l *Loop) dropReader(fd int) {
	l.fds[fd].r = nil
	_ = l.setMask(fd, l.fds[fd].mask&^reactors.Readable)
}

func (l *Loop) dropWriter(fd int) {
	l.fds[fd].w = nil
	_ = l.setMask(fd, l.fds[fd].mask&^reactors.Writable)
}

// slotOf is where d may be registered: its Fileno, or, once that is -1,
// the slot a scan of the table finds it in; -1 when there is none. As in
// Twisted only a gone descriptor is scanned for, so removing one that is
// not registered stays cheap: every connection does so at shutdown, after
// RemoveAll.
func (l *Loop) slotOf(d Descriptor) int {
	fd := d.Fileno()
	if fd >= 0 {
		if fd >= len(l.fds) {
			return -1
		}
		return fd
	}
	for fd := range l.fds {
		e := &l.fds[fd]
		if (e.r != nil && Descriptor(e.r) == d) || (e.w != nil && Descriptor(e.w) == d) {
			return fd
		}
	}
	return -1
}

// dispatch is the one read/write/disconnect routine for every event: a
// readable descriptor gets DoRead, a writable one DoWrite unless DoRead gave
// a reason to disconnect. A hang-up or error is revealed by DoRead, or by
// DoWrite when only a writer is registered; failing that, the descriptor is
// lost with ErrConnectionLost. Events for descriptors removed earlier in the
// batch are skipped, and so are events for a number registered again during
// the batch: they belong to the descriptor that had it before.
func (l *Loop) dispatch(ev reactors.Event) {
	fd := ev.Fd
	if fd < 0 || fd >= len(l.fds) {
		return
	}
	var d Descriptor
	switch e := &l.fds[fd]; {
	case e.since == l.counter.Waits:
		return
	case e.r != nil:
		d = e.r
	case e.w != nil:
		d = e.w
	default:
		return
	}
	if d.Fileno() == -1 {
		l.disconnect(fd, d, ErrFdescWentAway, false)
		return
	}
	broken := ev.Events&(reactors.Hangup|reactors.Error) != 0
	read := false
	if r := l.fds[fd].r; r != nil && (ev.Events&reactors.Readable != 0 || broken) {
		read = true
		if why := l.doRead(r); why != nil {
			l.disconnect(fd, r, why, true)
			return
		}
	}
	if w := l.fds[fd].w; w != nil && (ev.Events&reactors.Writable != 0 || broken) {
		if why := l.doWrite(w); why != nil {
			l.disconnect(fd, w, why, false)
			return
		}
		if broken && !read && l.fds[fd].w == w {
			l.disconnect(fd, w, ErrConnectionLost, false)
		}
	}
}

func (l *Loop) doRead(r ReadDescriptor) (why error) {
	defer func() {
		if p := recover(); p != nil {
			why = handlerPanic("DoRead", p)
		}
	}()
	return r.DoRead()
}

func (l *Loop) doWrite(w WriteDescriptor) (why error) {
	defer func() {
		if p := recover(); p != nil {
			why = handlerPanic("DoWrite", p)
		}
	}()
	return w.DoWrite()
}

// handlerPanic logs a handler's panic and turns it into the reason the
// descriptor is disconnected with.
func handlerPanic(method string, p any) error {
	log.Printf("while handling %s: %v\n%s", method, p, debug.Stack())
	if err, ok := p.(error); ok {
		return fmt.Errorf("core: %s panicked: %w", method, err)
	}
	return fmt.Errorf("core: %s panicked: %v", method, p)
}

// disconnect drops d (registered on fd) with the reason why. A
// half-closeable reader whose read side ended cleanly keeps writing.
func (l *Loop) disconnect(fd int, d Descriptor, why error, reading bool) {
	if h, ok := d.(HalfCloseableDescriptor); ok && reading && errors.Is(why, ErrConnectionDone) {
		l.dropReader(fd)
		protect("ReadConnectionLost", func() { h.ReadConnectionLost(why) })
		return
	}
	if e := &l.fds[fd]; e.r != nil && Descriptor(e.r) == d {
		l.dropReader(fd)
	}
	if e := &l.fds[fd]; e.w != nil && Descriptor(e.w) == d {
		l.dropWriter(fd)
	}
	protect("ConnectionLost", func() { d.ConnectionLost(why) })
}

// disconnectAll is the built-in "during shutdown" trigger, and part of
// Close: every reader and writer, and every descriptor the loop made that
// is not registered now (a paused connection), is lost with
// ErrConnectionLost.
func (l *Loop) disconnectAll() {
	lost := l.RemoveAll()
	for d := range l.owned {
		lost = append(lost, d)
	}
	for _, d := range lost {
		protect("ConnectionLost", func() { d.ConnectionLost(ErrConnectionLost) })
	}
}

// protect runs fn and logs a panic instead of letting it end the loop, so
// one bad callback or descriptor does not stop the others.
func protect(what string, fn func()) {
	defer func() {
		if p := recover(); p != nil {
			log.Printf("while handling %s: %v\n%s", what, p, debug.Stack())
		}
	}()
	fn()
}
