//go:build linux && (amd64 || arm64)

package uring

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// inject replaces the setup system call for the test's duration.
func inject(t *testing.T, f func(entries uint32, p *params) (int, error)) {
	old := setup
	setup = f
	t.Cleanup(func() { setup = old })
}

// sysctl points the io_uring_disabled sysctl at a file holding value.
func sysctl(t *testing.T, value string) {
	path := filepath.Join(t.TempDir(), "io_uring_disabled")
	if err := os.WriteFile(path, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := disabledPath
	disabledPath = path
	t.Cleanup(func() { disabledPath = old })
}

// needKernel skips a test that needs a real ring on a kernel without one.
func needKernel(t *testing.T) {
	t.Helper()
	if err := Check(0); err != nil {
		t.Skip(err)
	}
}

func failWith(errno unix.Errno) func(uint32, *params) (int, error) {
	return func(uint32, *params) (int, error) { return -1, errno }
}

// TestCheckExplains: each way a kernel refuses io_uring gives an error
// that says which, and still wraps the errno.
func TestCheckExplains(t *testing.T) {
	for _, tc := range []struct {
		name, sysctl string
		errno        unix.Errno
		want         string
	}{
		{"ENOSYS", "0", unix.ENOSYS, "not implemented by this kernel"},
		{"seccomp", "0", unix.EPERM, "seccomp"},
		{"no sysctl", "", unix.EPERM, "seccomp"},
		{"group only", "1", unix.EPERM, "io_uring_group"},
		{"memlock", "0", unix.ENOMEM, "RLIMIT_MEMLOCK"},
		{"no buffer space", "0", unix.ENOBUFS, "RLIMIT_MEMLOCK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.sysctl == "" {
				old := disabledPath
				disabledPath = filepath.Join(t.TempDir(), "absent")
				t.Cleanup(func() { disabledPath = old })
			} else {
				sysctl(t, tc.sysctl)
			}
			inject(t, failWith(tc.errno))
			err := Check(0, OpPollAdd)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.errno) {
				t.Fatalf("Check = %v; want an error mentioning %q wrapping %v", err, tc.want, tc.errno)
			}
		})
	}
}

// TestCheckDisabledSysctl: io_uring_disabled=2 is reported as such without
// trying a ring.
func TestCheckDisabledSysctl(t *testing.T) {
	sysctl(t, "2")
	tried := false
	inject(t, func(uint32, *params) (int, error) { tried = true; return -1, unix.EPERM })
	if err := Check(0, OpPollAdd); err == nil || !strings.Contains(err.Error(), "io_uring_disabled=2") {
		t.Fatalf("Check = %v; want the sysctl named", err)
	}
	if tried {
		t.Error("Check set up a ring although the sysctl forbids it")
	}
}

// TestCheckOldKernel: a kernel without a needed feature or opcode is
// named as lacking it.
func TestCheckOldKernel(t *testing.T) {
	needKernel(t)
	real := setup
	inject(t, func(entries uint32, p *params) (int, error) {
		fd, err := real(entries, p)
		p.features &^= FeatCQESkip
		return fd, err
	})
	if err := Check(FeatCQESkip, OpPollAdd); err == nil || !strings.Contains(err.Error(), "IORING_FEAT_CQE_SKIP") {
		t.Fatalf("Check without CQE_SKIP = %v; want it named", err)
	}
	inject(t, func(entries uint32, p *params) (int, error) {
		fd, err := real(entries, p)
		p.features &^= FeatExtArg
		return fd, err
	})
	if _, err := New(Options{Entries: 2}); err == nil || !strings.Contains(err.Error(), "IORING_FEAT_EXT_ARG") {
		t.Fatalf("New without EXT_ARG = %v; want it named", err)
	}
	setup = real
	oldRegister := register
	register = func(fd int, op uint32, arg unsafe.Pointer, nr uint32) (int, error) {
		n, err := oldRegister(fd, op, arg, nr)
		if op == registerProbe {
			(*probe)(arg).ops[OpPollAdd].flags = 0
		}
		return n, err
	}
	t.Cleanup(func() { register = oldRegister })
	if err := Check(0, OpNop, OpPollAdd); err == nil || !strings.Contains(err.Error(), "POLL_ADD") || strings.Contains(err.Error(), "NOP") {
		t.Fatalf("Check without POLL_ADD = %v; want it, and only it, named", err)
	}
}

