package core

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// socketPair returns two connected non-blocking stream sockets, closed
// when the test ends.
func socketPair(t testing.TB) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = unix.Close(fd) })
	}
	return fds[0], fds[1]
}

// testDesc is a descriptor that records what the loop does with it. By
// default DoRead drains the socket and reports a clean end at EOF, and
// DoWrite does nothing.
type testDesc struct {
	fd      int
	onRead  func() error
	onWrite func() error
	log     *[]string
	name    string
	filenos int
	reads   int
	writes  int
	lost    []error
}

func (d *testDesc) Fileno() int { d.filenos++; return d.fd }

func (d *testDesc) DoRead() error {
	d.reads++
	d.note("read")
	if d.onRead != nil {
		return d.onRead()
	}
	var buf [512]byte
	n, err := unix.Read(d.fd, buf[:])
	switch {
	case n == 0 && err == nil:
		return ErrConnectionDone
	case err != nil && err != unix.EAGAIN:
		return err
	}
	return nil
}

func (d *testDesc) DoWrite() error {
	d.writes++
	d.note("write")
	if d.onWrite != nil {
		return d.onWrite()
	}
	return nil
}

func (d *testDesc) ConnectionLost(reason error) {
	d.note("lost")
	d.lost = append(d.lost, reason)
}

func (d *testDesc) note(s string) {
	if d.log != nil {
		*d.log = append(*d.log, d.name+":"+s)
	}
}

// halfDesc can lose its read side alone.
type halfDesc struct {
	testDesc
	readLost []error
}

func (d *halfDesc) ReadConnectionLost(reason error) { d.readLost = append(d.readLost, reason) }

func iterate(t *testing.T, l *Loop, n int) {
	t.Helper()
	for range n {
		if err := l.Iterate(0); err != nil {
			t.Fatal(err)
		}
	}
}

func send(t *testing.T, fd int) {
	t.Helper()
	if _, err := unix.Write(fd, []byte("x")); err != nil {
		t.Fatal(err)
	}
}

// Item 82: readers get DoRead when readable, writers DoWrite when
// writable, and nothing after removal.
func TestReaderWriter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		a, b := socketPair(t)
		d := &testDesc{fd: a}
		if err := l.AddReader(d); err != nil {
			t.Fatal(err)
		}
		iterate(t, l, 2)
		if d.reads != 0 {
			t.Fatalf("DoRead without data: %d", d.reads)
		}
		send(t, b)
		iterate(t, l, 1)
		if d.reads != 1 {
			t.Fatalf("DoRead calls = %d, want 1", d.reads)
		}
		l.RemoveReader(d)
		send(t, b)
		iterate(t, l, 2)
		if d.reads != 1 {
			t.Errorf("DoRead after RemoveReader")
		}
		if err := l.AddWriter(d); err != nil {
			t.Fatal(err)
		}
		iterate(t, l, 2)
		if d.writes != 2 {
			t.Errorf("DoWrite calls = %d, want 2", d.writes)
		}
		l.RemoveWriter(d)
		iterate(t, l, 2)
		if d.writes != 2 || d.reads != 1 || len(d.lost) != 0 {
			t.Errorf("after RemoveWriter: writes %d reads %d lost %v", d.writes, d.reads, d.lost)
		}
	})
}

// Item 83: adding twice is idempotent, removing an unknown one a no-op;
// bad descriptors are refused with an error.
func TestAddIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		a, _ := socketPair(t)
		d := &testDesc{fd: a}
		for range 2 {
			if err := l.AddReader(d); err != nil {
				t.Fatal(err)
			}
			if err := l.AddWriter(d); err != nil {
				t.Fatal(err)
			}
		}
		if c := l.Counters(); c.Sets != 2 {
			t.Errorf("Sets = %d, want 2", c.Sets)
		}
		other := &testDesc{fd: a}
		l.RemoveReader(other)
		l.RemoveWriter(other)
		l.RemoveReader(nil)
		if c := l.Counters(); c.Sets != 2 || len(l.GetReaders()) != 1 {
			t.Errorf("removing an unknown descriptor changed the set: Sets %d", c.Sets)
		}
		for _, bad := range []ReadDescriptor{nil, &testDesc{fd: -1}, valueDesc{}} {
			if err := l.AddReader(bad); err == nil {
				t.Errorf("AddReader(%#v) succeeded", bad)
			}
		}
		if err := l.AddWriter(&testDesc{fd: -1}); err == nil {
			t.Error("AddWriter with fd -1 succeeded")
		}
	})
}

