//go:build linux && (amd64 || arm64)

package uringpoll

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
	"github.com/reactorbench/reactorbench/reactors/internal/uring"
	"github.com/reactorbench/reactorbench/reactors/reactortest"
)

func needCompleter(t *testing.T) {
	t.Helper()
	if err := CompleterAvailable(); err != nil {
		t.Skip(err)
	}
}

func TestCompleterConformance(t *testing.T) {
	needCompleter(t)
	reactortest.Run(t, NewCompleter)
}

// The conformance suite on a ring far smaller than a pass's completions.
func TestCompleterConformanceTinyRing(t *testing.T) {
	needCompleter(t)
	reactortest.Run(t, func() (reactors.Poller, error) { return openCompleter(4, 4, 4) })
}

func mustOpenCompleter(t *testing.T, sq, cq uint32, nbufs int) *completer {
	t.Helper()
	needCompleter(t)
	c, err := openCompleter(sq, cq, nbufs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// streams makes n stream socket pairs; the completer receives on the
// first of each, a goroutine writes want to the second and shuts it.
func streams(t *testing.T, n int, want []byte) []int {
	t.Helper()
	var fds []int
	for range n {
		s, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.SetNonblock(s[0], true); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(s[0]) })
		fds = append(fds, s[0])
		go func(w int) {
			defer unix.Close(w)
			for b := want; len(b) > 0; {
				k, err := unix.Write(w, b)
				if err != nil {
					return
				}
				b = b[k:]
			}
		}(s[1])
	}
	return fds
}

// receiveAll receives on every fd until each reached the end of its
// stream, arming a Recv again whenever one ends without it, as the loop
// does; it returns the bytes per fd and how many Recvs ran out of buffers.
func receiveAll(t *testing.T, c *completer, fds []int) (map[int]*bytes.Buffer, int) {
	t.Helper()
	got := map[int]*bytes.Buffer{}
	tag := uint32(0)
	for _, fd := range fds {
		got[fd] = new(bytes.Buffer)
		tag++
		if err := c.Recv(fd, tag); err != nil {
			t.Fatal(err)
		}
	}
	ev := make([]reactors.Event, 8)
	done := make([]reactors.Completion, 16)
	open, nobufs := len(fds), 0
	deadline := time.Now().Add(20 * time.Second)
	for open > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams still open after 20s", open)
		}
		_, k, err := c.WaitCompletions(ev, done, 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC() // the received bytes must not depend on the collector
		for _, d := range done[:k] {
			if d.Op != reactors.OpRecv {
				t.Fatalf("completion %+v, want receives only", d)
			}
			switch {
			case d.Res > 0:
				got[d.Fd].Write(d.Data)
			case d.Res == 0:
				open--
				continue
			case d.Res == -int(unix.ENOBUFS):
				nobufs++
			default:
				t.Fatalf("recv on %d: %v", d.Fd, unix.Errno(-d.Res))
			}
			if !d.More {
				tag++
				if err := c.Recv(d.Fd, tag); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return got, nobufs
}

// TestCompleterBufferExhaustion: with two buffers for eight streams the
// receives run out of buffers, are armed again once buffers return, and
// every byte arrives, in order.
func TestCompleterBufferExhaustion(t *testing.T) {
	c := mustOpenCompleter(t, 64, 128, 2)
	want := bytes.Repeat([]byte("0123456789abcdef"), 8<<10) // 128 KiB each
	got, nobufs := receiveAll(t, c, streams(t, 8, want))
	for fd, b := range got {
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("fd %d: %d bytes, want %d, in order", fd, b.Len(), len(want))
		}
	}
	if nobufs == 0 {
		t.Error("no receive ran out of buffers: the test did not exhaust the ring")
	}
}

// TestCompleterCQOverflow: a CQ of 4 entries for 32 streams overflows;
// the flushed completions lose nothing.
func TestCompleterCQOverflow(t *testing.T) {
	c := mustOpenCompleter(t, 4, 4, 256)
	want := bytes.Repeat([]byte("overflow"), 4<<10) // 32 KiB each
	got, _ := receiveAll(t, c, streams(t, 32, want))
	for fd, b := range got {
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("fd %d: %d bytes, want %d, in order", fd, b.Len(), len(want))
		}
	}
}

