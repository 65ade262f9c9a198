package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/core"
	"golang.org/x/sys/unix"
)

// The wakeup workload times one CallFromThread from another goroutine:
// from the call to the moment the caller sees the callback's signal (an
// atomic it spins on, so that the caller's own wake-up costs nothing).
// state=idle: the loop sleeps in Wait with nothing else to do, so the
// call pays the wake-up write and the loop's return from the kernel;
// state=busy: the loop serves an always-ready descriptor, one event a
// pass, and finds the call at its next pass. Beside them, where the OS
// has one, the floor: a goroutine blocked in epoll_wait on an eventfd that
// the caller writes, and nothing else (impl raw-eventfd).

// wakeupGap is how long the caller waits between two wake-ups, so that an
// idle loop is back asleep in the kernel when the next one comes.
const wakeupGap = 50 * time.Microsecond

// wakeupSignalWait bounds the wait for one signal: a loop that never
// answers fails the sample instead of spinning for ever.
const wakeupSignalWait = 10 * time.Second

// wakeupCount is how many wake-ups one sample times.
func wakeupCount(quick bool) int {
	if quick {
		return 200
	}
	return 2000
}

// wakeTarget starts what a wake-up wakes and returns the wake-up (which
// returns once the woken side has signalled back) and what stops it all.
type wakeTarget func() (wake, stop func() error, err error)

// wakeupPoint is one measured point: an implementation in a state.
type wakeupPoint struct {
	impl, state string
	target      wakeTarget
}

// wakeupPoints are the floor (where there is one) and each backend idle
// and busy.
func wakeupPoints(backends []string) []wakeupPoint {
	var pts []wakeupPoint
	if rawWakeFloor != nil {
		pts = append(pts, wakeupPoint{"raw-eventfd", "idle", rawWakeFloor})
	}
	for _, b := range backends {
		pts = append(pts, wakeupPoint{b, "idle", loopWakeTarget(b, false)}, wakeupPoint{b, "busy", loopWakeTarget(b, true)})
	}
	return pts
}

// wakeupName is a point's result name, e.g. "Wakeup/impl=epoll/state=idle".
func wakeupName(impl, state string) string { return "Wakeup/impl=" + impl + "/state=" + state }

// awaitSignal spins until signal is set, or fails after wakeupSignalWait.
func awaitSignal(signal *atomic.Bool) error {
	deadline := time.Now().Add(wakeupSignalWait)
	for i := 0; !signal.Load(); i++ {
		if i%4096 == 0 && time.Now().After(deadline) {
			return errors.New("no signal within " + wakeupSignalWait.String())
		}
	}
	return nil
}

// measureWakeups times n wake-ups of a fresh target, wakeupGap apart, and
// returns their median and 99th percentile.
func measureWakeups(target wakeTarget, n int) (map[string]float64, error) {
	wake, stop, err := target()
	if err != nil {
		return nil, err
	}
	lat := make([]time.Duration, n)
	for i := range lat {
		for gap := time.Now(); time.Since(gap) < wakeupGap; {
		}
		start := time.Now()
		if err = wake(); err != nil {
			break
		}
		lat[i] = time.Since(start)
	}
	if err = errors.Join(err, stop()); err != nil {
		return nil, err
	}
	slices.Sort(lat)
	return map[string]float64{
		results.WakeNs:    float64(lat[n/2]),
		results.WakeP99Ns: float64(lat[n*99/100]),
	}, nil
}

// selfEcho stays readable: each DoRead takes the byte waiting on fd and
// writes one into peer, which comes back to fd.
type selfEcho struct {
	fd, peer int
	buf      [1]byte
}

func (d *selfEcho) Fileno() int          { return d.fd }
func (d *selfEcho) ConnectionLost(error) {}

func (d *selfEcho) DoRead() error {
	if _, err := unix.Read(d.fd, d.buf[:]); err != nil {
		return err
	}
	_, err := unix.Write(d.peer, d.buf[:])
	return err
}

// loopWakeTarget runs a loop of backend on its own goroutine, busy with a
// selfEcho or idle, and wakes it with CallFromThread.
func loopWakeTarget(backend string, busy bool) wakeTarget {
	return func() (wake, stop func() error, err error) {
		l, err := core.Open(backend)
		if err != nil {
			return nil, nil, err
		}
		var fds [2]int
		closeAll := func() error {
			if busy {
				unix.Close(fds[0])
				unix.Close(fds[1])
			}
			return l.Close()
		}
		if busy {
			if fds, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0); err != nil {
				return nil, nil, errors.Join(err, l.Close())
			}
			if err := errors.Join(unix.SetNonblock(fds[0], true), unix.SetNonblock(fds[1], true)); err != nil {
				return nil, nil, errors.Join(err, closeAll())
			}
			d := &selfEcho{fd: fds[0], peer: fds[1]}
			if err := l.AddReader(d); err != nil {
				return nil, nil, errors.Join(err, closeAll())
			}
			if _, err := unix.Write(fds[1], []byte{1}); err != nil {
				return nil, nil, errors.Join(err, closeAll())
			}
		}
		running := make(chan struct{})
		l.CallWhenRunning(func() { close(running) })
		result := make(chan error, 1)
		go func() { result <- l.Run() }()
		select {
		case <-running:
		case err := <-result:
			return nil, nil, errors.Join(fmt.Errorf("loop ended before it ran: %v", err), closeAll())
		}
		var signal atomic.Bool
		ping := func() { signal.Store(true) }
		wake = func() error {
			signal.Store(false)
			l.CallFromThread(ping)
			return awaitSignal(&signal)
		}
		stop = func() error {
			l.CallFromThread(func() { _ = l.Stop() })
			return errors.Join(<-result, closeAll())
		}
		return wake, stop, nil
	}
}

// runWakeup measures every point, the samples of all points interleaved
// so that a change in the machine's load falls on all of them alike.
func runWakeup(ctx context.Context, o *Options, emit func(results.Result)) error {
	if runtime.GOMAXPROCS(0) < 2 {
		o.skip("workload wakeup", "it needs two CPUs: the caller spins on one while the loop runs on the other", "run it on a machine with two or more CPUs")
		return nil
	}
	pts := wakeupPoints(o.Reactors)
	samples := make([][]results.Sample, len(pts))
	for range max(o.Repeats, 1) {
		for i, p := range pts {
			if err := ctx.Err(); err != nil {
				return err
			}
			m, err := measureWakeups(p.target, wakeupCount(o.Quick))
			if err != nil {
				return fmt.Errorf("%s: %w", wakeupName(p.impl, p.state), err)
			}
			samples[i] = append(samples[i], results.Sample{Metrics: m, Iters: int64(wakeupCount(o.Quick))})
		}
	}
	for i, p := range pts {
		name := wakeupName(p.impl, p.state)
		o.progress(name)
		emit(results.Result{Name: name, Workload: "wakeup", Impl: p.impl, Params: map[string]string{"state": p.state}, Samples: samples[i]})
	}
	return nil
}

func init() {
	RegisterWorkload(Workload{
		Name:   "wakeup",
		Doc:    "latency of one CallFromThread, the loop idle and busy, beside a raw eventfd+epoll_wait wake-up",
		Points: func(o *Options) int { return len(wakeupPoints(o.Reactors)) },
		Run:    runWakeup,
	})
}