// A descriptor whose Fileno turned -1 before its removal is still found
// and removed, as a reader and as a writer.
func TestRemoveGoneDescriptor(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		a, _ := socketPair(t)
		c, _ := socketPair(t)
		d, other := &testDesc{fd: a}, &testDesc{fd: c}
		for _, err := range []error{l.AddReader(other), l.AddReader(d), l.AddWriter(d)} {
			if err != nil {
				t.Fatal(err)
			}
		}
		d.fd = -1
		l.RemoveReader(d)
		if len(l.GetReaders()) != 1 || len(l.GetWriters()) != 1 {
			t.Fatalf("after RemoveReader: %d readers, %d writers; want 1 and 1", len(l.GetReaders()), len(l.GetWriters()))
		}
		l.RemoveWriter(d)
		l.RemoveWriter(d)
		if r := l.GetReaders(); len(r) != 1 || r[0] != other || len(l.GetWriters()) != 0 {
			t.Fatalf("after RemoveWriter: readers %v, %d writers; want only the other reader", r, len(l.GetWriters()))
		}
	})
}

// valueDesc is a non-comparable descriptor type.
type valueDesc struct{ _ []int }

func (valueDesc) Fileno() int          { return 0 }
func (valueDesc) ConnectionLost(error) {}
func (valueDesc) DoRead() error        { return nil }

// Item 84: GetReaders, GetWriters and RemoveAll.
func TestRemoveAll(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		a, b := socketPair(t)
		c, _ := socketPair(t)
		r, w, rw := &testDesc{fd: a}, &testDesc{fd: b}, &testDesc{fd: c}
		for _, err := range []error{l.AddReader(r), l.AddWriter(w), l.AddReader(rw), l.AddWriter(rw)} {
			if err != nil {
				t.Fatal(err)
			}
		}
		readers, writers := l.GetReaders(), l.GetWriters()
		if len(readers) != 2 || !slices.Contains(readers, ReadDescriptor(r)) || !slices.Contains(readers, ReadDescriptor(rw)) {
			t.Errorf("GetReaders = %v", readers)
		}
		if len(writers) != 2 || !slices.Contains(writers, WriteDescriptor(w)) || !slices.Contains(writers, WriteDescriptor(rw)) {
			t.Errorf("GetWriters = %v", writers)
		}
		all := l.RemoveAll()
		if len(all) != 3 || !slices.Contains(all, Descriptor(r)) || !slices.Contains(all, Descriptor(w)) || !slices.Contains(all, Descriptor(rw)) {
			t.Errorf("RemoveAll = %v", all)
		}
		if len(l.GetReaders())+len(l.GetWriters())+len(l.RemoveAll()) != 0 {
			t.Error("descriptors left after RemoveAll")
		}
		send(t, b)
		iterate(t, l, 2)
		if r.reads+w.writes+rw.reads+rw.writes != 0 {
			t.Error("a removed descriptor was called")
		}
	})
}

// Item 85: the loop never calls Fileno of a removed descriptor.
func TestRemovedNotAsked(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		a, b := socketPair(t)
		d := &testDesc{fd: a, onRead: func() error { return nil }}
		if err := l.AddReader(d); err != nil {
			t.Fatal(err)
		}
		send(t, b)
		iterate(t, l, 1)
		l.RemoveReader(d)
		n := d.filenos
		iterate(t, l, 3)
		if d.filenos != n {
			t.Errorf("Fileno called %d times after removal", d.filenos-n)
		}
	})
}

