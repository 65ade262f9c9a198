package goroutine

import (
	"sync"
	"testing"
)

// Live goroutines get distinct, stable, non-zero values.
func TestCurrentDistinctAndStable(t *testing.T) {
	const n = 64
	ids := make([]uintptr, n)
	var ready, hold sync.WaitGroup
	ready.Add(n)
	hold.Add(1)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = Current()
			ready.Done()
			hold.Wait() // all alive at once
			if Current() != ids[i] {
				t.Errorf("goroutine %d: value changed", i)
			}
		}()
	}
	ready.Wait()
	hold.Done()
	wg.Wait()
	seen := map[uintptr]bool{Current(): true}
	for i, id := range ids {
		if id == 0 || seen[id] {
			t.Errorf("goroutine %d: value %#x is zero or shared", i, id)
		}
		seen[id] = true
	}
}

func BenchmarkCurrent(b *testing.B) {
	for b.Loop() {
		_ = Current()
	}
}
