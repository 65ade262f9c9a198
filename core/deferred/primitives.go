package deferred

import (
	"errors"
	"fmt"
	"slices"
)

// Errors of the Deferred concurrency primitives.
var (
	// ErrNotLocked rejects releasing a Lock that is not locked.
	ErrNotLocked = errors.New("release of an unlocked DeferredLock")
	// ErrTooManyReleases rejects releasing a Semaphore past its limit.
	ErrTooManyReleases = errors.New("DeferredSemaphore released more often than acquired")
	// ErrNilFunc rejects Run with a nil function.
	ErrNilFunc = errors.New("Run needs a function")
	// ErrQueueOverflow rejects a Put on a full Queue.
	ErrQueueOverflow = errors.New("DeferredQueue is full")
	// ErrQueueUnderflow rejects a Get when the queue's backlog of waiting
	// Gets is full.
	ErrQueueUnderflow = errors.New("DeferredQueue has too many waiting Gets")
)

// Unlimited is a Queue size or backlog without a limit (so is zero).
const Unlimited = -1

// waiters is a FIFO of Deferreds waiting for a primitive. Firing goes
// through a trampoline: a release made from a callback that a release fired
// queues the next firing instead of nesting it, so any number of quick
// waiters runs in constant stack (Twisted's DeferredLock recurses, #9304).
type waiters struct {
	queue  []*Deferred
	ready  []readyItem
	firing bool
}

type readyItem struct {
	d *Deferred
	v any
}

// wait queues a new Deferred whose Cancel takes it out of the queue.
func (w *waiters) wait() *Deferred {
	d := New(w.remove)
	w.queue = append(w.queue, d)
	return d
}

func (w *waiters) remove(d *Deferred) {
	if i := slices.Index(w.queue, d); i >= 0 {
		w.queue = slices.Delete(w.queue, i, i+1)
	}
}

// next takes the oldest waiter, or nil.
func (w *waiters) next() *Deferred {
	if len(w.queue) == 0 {
		return nil
	}
	d := w.queue[0]
	w.queue[0] = nil
	w.queue = w.queue[1:]
	return d
}

// fire fires d with v, after any firing in progress.
func (w *waiters) fire(d *Deferred, v any) {
	w.ready = append(w.ready, readyItem{d, v})
	if w.firing {
		return
	}
	w.firing = true
	for i := 0; i < len(w.ready); i++ {
		it := w.ready[i]
		w.ready[i] = readyItem{}
		it.d.Callback(it.v)
	}
	w.ready = w.ready[:0]
	w.firing = false
}

// runLocked is Run for the lock and the semaphore: acquire, call f through
// MaybeDeferred, release once its result is in, and pass the result on.
func runLocked(acquire func() *Deferred, release func() error, f func() (any, error)) *Deferred {
	if f == nil {
		return Fail(ErrNilFunc)
	}
	return acquire().AddCallback(func(any) (any, error) {
		return MaybeDeferred(f).AddBoth(func(r any) (any, error) {
			release()
			return r, nil
		}), nil
	})
}

// Lock is a lock for code on the reactor goroutine: Acquire
// returns a Deferred that fires (with the lock) once the lock is yours.
// Like Deferred it is not safe for concurrent use.
type Lock struct {
	locked bool
	w      waiters
}

// Locked reports whether the lock is held.
func (l *Lock) Locked() bool { return l.locked }

// Acquire returns a Deferred that fires with l when l is free: at once if
// it is, else after the earlier waiters (FIFO). Cancelling it while it
// waits takes it out of the queue and fails it with ErrCancelled.
func (l *Lock) Acquire() *Deferred {
	if l.locked {
		return l.w.wait()
	}
	l.locked = true
	return Succeed(l)
}

// Release hands the lock to the next waiter (it stays locked) or frees it.
// It fails with ErrNotLocked when l is not locked.
func (l *Lock) Release() error {
	if !l.locked {
		return ErrNotLocked
	}
	if d := l.w.next(); d != nil {
		l.w.fire(d, l)
		return nil
	}
	l.locked = false
	return nil
}

