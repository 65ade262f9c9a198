package core

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reactorbench/reactorbench/core/deferred"
)

func (p *workerPool) count() (workers int, started bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.workers, p.started
}

// Item 76: the pool starts after startup; work queued earlier waits for
// it; shutdown lets running work finish and joins the workers.
func TestThreadPoolLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var ran atomic.Int32
		release := make(chan struct{})
		l.CallInThread(func() {
			ran.Add(1)
			l.CallFromThread(func() { _ = l.Stop() })
			<-release
			ran.Add(1)
		})
		iterate(t, l, 2)
		if w, started := l.pool.count(); w != 0 || started || ran.Load() != 0 {
			t.Fatalf("before Run: %d workers, started %v, ran %d", w, started, ran.Load())
		}
		mustTrigger(t, l, Before, Shutdown, func() *deferred.Deferred { close(release); return nil })
		runTestLoop(t, l)
		if ran.Load() != 2 {
			t.Errorf("Run returned before the pool joined its work (%d)", ran.Load())
		}
		if w, started := l.pool.count(); w != 0 || started {
			t.Errorf("after shutdown: %d workers, started %v", w, started)
		}
	})
}

// Item 76: shutdown fired without Run stops the pool too.
func TestThreadPoolShutdownWithoutRun(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		l.CallInThread(func() {})
		l.FireSystemEvent(Shutdown)
		if w, started := l.pool.count(); w != 0 || started {
			t.Errorf("%d workers, started %v", w, started)
		}
	})
}

// Item 77: SuggestThreadPoolSize sets the maximum number of workers, up
// or down; a panicking job is logged and its worker goes on.
func TestSuggestThreadPoolSize(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		logs := captureLog(t)
		l := newTestLoop(t, name)
		l.SuggestThreadPoolSize(34)
		const wide = 20 // more than the default maximum of 10
		var wg sync.WaitGroup
		wg.Add(wide)
		all := make(chan struct{})
		var arrived atomic.Int32
		for range wide {
			l.CallInThread(func() {
				defer wg.Done()
				if arrived.Add(1) == wide {
					close(all)
				}
				<-all // deadlocks unless all run at once
			})
		}
		l.CallWhenRunning(func() {
			go func() {
				wg.Wait()
				l.CallFromThread(l.Crash)
			}()
		})
		runTestLoop(t, l)

		l.SuggestThreadPoolSize(4)
		var running, peak atomic.Int32
		gate := make(chan struct{})
		wg.Add(8)
		for range 8 {
			l.CallInThread(func() {
				defer wg.Done()
				n := running.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				<-gate
				running.Add(-1)
			})
		}
		l.CallInThread(func() { panic("pool job panicked") })
		close(gate)
		wg.Wait()
		if peak.Load() > 4 {
			t.Errorf("%d jobs ran at once with a maximum of 4", peak.Load())
		}
		l.SuggestThreadPoolSize(0)
		done := make(chan struct{})
		l.CallInThread(func() { close(done) })
		<-done
		if !strings.Contains(logs.String(), "pool job panicked") {
			t.Error("the panic was not logged")
		}
	})
}

// Jobs from many goroutines all run while the maximum changes under them.
func TestThreadPoolStress(t *testing.T) {
	var p workerPool
	p.init(3)
	p.start()
	defer p.stop()
	const producers, jobs = 4, 500
	var wg sync.WaitGroup
	wg.Add(producers * jobs)
	for g := range producers {
		go func() {
			for i := range jobs {
				p.submit(wg.Done)
				if i%50 == 0 {
					p.resize(1 + (g+i)%6)
				}
			}
		}()
	}
	wg.Wait()
}