// TestCompleterShare: one call reports at most recvShare receives of one
// descriptor; the rest keep their order for the next call, and another
// descriptor's receive is not held behind them.
func TestCompleterShare(t *testing.T) {
	c := &completer{io: make([]ioSlot, 8)}
	for i := range 2 * recvShare {
		c.queue = append(c.queue, pending{Completion: reactors.Completion{Fd: 3, Op: reactors.OpRecv, Res: i + 1}, bid: -1})
	}
	c.queue = append(c.queue, pending{Completion: reactors.Completion{Fd: 5, Op: reactors.OpRecv, Res: 1}, bid: -1})
	done := make([]reactors.Completion, 4*recvShare)
	for call := range 2 {
		k := c.report(done)
		if k != recvShare+1-call {
			t.Fatalf("call %d reported %d completions, want %d", call, k, recvShare+1-call)
		}
		for i := range recvShare {
			if d := done[i]; d.Fd != 3 || d.Res != call*recvShare+i+1 {
				t.Fatalf("call %d, completion %d = %+v, want fd 3's receive %d", call, i, d, call*recvShare+i+1)
			}
		}
		if call == 0 && done[recvShare].Fd != 5 {
			t.Fatalf("fd 5's receive was held behind fd 3's: %+v", done[recvShare])
		}
	}
	if len(c.queue) != 0 {
		t.Fatalf("%d completions left", len(c.queue))
	}
}

// TestCompleterSend: a send's buffer reaches the peer whole, the
// collector running meanwhile, and its completion says how much went.
func TestCompleterSend(t *testing.T) {
	c := mustOpenCompleter(t, 64, 128, 16)
	s, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(s[0])
	defer unix.Close(s[1])
	want := bytes.Repeat([]byte("send"), 1024)
	if err := c.Send(s[0], bytes.Clone(want), 7); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	done := make([]reactors.Completion, 4)
	var sent reactors.Completion
	for deadline := time.Now().Add(10 * time.Second); sent.Op == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no send completion within 10s")
		}
		_, k, err := c.WaitCompletions(make([]reactors.Event, 4), done, 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if k > 0 {
			sent = done[0]
		}
	}
	if sent.Op != reactors.OpSend || sent.Tag != 7 || sent.Res != len(want) {
		t.Fatalf("completion %+v, want a send of %d bytes with tag 7", sent, len(want))
	}
	got := make([]byte, len(want))
	if n, err := unix.Read(s[1], got); err != nil || !bytes.Equal(got[:n], want) {
		t.Fatalf("peer read %d bytes, %v; want the buffer", n, err)
	}
	if len(c.io[s[0]].sends) != 0 || len(c.pins) != 1 {
		t.Errorf("%d sends still held, %d pinners free; want 0 and 1", len(c.io[s[0]].sends), len(c.pins))
	}
}

// TestCompleterSingleIssuer: bound to a locked thread, the ring is the
// one with SINGLE_ISSUER and DEFER_TASKRUN (this kernel has them), and it
// works.
func TestCompleterSingleIssuer(t *testing.T) {
	c := mustOpenCompleter(t, 64, 128, 16)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := c.BindThread(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.WaitCompletions(make([]reactors.Event, 4), nil, 0); err != nil {
		t.Fatal(err)
	}
	if !c.ring.SingleIssuer() || !c.ring.DeferTaskrun() {
		t.Skip("this kernel does not give SINGLE_ISSUER with DEFER_TASKRUN")
	}
	got, _ := receiveAll(t, c, streams(t, 2, []byte("on one thread")))
	for fd, b := range got {
		if b.String() != "on one thread" {
			t.Errorf("fd %d: %q", fd, b)
		}
	}
}

// TestCompleterUnavailable: a ring the kernel refuses makes the backend
// fail with the reason, memlock limits named as such.
func TestCompleterUnavailable(t *testing.T) {
	needCompleter(t)
	old := newRing
	t.Cleanup(func() { newRing = old })
	for errno, want := range map[unix.Errno]string{unix.EPERM: "seccomp", unix.ENOMEM: "RLIMIT_MEMLOCK"} {
		newRing = func(uring.Options) (*uring.Ring, error) { return nil, uring.Explain("io_uring_setup", errno) }
		c, err := NewCompleter()
		if err == nil {
			c.Close()
			t.Fatalf("NewCompleter succeeded with setup failing with %v", errno)
		}
		if !errors.Is(err, errno) || !strings.Contains(err.Error(), want) {
			t.Errorf("NewCompleter = %v; want %v, saying %q", err, errno, want)
		}
	}
}
