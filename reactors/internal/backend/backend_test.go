//go:build unix

package backend

import (
	"errors"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
)

func TestRoundAndMillis(t *testing.T) {
	for _, tc := range []struct {
		in     time.Duration
		round  time.Duration
		millis int
	}{
		{-time.Second, -time.Second, -1},
		{0, 0, 0},
		{time.Nanosecond, time.Millisecond, 1},
		{999 * time.Microsecond, time.Millisecond, 1},
		{time.Millisecond, time.Millisecond, 1},
		{1500 * time.Microsecond, 1500 * time.Microsecond, 2},
		{time.Second, time.Second, 1000},
		{1 << 62, MaxWait, int(MaxWait / time.Millisecond)},
	} {
		if got := Round(tc.in); got != tc.round {
			t.Errorf("Round(%v) = %v, want %v", tc.in, got, tc.round)
		}
		if got := Millis(tc.in); got != tc.millis {
			t.Errorf("Millis(%v) = %d, want %d", tc.in, got, tc.millis)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		fd int
		ev reactors.Events
		ok bool
	}{
		{0, 0, true},
		{3, reactors.Readable | reactors.Writable, true},
		{-1, reactors.Readable, false},
		{-1, 0, false},
		{3, reactors.Hangup, false},
		{3, reactors.Readable | reactors.Error, false},
	} {
		if err := Check(tc.fd, tc.ev); (err == nil) != tc.ok {
			t.Errorf("Check(%d, %v) = %v, want ok=%v", tc.fd, tc.ev, err, tc.ok)
		}
	}
}

func TestGrow(t *testing.T) {
	var s []int
	s = Grow(s, 5)
	if len(s) != 6 {
		t.Fatalf("Grow(nil, 5): len %d", len(s))
	}
	s[5] = 7
	s = Grow(s, 100)
	if len(s) != 101 || s[5] != 7 || s[100] != 0 {
		t.Fatalf("Grow(s, 100) lost contents or length: len %d", len(s))
	}
	if t2 := Grow(s, 50); len(t2) != 101 {
		t.Fatalf("Grow shrank the slice to %d", len(t2))
	}
}

func TestWakerCoalescesAndCloses(t *testing.T) {
	var w Waker
	signals := 0
	signal := func() error { signals++; return nil }
	for range 10 {
		if err := w.Wake(signal); err != nil {
			t.Fatal(err)
		}
	}
	if signals != 1 {
		t.Fatalf("10 Wakes signalled %d times, want 1", signals)
	}
	w.Done()
	w.Wake(signal)
	if signals != 2 {
		t.Fatalf("Wake after Done signalled %d times in all, want 2", signals)
	}
	w.Done()
	failing := func() error { return errors.New("broken") }
	if err := w.Wake(failing); err == nil {
		t.Fatal("a failed signal was not reported")
	}
	if w.Wake(signal); signals != 3 {
		t.Fatal("a failed signal left the wake-up marked pending")
	}
	released := 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := w.Close(func() error { released++; return nil }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if released != 1 || !w.Closed() {
		t.Fatalf("Close released %d times, Closed() = %v", released, w.Closed())
	}
	w.Done()
	if err := w.Wake(signal); !errors.Is(err, reactors.ErrClosed) {
		t.Fatalf("Wake after Close = %v, want ErrClosed", err)
	}
}

func TestPipeSignalDrain(t *testing.T) {
	r, w, err := Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(r)
	defer unix.Close(w)
	for range 100 {
		if err := Signal(w); err != nil {
			t.Fatal(err)
		}
	}
	Drain(r)
	var buf [1]byte
	if n, err := unix.Read(r, buf[:]); err != unix.EAGAIN {
		t.Fatalf("after Drain, read = %d, %v; want EAGAIN", n, err)
	}
}