// Item 86: Fileno -1 at dispatch disconnects with ErrFdescWentAway.
func TestFilenoGone(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		a, b := socketPair(t)
		d := &testDesc{fd: a}
		if err := l.AddReader(d); err != nil {
			t.Fatal(err)
		}
		send(t, b)
		d.fd = -1
		iterate(t, l, 2)
		if len(d.lost) != 1 || !errors.Is(d.lost[0], ErrFdescWentAway) || !errors.Is(d.lost[0], ErrConnectionLost) {
			t.Errorf("lost = %v, want [ErrFdescWentAway]", d.lost)
		}
		if d.reads != 0 || len(l.GetReaders()) != 0 {
			t.Errorf("reads %d, readers %v", d.reads, l.GetReaders())
		}
	})
}

// Item 87: a handler's error or panic disconnects it with that reason and
// the loop goes on; a half-closeable reader keeps writing.
func TestHandlerFailure(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		logs := captureLog(t)
		l := newTestLoop(t, name)
		boom := errors.New("boom")
		a, b := socketPair(t)
		c, _ := socketPair(t)
		e, f := socketPair(t)
		bad := &testDesc{fd: a, onRead: func() error { return boom }}
		panicky := &testDesc{fd: c, onWrite: func() error { panic("kaput") }}
		good := &testDesc{fd: e}
		for _, err := range []error{l.AddReader(bad), l.AddWriter(bad), l.AddWriter(panicky), l.AddReader(good)} {
			if err != nil {
				t.Fatal(err)
			}
		}
		send(t, b)
		send(t, f)
		iterate(t, l, 2)
		if len(bad.lost) != 1 || bad.lost[0] != boom || bad.writes != 0 {
			t.Errorf("erroring reader: lost %v, writes %d (DoWrite must not follow a failed DoRead)", bad.lost, bad.writes)
		}
		if len(panicky.lost) != 1 || !strings.Contains(panicky.lost[0].Error(), "kaput") {
			t.Errorf("panicking writer: lost %v", panicky.lost)
		}
		if !strings.Contains(logs.String(), "kaput") {
			t.Error("the panic was not logged")
		}
		if good.reads != 1 || len(good.lost) != 0 {
			t.Errorf("healthy reader: reads %d lost %v", good.reads, good.lost)
		}
		if len(l.GetReaders()) != 1 || len(l.GetWriters()) != 0 {
			t.Errorf("readers %v writers %v", l.GetReaders(), l.GetWriters())
		}

		h := &halfDesc{testDesc: testDesc{fd: b}}
		if err := l.AddReader(h); err != nil {
			t.Fatal(err)
		}
		if err := l.AddWriter(h); err != nil {
			t.Fatal(err)
		}
		if err := unix.Shutdown(a, unix.SHUT_WR); err != nil {
			t.Fatal(err)
		}
		iterate(t, l, 2)
		if len(h.readLost) != 1 || !errors.Is(h.readLost[0], ErrConnectionDone) || len(h.lost) != 0 {
			t.Errorf("half-close: readLost %v lost %v", h.readLost, h.lost)
		}
		if ws := l.GetWriters(); len(ws) != 1 || ws[0] != WriteDescriptor(h) || slices.Contains(l.GetReaders(), ReadDescriptor(h)) {
			t.Errorf("half-closed descriptor: readers %v writers %v", l.GetReaders(), ws)
		}
	})
}

// Item 88: a readable and writable descriptor gets DoRead then DoWrite; a
// hang-up is revealed by DoRead, or lost with ErrConnectionLost when only
// a writer is registered and DoWrite finds nothing.
func TestHangup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var order []string
		a, b := socketPair(t)
		rw := &testDesc{fd: a, name: "rw", log: &order}
		if err := l.AddWriter(rw); err != nil {
			t.Fatal(err)
		}
		if err := l.AddReader(rw); err != nil {
			t.Fatal(err)
		}
		send(t, b)
		iterate(t, l, 1)
		if want := []string{"rw:read", "rw:write"}; !slices.Equal(order, want) {
			t.Errorf("order %v, want %v", order, want)
		}

		c, d := socketPair(t)
		reader := &testDesc{fd: c}
		if err := l.AddReader(reader); err != nil {
			t.Fatal(err)
		}
		e, f := socketPair(t)
		writer := &testDesc{fd: e, onWrite: func() error { return nil }}
		if err := l.AddWriter(writer); err != nil {
			t.Fatal(err)
		}
		_ = unix.Close(d)
		_ = unix.Close(f)
		iterate(t, l, 3)
		if len(reader.lost) != 1 || !errors.Is(reader.lost[0], ErrConnectionDone) {
			t.Errorf("reader after peer close: lost %v", reader.lost)
		}
		// select has no hang-up bit: there only a write reveals it.
		if name != "select" && (len(writer.lost) != 1 || !errors.Is(writer.lost[0], ErrConnectionLost)) {
			t.Errorf("writer after hang-up: lost %v (writes %d)", writer.lost, writer.writes)
		}
	})
}

