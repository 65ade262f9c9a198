package core

import (
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/reactors"
	"golang.org/x/sys/unix"
)

// echoDesc stays readable: each DoRead takes one byte from fd and writes
// one byte into its peer, which comes back to fd.
type echoDesc struct {
	l        *Loop
	fd, peer int
	buf      [1]byte
}

func (d *echoDesc) Fileno() int          { return d.fd }
func (d *echoDesc) ConnectionLost(error) {}

func (d *echoDesc) DoRead() error {
	if _, err := unix.Read(d.fd, d.buf[:]); err != nil {
		return err
	}
	d.l.countRead(nil)
	if _, err := unix.Write(d.peer, d.buf[:]); err != nil {
		return err
	}
	d.l.countWrite(nil)
	return nil
}

// BenchmarkDispatch is one pass (Wait plus dispatch) with one ready
// descriptor among N watched socket pairs.
func BenchmarkDispatch(b *testing.B) {
	for _, name := range reactors.Names() {
		for _, n := range []int{1, 16, 256, 1024, 4096, 8192} {
			b.Run(fmt.Sprintf("reactor=%s/fds=%d", name, n), func(b *testing.B) {
				l := newTestLoop(b, name)
				descs := make([]*echoDesc, n)
				for i := range descs {
					fd, peer := socketPair(b)
					descs[i] = &echoDesc{l: l, fd: fd, peer: peer}
					if err := l.AddReader(descs[i]); err != nil {
						b.Fatalf("AddReader #%d: %v", i, err)
					}
				}
				active := descs[n/2]
				if _, err := unix.Write(active.peer, []byte{1}); err != nil {
					b.Fatal(err)
				}
				before := l.Counters()
				b.ReportAllocs()
				for b.Loop() {
					if err := l.Iterate(-1); err != nil {
						b.Fatal(err)
					}
				}
				c := l.Counters()
				if c.Reads-before.Reads < uint64(b.N) || c.Events-before.Events != c.Waits-before.Waits {
					b.Fatalf("%d reads and %d events in %d passes, want one each", c.Reads-before.Reads, c.Events-before.Events, c.Waits-before.Waits)
				}
			})
		}
	}
}

// BenchmarkCallLater schedules one call and fires it (or cancels it) with
// 0, 1e3 or 1e6 calls pending 1 to 2 hours ahead, like connection
// timeouts. op=fire schedules with delay 0; op=cancel schedules 1 hour
// ahead, then cancels. On the loop the calls are made inside passes, as
// callbacks make them: a call from another goroutine makes timerBatch of
// them and the same pass fires them (Iterate(0), one Wait per batch). The
// Clock runs the same queue without a loop, firing every timerBatch calls.
func BenchmarkCallLater(b *testing.B) {
	nop := func() {}
	for _, sched := range []string{"loop", "clock"} {
		for _, op := range []string{"fire", "cancel"} {
			for _, pending := range []int{0, 1e3, 1e6} {
				b.Run(fmt.Sprintf("sched=%s/op=%s/pending=%d", sched, op, pending), func(b *testing.B) {
					var s Scheduler
					var runBatch func(batch func())
					if sched == "clock" {
						c := NewClock(time.Unix(0, 0))
						s, runBatch = c, func(batch func()) { batch(); c.Advance(0) }
					} else {
						l := newTestLoop(b, reactors.DefaultName)
						s, runBatch = l, func(batch func()) { inPasses(b, l, batch) }
					}
					rng := rand.New(rand.NewSource(1))
					for range pending {
						s.CallLater(time.Hour+time.Duration(rng.Int63n(int64(time.Hour))), nop)
					}
					one := func() { s.CallLater(0, nop) }
					if op == "cancel" {
						one = func() { _ = s.CallLater(time.Hour, nop).Cancel() }
					}
					b.ReportAllocs()
					benchBatches(b, one, runBatch)
					if n := len(s.GetDelayedCalls()); n != pending {
						b.Fatalf("%d calls pending, want %d", n, pending)
					}
				})
			}
		}
	}
}

// timerBatch is how many operations a timer benchmark makes per pass.
const timerBatch = 1000

