package core

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
	"github.com/reactorbench/reactorbench/core/internal/goroutine"
)

// misusePanic runs fn on a new goroutine and returns what it panicked
// with, or nil.
func misusePanic(fn func()) (p any) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { p = recover() }()
		fn()
	}()
	<-done
	return p
}

// Every method family of the loop, its timers and its transports panics
// when called from another goroutine while the loop runs, naming the
// method and CallFromThread; the same calls on the loop goroutine work.
func TestLoopMisuseFromOtherGoroutinePanics(t *testing.T) {
	if !goroutine.Cheap && !goroutine.Race {
		deferred.SetDebugging(true)
		defer deferred.SetDebugging(false)
	}
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var server Transport
		made := make(chan struct{})
		port, addr := listen(t, l, one(func() Protocol {
			return &testProto{made: func(tr Transport) { server = tr; close(made) }}
		}))
		dc := l.CallLater(time.Hour, func() {})
		d := &fdDesc{fd: 0}
		calls := []struct {
			method string
			call   func()
		}{
			{"Loop.CallLater", func() { l.CallLater(0, func() {}) }},
			{"Loop.GetDelayedCalls", func() { l.GetDelayedCalls() }},
			{"DelayedCall.Cancel", func() { _ = dc.Cancel() }},
			{"DelayedCall.Reset", func() { _ = dc.Reset(time.Hour) }},
			{"Loop.AddReader", func() { _ = l.AddReader(d) }},
			{"Loop.RemoveReader", func() { l.RemoveReader(d) }},
			{"Loop.RemoveAll", func() { l.RemoveAll() }},
			{"Loop.Stop", func() { _ = l.Stop() }},
			{"Loop.Crash", func() { l.Crash() }},
			{"Loop.AddSystemEventTrigger", func() {
				_, _ = l.AddSystemEventTrigger(Before, Shutdown, func() *deferred.Deferred { return nil })
			}},
			{"Loop.Iterate", func() { _ = l.Iterate(0) }},
			{"Loop.Close", func() { _ = l.Close() }},
			{"Loop.ListenTCP", func() { _, _ = l.ListenTCP("127.0.0.1:0", EchoFactory) }},
			{"Loop.ConnectTCP", func() { _, _ = l.ConnectTCP(addr, nil, 0) }},
			{"Port.StopListening", func() { port.StopListening() }},
			{"Transport.Write", func() { server.Write([]byte("x")) }},
			{"Transport.WriteSequence", func() { server.WriteSequence([][]byte{[]byte("x")}) }},
			{"Transport.LoseConnection", func() { server.LoseConnection() }},
			{"Transport.PauseProducing", func() { server.PauseProducing() }},
		}
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			<-made
			for _, m := range calls {
				p := misusePanic(m.call)
				err, _ := p.(error)
				if !errors.Is(err, ErrWrongGoroutine) || !strings.Contains(fmt.Sprint(p), m.method) ||
					!strings.Contains(fmt.Sprint(p), "CallFromThread") {
					t.Errorf("%s from another goroutine: panic %v; want one naming it and CallFromThread", m.method, p)
				}
			}
		})
		// Once the loop no longer runs, its holder may use it from any goroutine.
		if p := misusePanic(func() { _ = dc.Cancel() }); p != nil {
			t.Errorf("Cancel after Run returned panicked: %v", p)
		}
	})
}

// CallLater from several goroutines while the loop runs panics at once
// instead of corrupting the timer heap.
func TestCallLaterFromGoroutinesPanics(t *testing.T) {
	if !goroutine.Cheap && !goroutine.Race {
		deferred.SetDebugging(true)
		defer deferred.SetDebugging(false)
	}
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var mu sync.Mutex
		panics := 0
		running := make(chan struct{})
		l.CallWhenRunning(func() { close(running) })
		serveWhile(t, l, func() {
			<-running // the check guards a running loop
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 100 {
						if misusePanic(func() { l.CallLater(time.Millisecond, func() {}) }) != nil {
							mu.Lock()
							panics++
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
		})
		if panics != 400 {
			t.Errorf("%d of 400 CallLater calls from other goroutines panicked", panics)
		}
	})
}
