//go:build unix

package reactortest

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
)

// watchdog bounds every wait that should end promptly. It is generous on
// purpose: tests assert behaviour, and only a hang should trip it.
const watchdog = 10 * time.Second

// Run checks the Poller contract against pollers made by open, one subtest
// per behaviour, and fails if the suite leaves a descriptor open.
func Run(t *testing.T, open func() (reactors.Poller, error)) {
	t.Helper()
	countFDs() // the first directory read may open the runtime's own poller
	before := countFDs()
	tests := []struct {
		name string
		f    func(*testing.T, func() (reactors.Poller, error))
	}{
		{"ReadableAfterWrite", testReadableAfterWrite},
		{"WritableWhenFresh", testWritableWhenFresh},
		{"PeerCloseHangup", testPeerClose},
		{"PeerCloseWriter", testPeerCloseWriter},
		{"SetZeroStopsEvents", testSetZero},
		{"SwitchInterest", testSwitchInterest},
		{"ManyDescriptors", testManyDescriptors},
		{"FairWhenDstIsSmall", testFairSmallDst},
		{"WakeWhenDstIsSmall", testWakeSmallDst},
		{"WaitZeroReturnsAtOnce", testWaitZero},
		{"TimedWaitNotEarly", testTimedWait},
		{"SubMillisecondRoundsUp", testSubMillisecond},
		{"WakeEndsBlockedWait", testWakeEndsWait},
		{"WakesCoalesce", testWakesCoalesce},
		{"WakeFromManyGoroutines", testWakeConcurrent},
		{"Closed", testClosed},
		{"ClosedBehindBack", testClosedBehindBack},
		{"RemovedAndClosedIsClosed", testRemovedAndClosed},
		{"BadArguments", testBadArguments},
		{"EINTR", testEINTR},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, open) })
	}
	if after := countFDs(); before >= 0 && after != before {
		t.Errorf("descriptor leak: %d open before the suite, %d after", before, after)
	}
}

