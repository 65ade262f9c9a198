package bench

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/core"
)

// The dispatch workload is libevent's test/bench.c: a ring of N socketpairs
// whose read ends are watched, A of them primed with one byte, and every
// callback reads its byte and writes one byte into the next pair until W
// writes are spent. Each backend runs it through the reactor and, as the
// floor it is measured against, through a bare loop making the same
// syscalls (rawFloors).

// dispatchActives are the numbers of pairs primed at once.
var dispatchActives = []int{1, 100}

// dispatchMaxPairs caps the ladder at the classic chart's 8192 watched
// descriptors; past it poll and select at A=1 take seconds per point.
const dispatchMaxPairs = 8192

// fdReserve is what the ladder leaves of the descriptor limit for the
// process itself (standard streams, the poller, wake-up descriptors).
const fdReserve = 64

// dispatchLadder is N doubling from 1 to the most pairs the descriptor limit
// allows (two descriptors per pair), capped at dispatchMaxPairs; quick keeps
// every fourth step. clamped reports that the limit, not the cap, ended it.
func dispatchLadder(limit uint64, quick bool) (ladder []int, clamped bool) {
	most := dispatchMaxPairs
	if avail := (int64(limit) - fdReserve) / 2; avail < int64(most) {
		most, clamped = max(int(avail), 1), true
	}
	step := 1
	if quick {
		step = 4
	}
	for i, n := 0, 1; n <= most; i, n = i+1, n*2 {
		if i%step == 0 {
			ladder = append(ladder, n)
		}
	}
	return ladder, clamped
}

// dispatchWrites is W for a ring of n pairs: enough events to time well,
// fewer as n grows, since poll and select at A=1 cost about 100 ns per
// watched descriptor per event (a second per thousand events at n=8192).
func dispatchWrites(n int, quick bool) int {
	if quick {
		return 100
	}
	return min(max(250_000/n, 200), 20000)
}

// ring is N socketpairs: pair i is read at rd[i] and written at wr[i]; the
// callback of pair i writes into pair i+1 (mod N).
type ring struct {
	rd, wr []int
	next   []int // next[fd of rd[i]] = wr[i+1]: the reactor's own fd-indexed table, no map
}

// newRing opens n non-blocking socketpairs. On error every descriptor it
// opened is closed again.
func newRing(n int) (*ring, error) {
	r := &ring{rd: make([]int, 0, n), wr: make([]int, 0, n)}
	for i := 0; i < n; i++ {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("socketpair %d of %d: %w", i+1, n, err)
		}
		r.rd, r.wr = append(r.rd, fds[0]), append(r.wr, fds[1])
		for _, fd := range fds {
			unix.CloseOnExec(fd)
			if err := unix.SetNonblock(fd, true); err != nil {
				r.close()
				return nil, fmt.Errorf("socketpair %d: %w", i+1, err)
			}
		}
	}
	top := 0
	for _, fd := range r.rd {
		top = max(top, fd)
	}
	r.next = make([]int, top+1)
	for i, fd := range r.rd {
		r.next[fd] = r.wr[(i+1)%n]
	}
	return r, nil
}

func (r *ring) close() {
	for i := range r.rd {
		unix.Close(r.rd[i])
		unix.Close(r.wr[i])
	}
	r.rd, r.wr = nil, nil
}

// prime writes one byte into active pairs spread evenly over the ring and
// returns how many it wrote.
func (r *ring) prime(active int) (int, error) {
	space := len(r.wr) / active
	for i := 0; i < active; i++ {
		if _, err := unix.Write(r.wr[i*space], []byte{'e'}); err != nil {
			return i, fmt.Errorf("priming pair %d: %w", i*space, err)
		}
	}
	return active, nil
}

// ringState is the callbacks' shared count, as in bench.c: count bytes
// read, fired bytes written, writes still to make.
type ringState struct {
	count, fired, writes int
	err                  error // why the ring broke, if it did
}