// TestSetupFallback: a kernel that refuses the task-run flags gets a ring
// without them.
func TestSetupFallback(t *testing.T) {
	needKernel(t)
	real := setup
	var tried []uint32
	inject(t, func(entries uint32, p *params) (int, error) {
		tried = append(tried, p.flags)
		if p.flags&(setupCoopTaskrun|setupSingleIssuer|setupDeferTaskrun) != 0 {
			return -1, unix.EINVAL
		}
		return real(entries, p)
	})
	r, err := New(Options{Entries: 4, SingleIssuer: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(tried) != 4 || r.SingleIssuer() || r.DeferTaskrun() {
		t.Fatalf("tried flag sets %#x; single issuer %v: want four tries ending without the flags", tried, r.SingleIssuer())
	}
	if err := nop(r, 1); err != nil {
		t.Fatal(err)
	}
}

func nop(r *Ring, ud uint64) error {
	s, err := r.Next()
	if err != nil {
		return err
	}
	s.Opcode, s.UserData = OpNop, ud
	return nil
}

func mustRing(t *testing.T, o Options) *Ring {
	t.Helper()
	needKernel(t)
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// reapAll waits for and reaps completions until want have come.
func reapAll(t *testing.T, r *Ring, want int) []CQE {
	t.Helper()
	var got []CQE
	buf := make([]CQE, 3) // smaller than the CQ: Reap is called again and again
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d completions within 10s", len(got), want)
		}
		if err := r.SubmitAndWait(100 * time.Millisecond); err != nil && err != unix.ETIME && err != unix.EINTR {
			t.Fatal(err)
		}
		for {
			n := r.Reap(buf)
			got = append(got, buf[:n]...)
			if n < len(buf) {
				break
			}
		}
	}
	return got
}

// TestCQOverflow: with a CQ far smaller than the completions in flight,
// none is lost: the overflow is flushed and reaped in order.
func TestCQOverflow(t *testing.T) {
	r := mustRing(t, Options{Entries: 2, CQEntries: 2})
	const n = 64
	for i := range n {
		if err := nop(r, uint64(i)); err != nil { // Next submits whenever the SQ fills
			t.Fatal(err)
		}
	}
	got := reapAll(t, r, n)
	if len(got) != n {
		t.Fatalf("%d completions, want %d", len(got), n)
	}
	for i, c := range got {
		if c.UserData != uint64(i) || c.Res != 0 {
			t.Fatalf("completion %d = %+v, want user data %d, result 0", i, c, i)
		}
	}
	if r.Reap(make([]CQE, 4)) != 0 {
		t.Fatal("completions after all were reaped")
	}
}

// TestPollMultishotAndUpdate: a multishot poll completes once per wake-up
// and stays armed; an update re-checks readiness at once; a removal ends it.
func TestPollMultishotAndUpdate(t *testing.T) {
	r := mustRing(t, Options{Entries: 8})
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	s, _ := r.Next()
	s.PrepPollAdd(fds[0], unix.POLLIN, true, 1)
	unix.Write(fds[1], []byte("x"))
	c := reapAll(t, r, 1)[0]
	if c.UserData != 1 || c.Res&unix.POLLIN == 0 || c.Flags&CQEFMore == 0 {
		t.Fatalf("poll completion %+v; want POLLIN with F_MORE", c)
	}
	// Still readable, but no new wake-up: nothing more until updated.
	if err := r.SubmitAndWait(5 * time.Millisecond); err != unix.ETIME {
		t.Fatalf("wait on a ready but unchanged descriptor = %v, want ETIME", err)
	}
	s, _ = r.Next()
	s.PrepPollUpdate(1, 1, unix.POLLIN, 2)
	s.Flags |= SQECQESkipSuccess
	c = reapAll(t, r, 1)[0]
	if c.UserData != 1 || c.Res&unix.POLLIN == 0 {
		t.Fatalf("after the update: %+v; want the poll to complete again", c)
	}
	s, _ = r.Next()
	s.PrepPollRemove(1, 3)
	got := reapAll(t, r, 2)
	for _, c := range got {
		switch c.UserData {
		case 1:
			if c.Res != -int32(unix.ECANCELED) || c.Flags&CQEFMore != 0 {
				t.Errorf("removed poll ended with %+v, want ECANCELED without F_MORE", c)
			}
		case 3:
			if c.Res != 0 {
				t.Errorf("removal completed with %d", c.Res)
			}
		default:
			t.Errorf("unexpected completion %+v", c)
		}
	}
}

// TestSingleIssuer: a SINGLE_ISSUER ring is enabled on the locked thread
// that submits, and the kernel refuses waits from any other thread.
func TestSingleIssuer(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := mustRing(t, Options{Entries: 4, SingleIssuer: true})
	if !r.SingleIssuer() {
		t.Skip("this kernel has no IORING_SETUP_SINGLE_ISSUER")
	}
	if err := r.Enable(); err != nil {
		t.Fatal(err)
	}
	if err := nop(r, 7); err != nil {
		t.Fatal(err)
	}
	if c := reapAll(t, r, 1)[0]; c.UserData != 7 {
		t.Fatalf("completion %+v", c)
	}
	errs := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		_, err := enter(r.fd, 0, 0, enterGetEvents, nil, 0)
		errs <- err
	}()
	if err := <-errs; r.DeferTaskrun() && err != unix.EEXIST {
		t.Fatalf("io_uring_enter from another thread = %v, want EEXIST", err)
	}
}