// Run acquires l, calls f (see MaybeDeferred), releases l once f's result
// is in, success or failure, and returns a Deferred with that result.
func (l *Lock) Run(f func() (any, error)) *Deferred {
	return runLocked(l.Acquire, l.Release, f)
}

// Semaphore lets up to a limit of holders in at once; the others
// wait in FIFO order. Like Deferred it is not safe for concurrent use.
type Semaphore struct {
	tokens, limit int
	w             waiters
}

// NewSemaphore returns a semaphore with n tokens; n must be at least 1.
func NewSemaphore(n int) (*Semaphore, error) {
	if n < 1 {
		return nil, fmt.Errorf("DeferredSemaphore needs at least 1 token, got %d", n)
	}
	return &Semaphore{tokens: n, limit: n}, nil
}

// Tokens is how many more holders may acquire without waiting.
func (s *Semaphore) Tokens() int { return s.tokens }

// Limit is the number of tokens the semaphore was made with.
func (s *Semaphore) Limit() int { return s.limit }

// Acquire returns a Deferred that fires with s once a token is yours: at
// once while tokens remain, else in FIFO order. Cancelling it while it
// waits takes it out of the queue and fails it with ErrCancelled.
func (s *Semaphore) Acquire() *Deferred {
	if s.tokens == 0 {
		return s.w.wait()
	}
	s.tokens--
	return Succeed(s)
}

// Release returns a token, handing it straight to the next waiter if any.
// It fails with ErrTooManyReleases when every token is already back.
func (s *Semaphore) Release() error {
	if s.tokens == s.limit {
		return ErrTooManyReleases
	}
	if d := s.w.next(); d != nil {
		s.w.fire(d, s)
		return nil
	}
	s.tokens++
	return nil
}

// Run acquires a token, calls f (see MaybeDeferred), releases the token
// once f's result is in, and returns a Deferred with that result.
func (s *Semaphore) Run(f func() (any, error)) *Deferred {
	return runLocked(s.Acquire, s.Release, f)
}

// Queue hands values from Put to Gets in FIFO order; a Get with
// nothing buffered waits. The zero Queue is ready to use, without limits,
// as Twisted's DeferredQueue() is. Like Deferred it is not safe for
// concurrent use.
type Queue struct {
	pending       []any
	size, backlog int
	w             waiters
}

// NewQueue returns a queue buffering at most size values and
// holding at most backlog waiting Gets; zero or Unlimited (any negative
// value) means no limit.
func NewQueue(size, backlog int) *Queue {
	return &Queue{size: size, backlog: backlog}
}

// Len is the number of buffered values.
func (q *Queue) Len() int { return len(q.pending) }

// Waiting is the number of Gets waiting for a value.
func (q *Queue) Waiting() int { return len(q.w.queue) }

// Put gives v to the oldest waiting Get, else buffers it. It fails with
// ErrQueueOverflow when no Get waits and size values are buffered, and with
// ErrDeferredResult for a *Deferred (it cannot be a Deferred's result).
func (q *Queue) Put(v any) error {
	if _, ok := v.(*Deferred); ok {
		return ErrDeferredResult
	}
	if d := q.w.next(); d != nil {
		q.w.fire(d, v)
		return nil
	}
	if q.size > 0 && len(q.pending) >= q.size {
		return ErrQueueOverflow
	}
	q.pending = append(q.pending, v)
	return nil
}

// Get returns a Deferred that fires with the next value: at once if one is
// buffered, else when Put gives one. Cancelling a waiting Get takes it out
// of the queue and fails it with ErrCancelled. It fails with
// ErrQueueUnderflow when backlog Gets already wait.
func (q *Queue) Get() (*Deferred, error) {
	if len(q.pending) > 0 {
		v := q.pending[0]
		q.pending[0] = nil
		q.pending = q.pending[1:]
		return Succeed(v), nil
	}
	if q.backlog > 0 && len(q.w.queue) >= q.backlog {
		return nil, ErrQueueUnderflow
	}
	return q.w.wait(), nil
}
