//go:build linux && (amd64 || arm64)

package uringpoll

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
	"github.com/reactorbench/reactorbench/reactors/reactortest"
)

// needKernel skips a test on a kernel that cannot run the backend (the
// failure itself is TestUnavailable's).
func needKernel(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skip(err)
	}
}

func TestConformance(t *testing.T) {
	needKernel(t)
	reactortest.Run(t, New)
}

// TestConformanceTinyRing runs the suite on a ring whose CQ and SQ are far
// smaller than a pass's completions and submissions, so completions
// overflow and must be flushed, and submissions go in early, for nothing
// to be lost.
func TestConformanceTinyRing(t *testing.T) {
	needKernel(t)
	reactortest.Run(t, func() (reactors.Poller, error) { return open(4, 4) })
}

func mustOpen(t *testing.T, sq, cq uint32) *poller {
	t.Helper()
	needKernel(t)
	p, err := open(sq, cq)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// waitAll runs Waits until want descriptors have each been reported, and
// fails on any other descriptor or the watchdog.
func waitAll(t *testing.T, p reactors.Poller, want map[int]bool, dstLen int) {
	t.Helper()
	seen := map[int]bool{}
	dst := make([]reactors.Event, dstLen)
	deadline := time.Now().Add(10 * time.Second)
	for len(seen) < len(want) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d ready descriptors reported within 10s", len(seen), len(want))
		}
		n, err := p.Wait(dst, 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range dst[:n] {
			if !want[e.Fd] {
				t.Fatalf("fd %d reported %v, not one of the ready descriptors", e.Fd, e.Events)
			}
			seen[e.Fd] = true
		}
	}
}

// TestOverflowLevelTriggered: with a CQ of 4 and 256 ready descriptors,
// the completions that overflow are flushed and every descriptor is
// reported, lap after lap.
func TestOverflowLevelTriggered(t *testing.T) {
	p := mustOpen(t, 4, 4)
	want := map[int]bool{}
	for _, s := range reactortest.Socketpairs(t, 256) {
		unix.Write(s.B, []byte{'x'})
		if err := p.Set(s.A, reactors.Readable); err != nil {
			t.Fatal(err)
		}
		want[s.A] = true
	}
	for range 3 {
		waitAll(t, p, want, 16)
	}
}