// tcpPair returns a listening socket on 127.0.0.1:0 and its address.
func listener(t *testing.T) (int, unix.Sockaddr) {
	t.Helper()
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(ln) })
	if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(ln, 16); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(ln)
	if err != nil {
		t.Fatal(err)
	}
	return ln, sa
}

func dial(t *testing.T, sa unix.Sockaddr) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Connect(fd, sa); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	return fd
}

// TestCompletionOps: multishot accept, send, multishot recv into a
// provided buffer ring, and a peer that resets mid-recv, as a completion
// driver uses them.
func TestCompletionOps(t *testing.T) {
	r := mustRing(t, Options{Entries: 16})
	ok, err := r.Supports(OpAccept, OpRecv, OpSend, OpAsyncCancel)
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range []uint8{OpAccept, OpRecv, OpSend, OpAsyncCancel} {
		if !ok[i] {
			t.Skipf("kernel lacks %s", opName(op))
		}
	}
	const group, bufSize = 1, 16
	br, err := r.RegisterBufRing(group, 4, bufSize)
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	ln, sa := listener(t)
	s, _ := r.Next()
	s.PrepAcceptMultishot(ln, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 1)
	client := dial(t, sa)
	defer func() {
		if client >= 0 {
			unix.Close(client)
		}
	}()
	c := reapAll(t, r, 1)[0]
	if c.UserData != 1 || c.Res < 0 || c.Flags&CQEFMore == 0 {
		t.Fatalf("accept: %+v", c)
	}
	conn := int(c.Res)
	defer unix.Close(conn)

	msg := []byte("hello, ring: more than one buffer")
	out, err := unix.Mmap(-1, 0, len(msg), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANONYMOUS|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(out)
	copy(out, msg)
	s, _ = r.Next()
	s.PrepSend(conn, unsafe.Pointer(&out[0]), uint32(len(out)), 0, 2)
	if c := reapAll(t, r, 1)[0]; c.UserData != 2 || int(c.Res) != len(msg) {
		t.Fatalf("send: %+v", c)
	}
	in := make([]byte, 64)
	n, err := unix.Read(client, in)
	if err != nil || string(in[:n]) != string(msg) {
		t.Fatalf("client read %q, %v", in[:n], err)
	}

	s, _ = r.Next()
	s.PrepRecvMultishot(conn, group, 3)
	unix.Write(client, msg)
	var got []byte
	for len(got) < len(msg) {
		for _, c := range reapAll(t, r, 1) {
			if c.UserData != 3 || c.Res <= 0 || c.Flags&CQEFBuffer == 0 {
				t.Fatalf("recv: %+v", c)
			}
			bid := uint16(c.Flags >> CQEBufferShift)
			got = append(got, br.Buf(bid, int(c.Res))...)
			br.Put(bid)
			br.Publish()
			if c.Flags&CQEFMore == 0 { // out of buffers: re-arm, as a driver would
				s, _ = r.Next()
				s.PrepRecvMultishot(conn, group, 3)
			}
		}
	}
	if string(got) != string(msg) {
		t.Fatalf("recv %q, want %q", got, msg)
	}

	// The peer resets while the multishot recv is armed: it ends with
	// ECONNRESET (or end of file), never a hang.
	unix.SetsockoptLinger(client, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	unix.Close(client)
	client = -1
	c = reapAll(t, r, 1)[0]
	if c.UserData != 3 || (c.Res != -int32(unix.ECONNRESET) && c.Res != 0) || c.Flags&CQEFMore != 0 {
		t.Fatalf("recv after reset: %+v; want ECONNRESET or 0, final", c)
	}

	s, _ = r.Next()
	s.PrepCancel(1, -1, 0, 4)
	for _, c := range reapAll(t, r, 2) {
		if (c.UserData == 1 && c.Res != -int32(unix.ECANCELED)) || (c.UserData == 4 && c.Res != 0) {
			t.Errorf("cancel of the multishot accept: %+v", c)
		}
	}
}

// TestRead: a read completes into memory outside the Go heap.
func TestRead(t *testing.T) {
	r := mustRing(t, Options{Entries: 4})
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	buf, err := unix.Mmap(-1, 0, 8, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANONYMOUS|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(buf)
	s, _ := r.Next()
	s.PrepRead(fds[0], unsafe.Pointer(&buf[0]), 8, 0, 9)
	unix.Write(fds[1], []byte("abc"))
	if c := reapAll(t, r, 1)[0]; c.UserData != 9 || c.Res != 3 || string(buf[:3]) != "abc" {
		t.Fatalf("read: %+v, %q", c, buf[:3])
	}
}

// TestBufRingArguments: a buffer ring of a size the kernel cannot take is
// refused before any system call.
func TestBufRingArguments(t *testing.T) {
	r := mustRing(t, Options{Entries: 2})
	for _, tc := range [][2]int{{0, 16}, {3, 16}, {1 << 16, 16}, {4, 0}} {
		if _, err := r.RegisterBufRing(1, tc[0], tc[1]); err == nil {
			t.Errorf("RegisterBufRing(%d x %d) succeeded", tc[0], tc[1])
		}
	}
}

// TestDisabledRingKeepsEarlySubmissions: a disabled ring cannot submit,
// so what is prepared past its full SQ waits for Enable, in order, and
// MoveQueued carries it all to another ring.
func TestDisabledRingKeepsEarlySubmissions(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	first := mustRing(t, Options{Entries: 4, SingleIssuer: true})
	if !first.SingleIssuer() {
		t.Skip("this kernel has no IORING_SETUP_SINGLE_ISSUER")
	}
	const n = 11
	for i := range n {
		if err := nop(first, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	r := mustRing(t, Options{Entries: 4, SingleIssuer: true})
	if err := first.MoveQueued(r); err != nil {
		t.Fatal(err)
	}
	if err := r.Enable(); err != nil {
		t.Fatal(err)
	}
	got := reapAll(t, r, n)
	for i, c := range got {
		if c.UserData != uint64(i) {
			t.Fatalf("completion %d = %+v, want user data %d", i, c, i)
		}
	}
}
