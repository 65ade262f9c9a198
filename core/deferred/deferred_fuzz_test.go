package deferred

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// The property test drives one Deferred with a random program of
// Add*/Callback/Errback/Cancel/Pause/Unpause and checks it step by step
// against refDeferred, a deliberately naive model of the same rules
// (spec A3-A9, A13, A15, A25-A27).

// outcome is a result as the model sees it: a value, or a failure's message.
type outcome struct {
	failed bool
	v      int
	msg    string
}

func (o outcome) String() string {
	if o.failed {
		return "F(" + o.msg + ")"
	}
	return fmt.Sprint(o.v)
}

// handler is one callback or errback of the program; k varies it.
type handler struct {
	kind byte // see apply
	k    int
}

// apply runs h on o: the model's meaning of each handler kind.
func (h handler) apply(o outcome) outcome {
	switch h.kind % 6 {
	case 0: // add
		if o.failed {
			return o
		}
		return outcome{v: o.v + h.k}
	case 1: // fail
		return outcome{failed: true, msg: fmt.Sprint("e", h.k)}
	case 2: // panic
		return outcome{failed: true, msg: fmt.Sprint("panic: p", h.k)}
	case 3: // recover
		return outcome{v: h.k}
	case 4: // pass on (errback re-raises, callback keeps)
		return o
	default: // return a *Failure value
		return outcome{failed: true, msg: fmt.Sprint("r", h.k)}
	}
}

// real turns h into a function for the Deferred under test.
func (h handler) real() func(any) (any, error) {
	return func(v any) (any, error) {
		switch h.kind % 6 {
		case 0:
			if f, ok := v.(*Failure); ok {
				return nil, f
			}
			return v.(int) + h.k, nil
		case 1:
			return nil, fmt.Errorf("e%d", h.k)
		case 2:
			panic(fmt.Sprint("p", h.k))
		case 3:
			return h.k, nil
		case 4:
			if f, ok := v.(*Failure); ok {
				return nil, f
			}
			return v, nil
		default:
			return NewFailure(fmt.Errorf("r%d", h.k)), nil
		}
	}
}

type refPair struct {
	cb, eb *handler
}

type refDeferred struct {
	called, suppress bool
	result           outcome
	paused           int
	queue            []refPair
}

func (m *refDeferred) run() {
	for m.called && m.paused == 0 && len(m.queue) > 0 {
		p := m.queue[0]
		m.queue = m.queue[1:]
		h := p.cb
		if m.result.failed {
			h = p.eb
		}
		if h != nil {
			m.result = h.apply(m.result)
		}
	}
}

func (m *refDeferred) fire(o outcome) error {
	if m.called {
		if m.suppress {
			m.suppress = false
			return nil
		}
		return ErrAlreadyCalled
	}
	m.called, m.result = true, o
	m.run()
	return nil
}

func runProgram(t *testing.T, prog []byte) {
	d := New(nil)
	m := &refDeferred{}
	var log []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("after %v: "+format, append([]any{log}, args...)...)
	}
	check := func(gotErr, wantErr error) {
		t.Helper()
		if !errors.Is(gotErr, wantErr) || (wantErr == nil) != (gotErr == nil) {
			fail("error %v, model %v", gotErr, wantErr)
		}
		if d.Called() != m.called || d.Paused() != (m.paused > 0) {
			fail("called %v paused %v, model %v %d", d.Called(), d.Paused(), m.called, m.paused)
		}
		if !m.called {
			return
		}
		r, _ := d.Result()
		var got outcome
		if f, ok := r.(*Failure); ok {
			got = outcome{failed: true, msg: f.Error()}
		} else {
			got = outcome{v: r.(int)}
		}
		if got != m.result {
			fail("result %v, model %v", got, m.result)
		}
	}
	for i := 0; i+1 < len(prog); i += 2 {
		op, arg := prog[i]%9, int(prog[i+1])
		h := handler{kind: byte(arg), k: arg / 6}
		var err, want error
		switch op {
		case 0:
			d.AddCallback(h.real())
			m.queue = append(m.queue, refPair{cb: &h})
			m.run()
		case 1:
			eb := h.real()
			d.AddErrback(func(f *Failure) (any, error) { return eb(f) })
			m.queue = append(m.queue, refPair{eb: &h})
			m.run()
		case 2:
			d.AddBoth(h.real())
			m.queue = append(m.queue, refPair{cb: &h, eb: &h})
			m.run()
		case 3:
			h2 := handler{kind: byte(arg / 7), k: arg}
			eb := h2.real()
			d.AddCallbacks(h.real(), func(f *Failure) (any, error) { return eb(f) })
			m.queue = append(m.queue, refPair{cb: &h, eb: &h2})
			m.run()
		case 4:
			err, want = d.Callback(arg), m.fire(outcome{v: arg})
		case 5:
			err = d.Errback(fmt.Errorf("x%d", arg))
			want = m.fire(outcome{failed: true, msg: fmt.Sprint("x", arg)})
		case 6:
			d.Cancel()
			if !m.called {
				m.suppress = true
				m.fire(outcome{failed: true, msg: ErrCancelled.Error()})
			}
		case 7:
			d.Pause()
			m.paused++
		case 8:
			err = d.Unpause()
			if m.paused == 0 {
				want = ErrNotPaused
			} else {
				m.paused--
				m.run()
			}
		}
		log = append(log, fmt.Sprintf("op%d(%d)", op, arg))
		check(err, want)
	}
	// Leave nothing to the unhandled-error reporter.
	for d.Paused() {
		_ = d.Unpause()
	}
	d.AddErrback(func(*Failure) (any, error) { return 0, nil })
}

// Spec A3-A9, A13, A15, A25-A27: random programs agree with the model.
func TestDeferredRandomPrograms(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		prog := make([]byte, 2*rng.IntN(120))
		for i := range prog {
			prog[i] = byte(rng.UintN(256))
		}
		runProgram(t, prog)
	}
}

// FuzzDeferred is the same property for `go test -fuzz FuzzDeferred`.
func FuzzDeferred(f *testing.F) {
	f.Add([]byte{0, 1, 7, 0, 4, 5, 1, 9, 8, 0})
	f.Add([]byte{6, 0, 4, 1, 4, 2, 0, 3})
	f.Add([]byte{7, 0, 7, 0, 5, 1, 8, 0, 2, 4, 8, 0, 8, 0})
	f.Fuzz(func(t *testing.T, prog []byte) {
		runProgram(t, prog)
	})
}