// step is one callback's work on fd: read one byte, pass it to the next pair.
func (s *ringState) step(fd, next int, buf []byte) error {
	n, err := unix.Read(fd, buf)
	if err == unix.EAGAIN {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if n == 0 {
		return io.ErrUnexpectedEOF
	}
	s.count += n
	if s.writes > 0 {
		if _, err := unix.Write(next, buf); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		s.writes--
		s.fired++
	}
	return nil
}

// syscalls is the reads and writes the callbacks made.
func (s *ringState) syscalls(primed int) int64 { return int64(s.count + s.fired - primed) }

// dispatchSample is one measurement of the ring.
type dispatchSample struct {
	setup    time.Duration // registering the N read ends
	elapsed  time.Duration // from the first wait until every byte was read
	events   int           // callbacks run
	syscalls int64         // readiness, interest and I/O syscalls while dispatching
}

// metrics renders s as result metrics.
func (s dispatchSample) metrics() map[string]float64 {
	ev := float64(max(s.events, 1))
	return map[string]float64{
		results.NsPerEvent:       float64(s.elapsed.Nanoseconds()) / ev,
		results.SetupNs:          float64(s.setup.Nanoseconds()),
		results.SyscallsPerEvent: float64(s.syscalls) / ev,
	}
}

// pipeReader is the reactor's handler for one read end. Its buffer is part
// of it, so dispatching allocates nothing.
type pipeReader struct {
	fd, next int
	st       *ringState
	buf      [1]byte
}

func (p *pipeReader) Fileno() int                 { return p.fd }
func (p *pipeReader) ConnectionLost(reason error) { p.st.fail(reason) }
func (p *pipeReader) DoRead() error               { return p.st.step(p.fd, p.next, p.buf[:]) }

// fail ends the run early with reason: a lost descriptor means the ring is
// broken and no more bytes will come.
func (s *ringState) fail(reason error) {
	if s.err == nil {
		s.err = fmt.Errorf("ring descriptor lost: %w", reason)
	}
}

// busy reports whether bytes are still in flight and nothing broke.
func (s *ringState) busy() bool { return s.count != s.fired && s.err == nil }

// window brackets the dispatch part of a run, leaving setup out.
// *testing.B is one, so -benchmem counts dispatch alone.
type window interface {
	StartTimer()
	StopTimer()
}

// runReactor runs the ring through a fresh loop of the named backend.
func runReactor(backend string, r *ring, active, writes int, w window) (dispatchSample, error) {
	loop, err := core.Open(backend)
	if err != nil {
		return dispatchSample{}, err
	}
	defer loop.Close()
	st := &ringState{writes: writes}
	readers := make([]pipeReader, len(r.rd))
	start := time.Now()
	for i, fd := range r.rd {
		readers[i] = pipeReader{fd: fd, next: r.next[fd], st: st}
		if err := loop.AddReader(&readers[i]); err != nil {
			return dispatchSample{}, fmt.Errorf("%s: AddReader: %w", backend, err)
		}
	}
	// One pass with nothing ready hands the kernel what a backend queued
	// rather than submitted (io_uring's, before its first wait), so that
	// registering counts as setup on every backend.
	if err := loop.Iterate(0); err != nil {
		return dispatchSample{}, err
	}
	setup := time.Since(start)
	if st.fired, err = r.prime(active); err != nil {
		return dispatchSample{}, err
	}
	// Pass by pass like bench.c's event_loop(EVLOOP_ONCE), until every
	// byte written was read.
	before := loop.Counters()
	w.StartTimer()
	start = time.Now()
	for err == nil && st.busy() {
		err = loop.Iterate(-1)
	}
	elapsed := time.Since(start)
	w.StopTimer()
	after := loop.Counters()
	if err == nil {
		err = st.err
	}
	if err != nil {
		return dispatchSample{}, err
	}
	return dispatchSample{
		setup:    setup,
		elapsed:  elapsed,
		events:   st.count,
		syscalls: loopSyscalls(after) - loopSyscalls(before) + st.syscalls(active),
	}, nil
}

// loopSyscalls is the syscalls the loop itself made: waits and interest
// changes (or the enters of a backend that counts them, io_uring's) and
// wake-ups (its transports' reads and writes are not the ring's).
func loopSyscalls(c core.Counters) int64 {
	if c.EntersCounted {
		return int64(c.Enters + c.Wakes)
	}
	return int64(c.Waits + c.Sets + c.Wakes)
}

// rawPoller is a bare readiness loop: the floor of one backend.
type rawPoller interface {
	add(fd int) error
	// wait blocks until registered descriptors are readable and returns
	// them in a slice that the next call reuses.
	wait() ([]int32, error)
	close() error
}

// runRaw runs the ring through the bare loop of open.
func runRaw(open func() (rawPoller, error), r *ring, active, writes int, w window) (dispatchSample, error) {
	p, err := open()
	if err != nil {
		return dispatchSample{}, err
	}
	defer p.close()
	start := time.Now()
	for _, fd := range r.rd {
		if err := p.add(fd); err != nil {
			return dispatchSample{}, err
		}
	}
	setup := time.Since(start)
	st := &ringState{writes: writes}
	if st.fired, err = r.prime(active); err != nil {
		return dispatchSample{}, err
	}
	var buf [1]byte
	waits := int64(0)
	w.StartTimer()
	start = time.Now()
	for st.busy() {
		ready, err := p.wait()
		if err != nil {
			return dispatchSample{}, err
		}
		waits++
		for _, fd := range ready {
			if err := st.step(int(fd), r.next[fd], buf[:]); err != nil {
				return dispatchSample{}, err
			}
		}
	}
	elapsed := time.Since(start)
	w.StopTimer()
	return dispatchSample{setup: setup, elapsed: elapsed, events: st.count, syscalls: waits + st.syscalls(active)}, nil
}

// dispatchImpl is one implementation the workload measures: a backend
// through the reactor, or its raw floor.
type dispatchImpl struct {
	name string
	run  func(r *ring, active, writes int, w window) (dispatchSample, error)
}

// dispatchImpls are the reactor and, where there is one, the raw floor of
// each backend, in that order.
func dispatchImpls(backends []string) []dispatchImpl {
	var impls []dispatchImpl
	for _, b := range backends {
		impls = append(impls, dispatchImpl{b, func(r *ring, a, n int, w window) (dispatchSample, error) {
			return runReactor(b, r, a, n, w)
		}})
		if open, ok := rawFloors[b]; ok {
			impls = append(impls, dispatchImpl{"raw-" + b, func(r *ring, a, n int, w window) (dispatchSample, error) {
				return runRaw(open, r, a, n, w)
			}})
		}
	}
	return impls
}

// measureDispatch runs impl once on a fresh ring of n pairs.
func measureDispatch(impl dispatchImpl, n, active, writes int, w window) (dispatchSample, error) {
	r, err := newRing(n)
	if err != nil {
		return dispatchSample{}, err
	}
	defer r.close()
	return impl.run(r, active, writes, w)
}

// dispatchPoints lists (n, active) pairs of the ladder: an active count
// larger than the ring is not a point.
func dispatchPoints(ladder []int) [][2]int {
	var pts [][2]int
	for _, a := range dispatchActives {
		for _, n := range ladder {
			if a <= n {
				pts = append(pts, [2]int{n, a})
			}
		}
	}
	return pts
}

// dispatchName is the result name of one point.
func dispatchName(impl string, n, active int) string {
	return fmt.Sprintf("Dispatch/impl=%s/fds=%d/active=%d", impl, n, active)
}

func runDispatchWorkload(ctx context.Context, o *Options, emit func(results.Result)) error {
	limit := noFileLimit()
	ladder, clamped := dispatchLadder(limit, o.Quick)
	if clamped {
		o.note("dispatch: ladder ends at %d pairs, the most that the descriptor limit %d allows (2 descriptors each)", ladder[len(ladder)-1], limit)
	}
	repeats := max(o.Repeats, 1)
	impls := dispatchImpls(o.Reactors)
	for _, pt := range dispatchPoints(ladder) {
		n, active := pt[0], pt[1]
		writes := dispatchWrites(n, o.Quick)
		res := make([]results.Result, len(impls))
		for i, impl := range impls {
			res[i] = results.Result{
				Name: dispatchName(impl.name, n, active), Workload: "dispatch", Impl: impl.name,
				Params: map[string]string{"fds": strconv.Itoa(n), "active": strconv.Itoa(active), "writes": strconv.Itoa(writes)},
			}
		}
		// Repeats interleave the implementations, so a slow spell of the
		// machine hits all of them alike.
		for rep := 0; rep < repeats; rep++ {
			for i, impl := range impls {
				if err := ctx.Err(); err != nil {
					return err
				}
				var sw stopwatch
				s, err := measureDispatch(impl, n, active, writes, &sw)
				if err != nil {
					return fmt.Errorf("%s: %w", res[i].Name, err)
				}
				m := s.metrics()
				m[results.AllocsPerOp] = float64(sw.mallocs) / float64(max(s.events, 1))
				res[i].Samples = append(res[i].Samples, results.Sample{Metrics: m, Iters: int64(s.events)})
			}
		}
		for _, r := range res {
			o.progress(r.Name)
			emit(r)
		}
	}
	return nil
}

func dispatchPointCount(o *Options) int {
	ladder, _ := dispatchLadder(noFileLimit(), o.Quick)
	return len(dispatchPoints(ladder)) * len(dispatchImpls(o.Reactors))
}

func init() {
	RegisterWorkload(Workload{
		Name:   "dispatch",
		Doc:    "libevent's bench.c: cost per event with A of N socketpairs active, per backend and its raw floor",
		Points: dispatchPointCount,
		Run:    runDispatchWorkload,
	})
}
