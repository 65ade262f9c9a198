package deferred

import (
	"errors"
	"testing"
)

// Spec A41: Acquire fires at once when free, else queues FIFO; Release
// hands the lock straight to the next waiter; releasing an unlocked lock
// is an error; Run acquires, calls f, releases after f's result (success
// or failure); Run(nil) is an error.
func TestDeferredLock(t *testing.T) {
	var l Lock
	var order []int
	first := l.Acquire()
	if !first.Called() || !l.Locked() || result(t, first) != &l {
		t.Fatal("free lock not acquired at once")
	}
	for i := 1; i <= 2; i++ {
		l.Acquire().AddCallback(func(v any) (any, error) { order = append(order, i); return v, nil })
	}
	if len(order) != 0 {
		t.Fatal("waiter fired while locked")
	}
	l.Release()
	if len(order) != 1 || order[0] != 1 || !l.Locked() {
		t.Fatalf("order %v locked %v", order, l.Locked())
	}
	l.Release()
	l.Release()
	if len(order) != 2 || order[1] != 2 || l.Locked() {
		t.Fatalf("order %v locked %v", order, l.Locked())
	}
	if err := l.Release(); !errors.Is(err, ErrNotLocked) {
		t.Fatalf("release unlocked: %v", err)
	}

	inner := New(nil)
	d := l.Run(func() (any, error) { return inner, nil })
	if r, _ := d.Result(); !l.Locked() || r != inner {
		t.Fatal("Run released before f's result")
	}
	inner.Callback("r")
	if l.Locked() || result(t, d) != "r" {
		t.Fatalf("after f: locked %v result %v", l.Locked(), result(t, d))
	}
	d = l.Run(func() (any, error) { return nil, errBoom })
	if l.Locked() || !errors.Is(failureOf(t, d), errBoom) {
		t.Fatal("failing f did not release or pass its failure")
	}
	handled(d)
	d = l.Run(nil)
	if !errors.Is(failureOf(t, d), ErrNilFunc) {
		t.Fatal("Run(nil)")
	}
	handled(d)
}

// Spec A41 (better than Twisted, #9304): 100,000 waiters of Run with
// synchronous functions run without the stack growing.
func TestDeferredLockManyWaiters(t *testing.T) {
	var l Lock
	l.Acquire()
	const n = 100000
	ran := 0
	depth := 0
	for i := range n {
		l.Run(func() (any, error) {
			ran++
			if i == 0 || i == n-1 {
				if depth == 0 {
					depth = stackDepth()
				} else if d := stackDepth(); d != depth {
					t.Errorf("stack depth %d, first waiter had %d", d, depth)
				}
			}
			return nil, nil
		})
	}
	l.Release()
	if ran != n || l.Locked() {
		t.Fatalf("ran %d locked %v", ran, l.Locked())
	}
}

// Spec A42: cancelling a queued acquire removes it and fails it with
// ErrCancelled; cancelling one that fired has no effect.
func TestDeferredLockCancel(t *testing.T) {
	var l Lock
	held := l.Acquire()
	waiter := l.Acquire()
	waiter.Cancel()
	if !errors.Is(failureOf(t, waiter), ErrCancelled) {
		t.Fatal("cancelled waiter did not fail")
	}
	handled(waiter)
	held.Cancel()
	if result(t, held) != &l {
		t.Fatal("cancel of an acquired lock changed it")
	}
	l.Release()
	if l.Locked() {
		t.Fatal("cancelled waiter got the lock")
	}
}