// countFDs returns the number of open descriptors, or -1 where the system
// does not list them.
func countFDs() int {
	ents, err := os.ReadDir("/dev/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

func mustOpen(t testing.TB, open func() (reactors.Poller, error)) reactors.Poller {
	t.Helper()
	p, err := open()
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// Pair is a connected non-blocking socketpair; an end set to -1 is closed.
type Pair struct{ A, B int }

// Socketpairs opens n pairs, closed when the test ends. It skips the test
// when the process may not open that many descriptors.
func Socketpairs(t testing.TB, n int) []Pair {
	t.Helper()
	ps := make([]Pair, 0, n)
	t.Cleanup(func() {
		for _, p := range ps {
			closeFd(p.A)
			closeFd(p.B)
		}
	})
	for range n {
		fds, err := socketpair()
		if err == unix.EMFILE || err == unix.ENFILE {
			t.Skipf("cannot open %d socketpairs (%v): raise the open-file limit (ulimit -n)", n, err)
		}
		if err != nil {
			t.Fatalf("socketpair: %v", err)
		}
		ps = append(ps, Pair{fds[0], fds[1]})
	}
	return ps
}

func onePair(t testing.TB) *Pair {
	return &Socketpairs(t, 1)[0]
}

func closeFd(fd int) {
	if fd >= 0 {
		unix.Close(fd)
	}
}

func write(t testing.TB, fd int) {
	t.Helper()
	if _, err := unix.Write(fd, []byte{'x'}); err != nil {
		t.Fatalf("write(%d): %v", fd, err)
	}
}

func set(t testing.TB, p reactors.Poller, fd int, ev reactors.Events) {
	t.Helper()
	if err := p.Set(fd, ev); err != nil {
		t.Fatalf("Set(%d, %v): %v", fd, ev, err)
	}
}

// anyFd makes poll and quiet look at every reported descriptor.
const anyFd = -1

// poll runs one Wait and returns the events it reported for fd (for anyFd:
// for all descriptors), checking that reported events are well formed.
func poll(t testing.TB, p reactors.Poller, fd int, timeout time.Duration) reactors.Events {
	t.Helper()
	var dst [64]reactors.Event
	n, err := p.Wait(dst[:], timeout)
	if err != nil {
		t.Fatalf("Wait(%v): %v", timeout, err)
	}
	var got reactors.Events
	for _, e := range dst[:n] {
		checkEvent(t, e)
		if e.Fd == fd || fd == anyFd {
			got |= e.Events
		}
	}
	return got
}

func checkEvent(t testing.TB, e reactors.Event) {
	t.Helper()
	if e.Events == 0 {
		t.Errorf("event for fd %d has an empty mask", e.Fd)
	}
	if e.Events&(reactors.Hangup|reactors.Error) != 0 && e.Events&(reactors.Readable|reactors.Writable) != reactors.Readable|reactors.Writable {
		t.Errorf("fd %d: %v: Hangup and Error must come with Readable|Writable", e.Fd, e.Events)
	}
}

// waitFor waits until fd is reported with every bit of want, and returns
// the full mask of that report.
func waitFor(t testing.TB, p reactors.Poller, fd int, want reactors.Events) reactors.Events {
	t.Helper()
	deadline := time.Now().Add(watchdog)
	for time.Now().Before(deadline) {
		if got := poll(t, p, fd, 100*time.Millisecond); got&want == want {
			return got
		}
	}
	t.Fatalf("fd %d never reported %v within %v", fd, want, watchdog)
	return 0
}

// quiet checks that a Wait of d reports nothing for fd (anyFd: nothing at all).
func quiet(t testing.TB, p reactors.Poller, fd int, d time.Duration) {
	t.Helper()
	if got := poll(t, p, fd, d); got != 0 {
		t.Fatalf("fd %d reported %v, want nothing", fd, got)
	}
}

// bounded runs f, which waits on p, and fails the test if f has not returned
// within the watchdog; it then wakes p so that a stuck Wait ends.
func bounded(t *testing.T, p reactors.Poller, what string, f func()) {
	t.Helper()
	timer := time.AfterFunc(watchdog, func() {
		t.Errorf("%s did not return within %v", what, watchdog)
		p.Wake()
	})
	defer timer.Stop()
	f()
}

func testReadableAfterWrite(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	s := onePair(t)
	set(t, p, s.A, reactors.Readable)
	quiet(t, p, s.A, 0)
	write(t, s.B)
	got := waitFor(t, p, s.A, reactors.Readable)
	if got&reactors.Writable != 0 {
		t.Errorf("read-only interest reported %v", got)
	}
	// Level-triggered: still ready until read.
	waitFor(t, p, s.A, reactors.Readable)
}

func testWritableWhenFresh(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	s := onePair(t)
	set(t, p, s.A, reactors.Writable)
	if got := waitFor(t, p, s.A, reactors.Writable); got != reactors.Writable {
		t.Errorf("fresh socket reported %v, want w", got)
	}
}

func testPeerClose(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	s := onePair(t)
	set(t, p, s.A, reactors.Readable)
	closeFd(s.B)
	s.B = -1
	got := waitFor(t, p, s.A, reactors.Readable)
	t.Logf("peer close reported %v", got)
	var buf [8]byte
	if n, err := unix.Read(s.A, buf[:]); n != 0 && err == nil {
		t.Errorf("read after peer close = %d bytes, want EOF or an error", n)
	}
}

// testPeerCloseWriter: a descriptor watched only for writing still learns
// of the peer's close: it is reported, and the write it prompts fails.
func testPeerCloseWriter(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	s := onePair(t)
	set(t, p, s.A, reactors.Writable)
	closeFd(s.B)
	s.B = -1
	got := waitFor(t, p, s.A, reactors.Writable)
	t.Logf("peer close, write interest: reported %v", got)
	// The Go runtime ignores SIGPIPE for descriptors other than stdout and
	// stderr, so the write fails with EPIPE instead of killing the test.
	if _, err := unix.Write(s.A, []byte{'x'}); err == nil {
		t.Error("write to a socket whose peer closed succeeded")
	}
}

func testSetZero(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	s := onePair(t)
	set(t, p, s.A, reactors.Readable|reactors.Writable)
	write(t, s.B)
	waitFor(t, p, s.A, reactors.Readable|reactors.Writable)
	set(t, p, s.A, 0)
	quiet(t, p, s.A, 20*time.Millisecond)
	set(t, p, s.A, 0) // again: a no-op
	set(t, p, s.B, 0) // never registered: a no-op
	set(t, p, s.A, reactors.Readable)
	waitFor(t, p, s.A, reactors.Readable)
}

func testSwitchInterest(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	s := onePair(t)
	set(t, p, s.A, reactors.Readable)
	quiet(t, p, s.A, 0) // writable, but not watched for it
	set(t, p, s.A, reactors.Writable)
	if got := waitFor(t, p, s.A, reactors.Writable); got&reactors.Readable != 0 {
		t.Errorf("nothing to read, yet reported %v", got)
	}
	write(t, s.B)
	set(t, p, s.A, reactors.Readable|reactors.Writable)
	waitFor(t, p, s.A, reactors.Readable|reactors.Writable)
	set(t, p, s.A, reactors.Writable)
	if got := waitFor(t, p, s.A, reactors.Writable); got&reactors.Readable != 0 {
		t.Errorf("write-only interest reported %v", got)
	}
	set(t, p, s.A, reactors.Readable)
	if got := waitFor(t, p, s.A, reactors.Readable); got&reactors.Writable != 0 {
		t.Errorf("read-only interest reported %v", got)
	}
}

// manyPairs is how many socketpairs ManyDescriptors watches: 8192
// descriptors, well past select's classic limit of 1024.
const manyPairs = 4096

func testManyDescriptors(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	ps := Socketpairs(t, manyPairs)
	want := map[int]bool{}
	top := -1
	for i, s := range ps {
		if err := p.Set(s.A, reactors.Readable); err != nil {
			if runtime.GOOS != "linux" && s.A >= 1024 {
				continue // select beyond FD_SETSIZE: refused with an error, as documented
			}
			t.Fatalf("Set(%d, r): %v", s.A, err)
		}
		top = max(top, s.A)
		if i%3 == 0 || i == len(ps)-1 {
			write(t, s.B)
			want[s.A] = true
		}
	}
	if runtime.GOOS == "linux" && top <= 1024 {
		t.Fatalf("highest watched descriptor is %d; the test must go past 1024", top)
	}
	dst := make([]reactors.Event, 2*manyPairs)
	got := map[int]bool{}
	deadline := time.Now().Add(watchdog)
	for len(got) < len(want) && time.Now().Before(deadline) {
		n, err := p.Wait(dst, 100*time.Millisecond)
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
		for _, e := range dst[:n] {
			checkEvent(t, e)
			if !want[e.Fd] {
				t.Fatalf("fd %d reported %v but nothing was written to it", e.Fd, e.Events)
			}
			got[e.Fd] = true
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d of %d ready descriptors reported", len(got), len(want))
	}
	for _, s := range ps {
		if err := p.Set(s.A, 0); err != nil {
			t.Fatalf("Set(%d, 0): %v", s.A, err)
		}
	}
	if n, err := p.Wait(dst, 0); n != 0 || err != nil {
		t.Fatalf("after unregistering all: Wait = %d, %v", n, err)
	}
}

// fairPairs ready descriptors are reported fairDst at a time by the
// fairness tests: more are ready than one Wait can report.
const fairPairs, fairDst = 64, 8

// fairRounds is how many Waits must cover every ready descriptor: one pass
// over them, plus one for a pass that starts mid-way.
const fairRounds = (fairPairs+fairDst-1)/fairDst + 1

// fairLaps passes over the ready descriptors must report each of them
// fairLaps times, however the passes wrap around.
const fairLaps = 2

// readyPairs watches the read ends of fairPairs socketpairs, each holding a
// byte that is never read, so all stay ready; it returns those descriptors.
func readyPairs(t *testing.T, p reactors.Poller) map[int]bool {
	t.Helper()
	fds := map[int]bool{}
	for _, s := range Socketpairs(t, fairPairs) {
		write(t, s.B)
		set(t, p, s.A, reactors.Readable)
		fds[s.A] = true
	}
	return fds
}

// waitSmall runs one Wait(0) into a dst of fairDst and returns what it
// reported, checking that it reported only watched descriptors. An empty
// result is an interrupted Wait, which the caller retries.
func waitSmall(t *testing.T, p reactors.Poller, fds map[int]bool) []reactors.Event {
	t.Helper()
	var dst [fairDst]reactors.Event
	n, err := p.Wait(dst[:], 0)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	for _, e := range dst[:n] {
		checkEvent(t, e)
		if !fds[e.Fd] || e.Events&reactors.Readable == 0 {
			t.Fatalf("Wait reported fd %d %v; want one of the ready descriptors, readable", e.Fd, e.Events)
		}
	}
	return dst[:n]
}

// waitRounds runs Waits until rounds of them reported something (a Wait
// interrupted by a signal reports nothing and does not count), and returns
// how often each descriptor was reported.
func waitRounds(t *testing.T, p reactors.Poller, fds map[int]bool, rounds int) map[int]int {
	t.Helper()
	seen := map[int]int{}
	deadline := time.Now().Add(watchdog)
	for done := 0; done < rounds; {
		if time.Now().After(deadline) {
			t.Fatalf("%d ready descriptors, yet only %d of %d Waits reported any within %v", len(fds), done, rounds, watchdog)
		}
		evs := waitSmall(t, p, fds)
		if len(evs) > 0 {
			done++
		}
		for _, e := range evs {
			seen[e.Fd]++
		}
	}
	return seen
}

// testFairSmallDst: when more descriptors are ready than dst holds, the
// next Wait goes on where the last one stopped, so no ready descriptor
// waits while others are reported again and again.
func testFairSmallDst(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	fds := readyPairs(t, p)
	rounds := fairLaps*(fairRounds-1) + 1
	seen := waitRounds(t, p, fds, rounds)
	var starved []int
	for fd := range fds {
		if seen[fd] < fairLaps {
			starved = append(starved, fd)
		}
	}
	if len(starved) > 0 {
		t.Fatalf("%d ready descriptors, %d per Wait: after %d Waits, %d were reported fewer than %d times (%v); reported: %v",
			fairPairs, fairDst, rounds, len(starved), fairLaps, starved, seen)
	}
}

// testWakeSmallDst: a Wake is consumed even while every Wait fills dst with
// ready descriptors, and wakes keep coalescing.
func testWakeSmallDst(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	fds := readyPairs(t, p)
	for range 3 {
		for range 10 {
			if err := p.Wake(); err != nil {
				t.Fatalf("Wake: %v", err)
			}
		}
		waitRounds(t, p, fds, fairRounds)
	}
	// Were a wake-up still pending, a Wait with nothing watched would end
	// at once instead of running to its timeout.
	for fd := range fds {
		set(t, p, fd, 0)
	}
	const d = 20 * time.Millisecond
	if el := longestQuietWait(t, p, d, d); el < d {
		t.Fatalf("Wait(%v) returned after at most %v in %d tries: a Wake made while every Wait filled dst was never consumed", d, el, waitTries)
	}
}

func testWaitZero(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	bounded(t, p, "Wait(0) with nothing watched", func() { quiet(t, p, anyFd, 0) })
	s := onePair(t)
	set(t, p, s.A, reactors.Writable)
	var got reactors.Events
	bounded(t, p, "Wait(0) with a writable descriptor", func() {
		// A fresh socket is writable at once; EINTR may cost a retry.
		for i := 0; i < 100 && got == 0; i++ {
			got = poll(t, p, s.A, 0)
		}
	})
	if got&reactors.Writable == 0 {
		t.Errorf("Wait(0) did not report the writable descriptor")
	}
}

// longestQuietWait runs Wait(d) with nothing ready up to waitTries times,
// until one lasts at least least, and returns the longest. A signal may end
// any one Wait early (EINTR ends the pass: see testEINTR), but not every
// try; a poller that ignores its timeout, or whose wake-up stays pending,
// returns early every time.
func longestQuietWait(t *testing.T, p reactors.Poller, d, least time.Duration) time.Duration {
	var longest time.Duration
	for range waitTries {
		start := time.Now()
		bounded(t, p, fmt.Sprintf("Wait(%v)", d), func() { quiet(t, p, anyFd, d) })
		if longest = max(longest, time.Since(start)); longest >= least {
			break
		}
	}
	return longest
}

// waitTries bounds longestQuietWait.
const waitTries = 5

func testTimedWait(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	for _, d := range []time.Duration{5 * time.Millisecond, 30 * time.Millisecond} {
		if el := longestQuietWait(t, p, d, d); el < d {
			t.Errorf("Wait(%v) with nothing ready returned after at most %v in %d tries", d, el, waitTries)
		}
	}
}

func testSubMillisecond(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	for _, d := range []time.Duration{time.Nanosecond, time.Microsecond, 999 * time.Microsecond} {
		if el := longestQuietWait(t, p, d, time.Millisecond); el < time.Millisecond {
			t.Errorf("Wait(%v) returned after at most %v in %d tries: a sub-millisecond timeout must round up to 1ms, not poll", d, el, waitTries)
		}
	}
}

func testWakeEndsWait(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	s := onePair(t)
	set(t, p, s.A, reactors.Readable)
	done := make(chan error, 1)
	go func() {
		var dst [8]reactors.Event
		n, err := p.Wait(dst[:], -1)
		if err == nil && n != 0 {
			err = fmt.Errorf("wait reported %v after a Wake", dst[:n])
		}
		done <- err
	}()
	time.Sleep(10 * time.Millisecond) // let Wait block; correctness does not depend on it
	if err := p.Wake(); err != nil {
		t.Fatalf("Wake: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(watchdog):
		t.Fatalf("Wake did not end a blocked Wait within %v", watchdog)
	}
}

func testWakesCoalesce(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	for range 100 {
		if err := p.Wake(); err != nil {
			t.Fatalf("Wake: %v", err)
		}
	}
	var dst [8]reactors.Event
	n, err := p.Wait(dst[:], 0)
	if err != nil || n != 0 {
		t.Fatalf("Wait(0) after 100 Wakes = %d, %v; want 0 events (the wake-up is never reported)", n, err)
	}
	// One Wait consumed all 100 wakes: the next timed Wait really waits.
	const d = 20 * time.Millisecond
	if el := longestQuietWait(t, p, d, d); el < d {
		t.Fatalf("Wait(%v) returned after at most %v in %d tries: wake-ups were not coalesced and drained", d, el, waitTries)
	}
	// And Wake is armed again.
	if err := p.Wake(); err != nil {
		t.Fatalf("Wake: %v", err)
	}
	bounded(t, p, "Wait(-1) after a fresh Wake", func() { quiet(t, p, anyFd, -1) })
}

func testWakeConcurrent(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	const goroutines, rounds = 4, 2000
	stop := make(chan struct{})
	errs := make(chan error, goroutines)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	for range goroutines {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := p.Wake(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// While the goroutines keep calling Wake, every Wait ends by a
	// wake-up. One that runs into its long timeout means a wake-up was
	// lost: the pending flag was left set with nothing left to read.
	const long = 5 * time.Second
	for i := range rounds {
		start := time.Now()
		quiet(t, p, anyFd, long)
		if time.Since(start) >= long {
			t.Fatalf("round %d: Wait ran into its %v timeout while %d goroutines kept calling Wake: a wake-up was lost", i, long, goroutines)
		}
		select {
		case err := <-errs:
			t.Fatalf("Wake: %v", err)
		default:
		}
	}
}

func testClosed(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	s := onePair(t)
	set(t, p, s.A, reactors.Readable)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if err := p.Wake(); err != nil && !errors.Is(err, reactors.ErrClosed) {
					t.Errorf("Wake racing Close: %v", err)
					return
				}
			}
		})
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	wg.Wait()
	var dst [8]reactors.Event
	if _, err := p.Wait(dst[:], 0); !errors.Is(err, reactors.ErrClosed) {
		t.Errorf("Wait after Close = %v, want ErrClosed", err)
	}
	if err := p.Set(s.A, reactors.Writable); !errors.Is(err, reactors.ErrClosed) {
		t.Errorf("Set after Close = %v, want ErrClosed", err)
	}
	if err := p.Wake(); err != nil && !errors.Is(err, reactors.ErrClosed) {
		t.Errorf("Wake after Close = %v, want nil or ErrClosed", err)
	}
	if err := p.Close(); err != nil && !errors.Is(err, reactors.ErrClosed) {
		t.Errorf("second Close = %v, want nil or ErrClosed", err)
	}
}

func testClosedBehindBack(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	s := onePair(t)
	other := onePair(t)
	set(t, p, s.A, reactors.Readable)
	set(t, p, other.A, reactors.Readable)
	write(t, other.B)
	closeFd(s.A)
	fd := s.A
	s.A = -1
	// The poller may report the dead descriptor (poll's POLLNVAL, select's
	// EBADF) or forget it (epoll, kqueue). Either way Wait returns, and once
	// the loop drops what was reported, the live descriptor is served.
	bounded(t, p, "Wait with a descriptor closed behind the poller", func() {
		deadline := time.Now().Add(watchdog)
		for time.Now().Before(deadline) {
			if got := poll(t, p, fd, 50*time.Millisecond); got != 0 {
				if got&(reactors.Hangup|reactors.Error) == 0 {
					t.Fatalf("closed descriptor %d reported %v, want Hangup or Error", fd, got)
				}
				set(t, p, fd, 0)
				continue
			}
			if poll(t, p, other.A, 50*time.Millisecond)&reactors.Readable != 0 {
				return
			}
		}
		t.Fatalf("the live descriptor was never reported")
	})
	// No spin: once dropped, the dead descriptor no longer ends waits early.
	set(t, p, other.A, 0)
	const d = 30 * time.Millisecond
	if el := longestQuietWait(t, p, d, d); el < d {
		t.Errorf("Wait(%v) returned after at most %v in %d tries: the closed descriptor still wakes the poller", d, el, waitTries)
	}
}

// testRemovedAndClosed checks that a descriptor the loop stops watching
// and closes is closed for its peer at once, with its watch armed or just
// reported: a backend whose watch holds a reference to the file (a pending
// io_uring poll) must let go of it in Set, or the peer would wait for its
// end of file until some later Wait.
func testRemovedAndClosed(t *testing.T, open func() (reactors.Poller, error)) {
	for _, reported := range []bool{false, true} {
		p := mustOpen(t, open)
		s := onePair(t)
		set(t, p, s.A, reactors.Readable)
		poll(t, p, s.A, 0) // the watch is armed, nothing to report
		if reported {
			write(t, s.B)
			waitFor(t, p, s.A, reactors.Readable)
		}
		set(t, p, s.A, 0)
		closeFd(s.A)
		s.A = -1
		// End of file, or a reset for the byte A left unread: closed either
		// way; EAGAIN would mean A is still open.
		var b [8]byte
		if n, err := unix.Read(s.B, b[:]); err != unix.ECONNRESET && (n != 0 || err != nil) {
			t.Errorf("reported %v: after Set(0) and close the peer read %d, %v; want end of file", reported, n, err)
		}
	}
}

func testBadArguments(t *testing.T, open func() (reactors.Poller, error)) {
	p := mustOpen(t, open)
	s := onePair(t)
	if err := p.Set(-1, reactors.Readable); err == nil {
		t.Error("Set(-1, r) succeeded")
	}
	if err := p.Set(-7, 0); err == nil {
		t.Error("Set(-7, 0) succeeded")
	}
	if err := p.Set(s.A, reactors.Hangup); err == nil {
		t.Error("Set(fd, h) succeeded: only Readable and Writable can be watched")
	}
	// A number no descriptor can have is refused, not used to size a table.
	const huge = 1 << 28
	if err := p.Set(huge, reactors.Readable); err == nil {
		t.Errorf("Set(%d, r) succeeded", huge)
	}
	if err := p.Set(huge, 0); err != nil {
		t.Errorf("Set(%d, 0) = %v; unregistering what is not registered is a no-op", huge, err)
	}
	// An empty dst must not panic; an error or zero events are both fine.
	if n, _ := p.Wait(nil, 0); n != 0 {
		t.Errorf("Wait(nil) = %d events", n)
	}
}

func testEINTR(t *testing.T, open func() (reactors.Poller, error)) {
	if !threadSignals {
		t.Skip("needs a signal aimed at the waiting thread (tgkill)")
	}
	p := mustOpen(t, open)
	type result struct {
		n   int
		err error
	}
	tids := make(chan int, 1)
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tids <- gettid()
		var dst [8]reactors.Event
		n, err := p.Wait(dst[:], -1)
		done <- result{n, err}
	}()
	tid := <-tids
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(watchdog)
	for {
		select {
		case r := <-done:
			if r.n != 0 || r.err != nil {
				t.Fatalf("interrupted Wait = %d, %v; want 0, nil", r.n, r.err)
			}
			return
		case <-tick.C:
			if err := interrupt(tid); err != nil {
				t.Fatalf("signal: %v", err)
			}
		case <-timeout:
			t.Errorf("signals did not end a blocked Wait within %v", watchdog)
			p.Wake()
			<-done
			return
		}
	}
}
