package core

import (
	"sync"
	"sync/atomic"
)

// defaultPoolSize is the reactor pool's default maximum, as in Twisted.
const defaultPoolSize = 10

// workerPool runs blocking work off the loop (Twisted's reactor thread
// pool: workers start on demand, at most max). Work queued before start waits;
// stop lets queued work finish and joins the workers.
type workerPool struct {
	mu      sync.Mutex
	cond    sync.Cond
	queue   []func()
	head    int
	max     int
	workers int
	idle    int // workers waiting for work
	wakeups int // signals sent to idle workers, not yet taken
	started bool
	wg      sync.WaitGroup

	// handed is set when a worker was woken or started; the loop yields
	// once before its next Wait (see Loop.yieldToPool).
	handed atomic.Bool
}

func (p *workerPool) init(max int) {
	p.cond.L = &p.mu
	p.max = max
}

// CallInThread runs fn on the loop's thread pool, which starts after
// startup; work queued earlier waits for it. A nil fn is ignored.
func (l *Loop) CallInThread(fn func()) {
	if fn != nil {
		l.pool.submit(fn)
	}
}

// SuggestThreadPoolSize sets the pool's maximum number of workers (at
// least 1).
func (l *Loop) SuggestThreadPoolSize(n int) { l.pool.resize(max(n, 1)) }

func (p *workerPool) submit(fn func()) {
	p.mu.Lock()
	p.queue = append(p.queue, fn)
	p.wakeLocked()
	p.mu.Unlock()
}

// wakeLocked makes sure queued work has someone to run it: an idle worker
// not yet woken, else a new worker while under the maximum.
func (p *workerPool) wakeLocked() {
	if !p.started {
		return
	}
	for n := len(p.queue) - p.head - p.wakeups; n > 0; n-- {
		switch {
		case p.idle > p.wakeups:
			p.wakeups++
			p.cond.Signal()
			p.handed.Store(true)
		case p.workers < p.max:
			p.workers++
			p.wg.Add(1)
			go p.work()
			p.handed.Store(true)
		default:
			return
		}
	}
}

func (p *workerPool) resize(n int) {
	p.mu.Lock()
	p.max = n
	p.wakeLocked()
	p.mu.Unlock()
}

func (p *workerPool) start() {
	p.mu.Lock()
	p.started = true
	p.wakeLocked()
	p.mu.Unlock()
}

// stop lets the queued work finish, then joins every worker.
func (p *workerPool) stop() {
	p.mu.Lock()
	p.started = false
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
}

// work runs queued jobs. A worker above the maximum (after a resize)
// leaves instead, handing the queue on.
func (p *workerPool) work() {
	defer p.wg.Done()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for p.head == len(p.queue) && p.started && p.workers <= p.max {
			p.idle++
			p.cond.Wait()
			p.idle--
			p.wakeups = max(p.wakeups-1, 0)
		}
		if p.head == len(p.queue) || p.workers > p.max {
			p.workers--
			p.wakeLocked()
			return
		}
		fn := p.queue[p.head]
		p.queue[p.head] = nil
		p.head++
		if p.head == len(p.queue) {
			p.queue, p.head = p.queue[:0], 0
		}
		p.mu.Unlock()
		protect("thread pool call", fn)
		p.mu.Lock()
	}
}