// Spec A43: n < 1 is refused; the first n acquires fire at once, the rest
// wait; a release past the limit is an error; cancelling a waiting
// acquire (spec A42) removes it.
func TestDeferredSemaphore(t *testing.T) {
	if _, err := NewSemaphore(0); err == nil {
		t.Fatal("semaphore of 0 tokens accepted")
	}
	s, err := NewSemaphore(2)
	if err != nil || s.Limit() != 2 {
		t.Fatal(err)
	}
	a, b, c, e := s.Acquire(), s.Acquire(), s.Acquire(), s.Acquire()
	if !a.Called() || !b.Called() || c.Called() || s.Tokens() != 0 {
		t.Fatal("first two should fire, the third wait")
	}
	c.Cancel()
	handled(c)
	s.Release()
	if !e.Called() || s.Tokens() != 0 {
		t.Fatal("release did not skip the cancelled waiter")
	}
	s.Release()
	s.Release()
	if s.Tokens() != 2 {
		t.Fatalf("tokens %d", s.Tokens())
	}
	if err := s.Release(); !errors.Is(err, ErrTooManyReleases) {
		t.Fatalf("release past limit: %v", err)
	}
	d := s.Run(func() (any, error) { return 7, nil })
	if result(t, d) != 7 || s.Tokens() != 2 {
		t.Fatal("Run")
	}
}

// Spec A44: Put feeds the oldest waiting Get, else buffers; overflow and
// underflow are errors; Get with buffered values fires at once; size 0
// overflows on any Put with no waiter. Spec A42: a cancelled Get leaves the
// queue; one that fired is unaffected.
func TestDeferredQueue(t *testing.T) {
	q := NewQueue(2, 1)
	g1, err := q.Get()
	if err != nil || g1.Called() || q.Waiting() != 1 {
		t.Fatal("Get on an empty queue should wait")
	}
	if _, err := q.Get(); !errors.Is(err, ErrQueueUnderflow) {
		t.Fatalf("Get past backlog: %v", err)
	}
	q.Put("a")
	if result(t, g1) != "a" || q.Len() != 0 {
		t.Fatal("Put did not feed the waiting Get")
	}
	q.Put("b")
	q.Put("c")
	if err := q.Put("d"); !errors.Is(err, ErrQueueOverflow) {
		t.Fatalf("Put past size: %v", err)
	}
	if err := q.Put(New(nil)); !errors.Is(err, ErrDeferredResult) {
		t.Fatalf("Put(*Deferred): %v", err)
	}
	g2, _ := q.Get()
	if result(t, g2) != "b" || q.Len() != 1 {
		t.Fatal("Get with buffered values")
	}
	g2.Cancel()
	if result(t, g2) != "b" {
		t.Fatal("cancel after get changed the result")
	}
	q.Get()
	g3, _ := q.Get()
	g3.Cancel()
	handled(g3)
	if q.Waiting() != 0 {
		t.Fatal("cancelled Get still waits")
	}
	one := NewQueue(1, Unlimited)
	if err := one.Put(1); err != nil {
		t.Fatalf("size 1, first Put: %v", err)
	}
	if err := one.Put(2); !errors.Is(err, ErrQueueOverflow) {
		t.Fatalf("size 1, second Put: %v", err)
	}
	for _, u := range []*Queue{NewQueue(Unlimited, Unlimited), NewQueue(0, 0), new(Queue)} {
		for i := range 1000 {
			if err := u.Put(i); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Twisted's DeferredQueue() has no limits, and so has the zero Queue (and
// NewQueue(0, 0)): Puts buffer, Gets wait, any number of each.
func TestQueueZeroValueIsUnlimited(t *testing.T) {
	for name, q := range map[string]*Queue{"zero": {}, "NewQueue(0, 0)": NewQueue(0, 0)} {
		var gets []*Deferred
		for range 100 {
			d, err := q.Get()
			if err != nil {
				t.Fatalf("%s: Get with nothing buffered: %v", name, err)
			}
			gets = append(gets, d)
		}
		for i := range 200 {
			if err := q.Put(i); err != nil {
				t.Fatalf("%s: Put #%d: %v", name, i, err)
			}
		}
		for i, d := range gets {
			if r, ok := d.Result(); !ok || r != i {
				t.Errorf("%s: Get #%d has %v, %v", name, i, r, ok)
			}
		}
		if q.Len() != 100 || q.Waiting() != 0 {
			t.Errorf("%s: %d buffered, %d waiting; want 100 and 0", name, q.Len(), q.Waiting())
		}
	}
}