// TestStaleGeneration: completions of a poll that was removed, or replaced
// by a new registration of the same descriptor, are never reported.
func TestStaleGeneration(t *testing.T) {
	p := mustOpen(t, 8, 16)
	s := reactortest.Socketpairs(t, 1)[0]
	unix.Write(s.B, []byte{'x'})
	// Readable now, but the registration is replaced before any Wait: the
	// first poll's completion carries the old generation.
	if err := p.Set(s.A, reactors.Readable); err != nil {
		t.Fatal(err)
	}
	if err := p.Set(s.A, reactors.Writable); err != nil {
		t.Fatal(err)
	}
	dst := make([]reactors.Event, 8)
	for range 5 {
		n, err := p.Wait(dst, 10*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range dst[:n] {
			if e.Fd != s.A || e.Events != reactors.Writable {
				t.Fatalf("reported %v for fd %d; want only w, the current interest", e.Events, e.Fd)
			}
		}
	}
	if err := p.Set(s.A, 0); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Wait(dst, 10*time.Millisecond); n != 0 || err != nil {
		t.Fatalf("after Set(fd, 0): Wait = %d (%v), %v", n, dst[:n], err)
	}
}

// TestPeerReset: a TCP peer that resets while its descriptor is polled is
// reported readable (with the error bits as the kernel sets them), and the
// read the loop makes reveals ECONNRESET.
func TestPeerReset(t *testing.T) {
	p := mustOpen(t, 8, 16)
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	unix.Listen(ln, 1)
	sa, _ := unix.Getsockname(ln)
	client, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Connect(client, sa); err != nil {
		t.Fatal(err)
	}
	conn, _, err := unix.Accept4(ln, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(conn)
	if err := p.Set(conn, reactors.Readable); err != nil {
		t.Fatal(err)
	}
	dst := make([]reactors.Event, 4)
	if n, _ := p.Wait(dst, 0); n != 0 {
		t.Fatalf("idle connection reported %v", dst[:n])
	}
	unix.SetsockoptLinger(client, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	unix.Close(client)
	waitAll(t, p, map[int]bool{conn: true}, 4)
	var buf [8]byte
	if _, err := unix.Read(conn, buf[:]); err != unix.ECONNRESET {
		t.Fatalf("read after the peer's reset = %v, want ECONNRESET", err)
	}
	// Level-triggered: the reset connection stays reported until dropped.
	waitAll(t, p, map[int]bool{conn: true}, 4)
	if err := p.Set(conn, 0); err != nil {
		t.Fatal(err)
	}
}

// TestCloseAfterUnregister: a descriptor unregistered and closed is
// released by the next Wait, so its peer sees it closed, even when its
// interest changed while a re-arm of the reported poll was due (a leaked
// poll would hold the socket open).
func TestCloseAfterUnregister(t *testing.T) {
	p := mustOpen(t, 8, 16)
	s := &reactortest.Socketpairs(t, 1)[0]
	unix.Write(s.B, []byte{'x'})
	if err := p.Set(s.A, reactors.Readable); err != nil {
		t.Fatal(err)
	}
	waitAll(t, p, map[int]bool{s.A: true}, 4) // reported: the next Wait re-arms it
	for _, ev := range []reactors.Events{0, reactors.Writable} {
		if err := p.Set(s.A, ev); err != nil {
			t.Fatal(err)
		}
	}
	waitAll(t, p, map[int]bool{s.A: true}, 4)
	waitAll(t, p, map[int]bool{s.A: true}, 4)
	if err := p.Set(s.A, 0); err != nil {
		t.Fatal(err)
	}
	unix.Close(s.A)
	s.A = -1
	dst := make([]reactors.Event, 4)
	if n, err := p.Wait(dst, 10*time.Millisecond); n != 0 || err != nil {
		t.Fatalf("Wait = %d, %v", n, err)
	}
	// The byte left unread makes the close a reset; EAGAIN would mean
	// the socket is still open.
	var b [2]byte
	if n, err := unix.Read(s.B, b[:]); (err == nil && n != 0) || (err != nil && err != unix.ECONNRESET) {
		t.Fatalf("peer read %d, %v; want end of file or a reset: the socket is still held", n, err)
	}
}

// TestHalfClosedPeerWhileWaitingToWrite: io_uring always watches
// POLLRDHUP, so a descriptor waiting to write whose peer shut down its
// side completes its poll with nothing asked for. That must neither be
// reported nor make every Wait return at once (a spin), and the descriptor
// must still be reported once it can write.
func TestHalfClosedPeerWhileWaitingToWrite(t *testing.T) {
	p := mustOpen(t, 8, 16)
	s := reactortest.Socketpairs(t, 1)[0]
	chunk := make([]byte, 64<<10)
	for {
		if _, err := unix.Write(s.A, chunk); err == unix.EAGAIN {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Shutdown(s.B, unix.SHUT_WR); err != nil {
		t.Fatal(err)
	}
	if err := p.Set(s.A, reactors.Writable); err != nil {
		t.Fatal(err)
	}
	dst := make([]reactors.Event, 4)
	enters := p.ring.Enters()
	const waits = 3
	for range waits {
		const d = 20 * time.Millisecond
		start := time.Now()
		n, err := p.Wait(dst, d)
		if err != nil || n != 0 {
			t.Fatalf("Wait = %v, %v; want nothing: the socket cannot write", dst[:n], err)
		}
		if el := time.Since(start); el < d {
			t.Fatalf("Wait(%v) returned after %v with nothing: the poll completes again and again", d, el)
		}
	}
	// One enter to arm and wait, one more when the poll completes with
	// nothing asked for; a spin would make thousands.
	if n := p.ring.Enters() - enters; n > 2*waits {
		t.Fatalf("%d Waits made %d io_uring_enter calls: the poll completes again and again", waits, n)
	}
	for {
		if _, err := unix.Read(s.B, chunk); err != nil {
			break
		}
	}
	waitAll(t, p, map[int]bool{s.A: true}, 4)
	waitAll(t, p, map[int]bool{s.A: true}, 4) // and, level-triggered, again
}

// TestUnavailable: when the kernel cannot run the backend, New says why
// and wraps reactors.ErrUnavailable.
func TestUnavailable(t *testing.T) {
	old := Available
	Available = func() error { return errors.New("io_uring is disabled by the sysctl kernel.io_uring_disabled=2") }
	t.Cleanup(func() { Available = old })
	p, err := New()
	if err == nil {
		p.Close()
		t.Fatal("New succeeded although unavailable")
	}
	if !errors.Is(err, reactors.ErrUnavailable) || !strings.Contains(err.Error(), "io_uring_disabled") {
		t.Fatalf("New = %v; want ErrUnavailable with the reason", err)
	}
}

func BenchmarkWait(b *testing.B) { reactortest.BenchmarkWait(b, New) }

func BenchmarkWake(b *testing.B) { reactortest.BenchmarkWake(b, New) }

// TestPollerBindThread: bound to a locked thread, the poller keeps its
// ring (COOP_TASKRUN, not the completer's DEFER_TASKRUN), the watch set
// before still works, and a descriptor removed and closed is closed for
// its peer at once.
func TestPollerBindThread(t *testing.T) {
	p := mustOpen(t, 64, 64)
	s := &reactortest.Socketpairs(t, 1)[0]
	if err := p.Set(s.A, reactors.Readable); err != nil {
		t.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ring := p.ring
	if err := p.BindThread(); err != nil {
		t.Fatal(err)
	}
	if p.ring != ring || p.ring.DeferTaskrun() {
		t.Fatalf("BindThread swapped the ring (DEFER_TASKRUN %v)", p.ring.DeferTaskrun())
	}
	if _, err := unix.Write(s.B, []byte{'x'}); err != nil {
		t.Fatal(err)
	}
	waitAll(t, p, map[int]bool{s.A: true}, 4)
	if err := p.Set(s.A, 0); err != nil {
		t.Fatal(err)
	}
	unix.Close(s.A)
	s.A = -1
	var b [4]byte
	if n, err := unix.Read(s.B, b[:]); err != unix.ECONNRESET && (n != 0 || err != nil) {
		t.Errorf("after Set(0) and close the peer read %d, %v; want the socket closed", n, err)
	}
}