// benchBatches runs b.N calls of one in batches of timerBatch, each batch
// handed to runBatch.
func benchBatches(b *testing.B, one func(), runBatch func(batch func())) {
	left := 0
	batch := func() {
		for range min(left, timerBatch) {
			one()
		}
	}
	b.ResetTimer()
	for n := b.N; n > 0; n -= timerBatch {
		left = n
		runBatch(batch)
	}
}

// inPasses runs batch inside one pass of l, as a call from another
// goroutine; the same pass fires what batch made due.
func inPasses(b *testing.B, l *Loop, batch func()) {
	l.CallFromThread(batch)
	if err := l.Iterate(0); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCallFromThread measures calls queued from 1 or 4 goroutines and
// run by a loop on its own goroutine, with the wake-ups and passes they
// cost.
func BenchmarkCallFromThread(b *testing.B) {
	for _, producers := range []int{1, 4} {
		b.Run(fmt.Sprintf("goroutines=%d", producers), func(b *testing.B) {
			l := newTestLoop(b, reactors.DefaultName)
			ran := 0
			inc := func() { ran++ }
			running := make(chan struct{})
			l.CallWhenRunning(func() { close(running) })
			result := make(chan error)
			go func() { result <- l.Run() }()
			<-running
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for p := range producers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := p; i < b.N; i += producers {
						l.CallFromThread(inc)
					}
				}()
			}
			wg.Wait()
			l.CallFromThread(func() { _ = l.Stop() })
			if err := <-result; err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if ran != b.N {
				b.Fatalf("%d of %d calls ran", ran, b.N)
			}
			c := l.Counters()
			b.ReportMetric(float64(c.Wakes)/float64(c.Waits), "wakes/pass")
			b.ReportMetric(float64(b.N)/float64(c.Waits), "calls/pass")
		})
	}
}

// BenchmarkRemoveUnregistered removes a descriptor that is not registered
// (as connections do at shutdown, after RemoveAll) from a loop watching
// 1024 socket pairs: a lookup by number, not a scan of the table.
func BenchmarkRemoveUnregistered(b *testing.B) {
	l := newTestLoop(b, "default")
	var idle *echoDesc
	for i := range 1024 {
		fd, peer := socketPair(b)
		if err := l.AddReader(&echoDesc{l: l, fd: fd, peer: peer}); err != nil {
			b.Fatalf("AddReader #%d: %v", i, err)
		}
		idle = &echoDesc{l: l, fd: peer}
	}
	b.ReportAllocs()
	for b.Loop() {
		l.RemoveReader(idle)
	}
	if len(l.GetReaders()) != 1024 {
		b.Fatal("removing an unregistered descriptor changed the set")
	}
}

// idleTimeoutConns is how many connections BenchmarkIdleTimeouts keeps,
// each with its own idle timeout.
const idleTimeoutConns = 4096

// BenchmarkIdleTimeouts is a server's common case: 4096 connections, each
// with a 30-second idle timeout that every request moves back, none ever
// firing. One operation is one request: op=reset moves the connection's
// call with Reset (as Twisted's TimeoutMixin does), op=rearm cancels it
// and schedules a new one. The requests come in passes of timerBatch, in
// connection order.
func BenchmarkIdleTimeouts(b *testing.B) {
	const timeout = 30 * time.Second
	for _, op := range []string{"reset", "rearm"} {
		b.Run("op="+op, func(b *testing.B) {
			l := newTestLoop(b, reactors.DefaultName)
			expired := 0
			expire := func() { expired++ }
			calls := make([]*DelayedCall, idleTimeoutConns)
			for i := range calls {
				calls[i] = l.CallLater(timeout, expire)
			}
			next := 0
			request := func() {
				dc := calls[next]
				if op == "reset" {
					_ = dc.Reset(timeout)
				} else {
					_ = dc.Cancel()
					calls[next] = l.CallLater(timeout, expire)
				}
				next = (next + 1) % idleTimeoutConns
			}
			b.ReportAllocs()
			benchBatches(b, request, func(batch func()) { inPasses(b, l, batch) })
			if expired != 0 || len(l.GetDelayedCalls()) != idleTimeoutConns {
				b.Fatalf("%d timeouts fired, %d pending; want 0 and %d", expired, len(l.GetDelayedCalls()), idleTimeoutConns)
			}
		})
	}
}