// Item 89: events for a descriptor removed earlier in the same batch are
// skipped.
func TestRemovedInBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		a, b := socketPair(t)
		c, d := socketPair(t)
		var one, two *testDesc
		one = &testDesc{fd: a, onRead: func() error { l.RemoveReader(two); return nil }}
		two = &testDesc{fd: c, onRead: func() error { l.RemoveReader(one); return nil }}
		if err := l.AddReader(one); err != nil {
			t.Fatal(err)
		}
		if err := l.AddReader(two); err != nil {
			t.Fatal(err)
		}
		send(t, b)
		send(t, d)
		iterate(t, l, 1)
		if one.reads+two.reads != 1 {
			t.Errorf("both handlers ran: %d and %d", one.reads, two.reads)
		}
	})
}

// Item 65: shutdown loses every reader and writer with ErrConnectionLost,
// even when one ConnectionLost panics.
func TestShutdownDisconnects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		captureLog(t)
		l := newTestLoop(t, name)
		a, b := socketPair(t)
		r, w := &panicLost{testDesc{fd: a}}, &testDesc{fd: b}
		c, _ := socketPair(t)
		rw := &testDesc{fd: c}
		for _, err := range []error{l.AddReader(r), l.AddWriter(w), l.AddReader(rw), l.AddWriter(rw)} {
			if err != nil {
				t.Fatal(err)
			}
		}
		l.CallWhenRunning(func() { _ = l.Stop() })
		runTestLoop(t, l)
		for _, d := range []*testDesc{&r.testDesc, w, rw} {
			if len(d.lost) != 1 || !errors.Is(d.lost[0], ErrConnectionLost) {
				t.Errorf("fd %d: lost %v", d.fd, d.lost)
			}
		}
		if len(l.GetReaders())+len(l.GetWriters()) != 0 {
			t.Error("descriptors left after shutdown")
		}
	})
}

type panicLost struct{ testDesc }

func (p *panicLost) ConnectionLost(reason error) {
	p.testDesc.ConnectionLost(reason)
	panic("ConnectionLost panicked")
}

// Item 89 with a reused number: a handler closes another descriptor and
// the kernel hands its number to a new one in the same batch; the stale
// event is not delivered to the newcomer.
func TestReusedNumberInBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		a, b := socketPair(t)
		c, d := socketPair(t)
		var newcomer *testDesc
		var one, two *testDesc
		replace := func(victim *testDesc) func() error {
			return func() error {
				if newcomer != nil {
					return nil
				}
				l.RemoveReader(victim)
				_ = unix.Close(victim.fd)
				fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
				if err != nil {
					return err
				}
				// socketPair's cleanup closes the reused number.
				for _, fd := range fds {
					if fd != victim.fd {
						t.Cleanup(func() { _ = unix.Close(fd) })
					}
				}
				if fds[0] != victim.fd && fds[1] != victim.fd {
					t.Skipf("the kernel did not reuse fd %d", victim.fd)
				}
				newcomer = &testDesc{fd: victim.fd, onRead: func() error { return nil }}
				return l.AddReader(newcomer)
			}
		}
		one = &testDesc{fd: a}
		two = &testDesc{fd: c}
		one.onRead, two.onRead = replace(two), replace(one)
		if err := l.AddReader(one); err != nil {
			t.Fatal(err)
		}
		if err := l.AddReader(two); err != nil {
			t.Fatal(err)
		}
		send(t, b)
		send(t, d)
		iterate(t, l, 1)
		if newcomer == nil || newcomer.reads != 0 {
			t.Errorf("newcomer: %+v", newcomer)
		}
	})
}
