package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/reactors"
)

func TestDispatchLadder(t *testing.T) {
	for _, tc := range []struct {
		limit   uint64
		quick   bool
		want    []int
		clamped bool
	}{
		{limit: 20000, want: []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192}},
		{limit: 20000, quick: true, want: []int{1, 16, 256, 4096}},
		{limit: 200, want: []int{1, 2, 4, 8, 16, 32, 64}, clamped: true},
		{limit: 10, want: []int{1}, clamped: true},
	} {
		got, clamped := dispatchLadder(tc.limit, tc.quick)
		if !slices.Equal(got, tc.want) || clamped != tc.clamped {
			t.Errorf("dispatchLadder(%d, %v) = %v, %v; want %v, %v", tc.limit, tc.quick, got, clamped, tc.want, tc.clamped)
		}
	}
	pts := dispatchPoints([]int{1, 64, 128})
	want := [][2]int{{1, 1}, {64, 1}, {128, 1}, {128, 100}}
	if !slices.Equal(pts, want) {
		t.Errorf("dispatchPoints = %v, want %v (no point with more active pairs than pairs)", pts, want)
	}
}

// allDispatchImpls is every backend through the reactor and every raw
// floor there is.
func allDispatchImpls(t *testing.T) []dispatchImpl {
	names := runnableReactors()
	if len(names) == 0 {
		t.Fatal("no backend registered")
	}
	return dispatchImpls(names)
}

func TestDispatchCountsEveryByte(t *testing.T) {
	impls := allDispatchImpls(t)
	if _, ok := rawFloors["epoll"]; ok && !slices.ContainsFunc(impls, func(i dispatchImpl) bool { return i.name == "raw-epoll" }) {
		t.Errorf("no raw-epoll floor among %v", impls)
	}
	for _, impl := range impls {
		// 600 pairs are 1200 descriptors: past select's FD_SETSIZE.
		for _, pt := range [][2]int{{1, 1}, {3, 1}, {200, 1}, {200, 100}, {600, 100}} {
			n, active := pt[0], pt[1]
			t.Run(fmt.Sprintf("impl=%s/fds=%d/active=%d", impl.name, n, active), func(t *testing.T) {
				const writes = 300
				var sw stopwatch
				s, err := measureDispatch(impl, n, active, writes, &sw)
				if err != nil {
					t.Fatal(err)
				}
				if s.events != writes+active {
					t.Errorf("%d events, want %d (the writes and the primed bytes)", s.events, writes+active)
				}
				// Every event is a read and (but the last active ones) a
				// write; waits come on top, at most one per event.
				if min, most := int64(2*writes+active+1), int64(3*writes+2*active); s.syscalls < min || s.syscalls > most {
					t.Errorf("%d syscalls for %d events, want %d..%d", s.syscalls, s.events, min, most)
				}
				if s.elapsed <= 0 || sw.elapsed != s.elapsed && sw.elapsed <= 0 {
					t.Errorf("elapsed %v, window %v: nothing timed", s.elapsed, sw.elapsed)
				}
			})
		}
	}
}

func TestDispatchBrokenRingFails(t *testing.T) {
	for _, impl := range allDispatchImpls(t) {
		t.Run("impl="+impl.name, func(t *testing.T) {
			r, err := newRing(4)
			if err != nil {
				t.Fatal(err)
			}
			defer r.close()
			// Pair 2's writer shuts down: its reader sees end of file
			// and writes into it fail.
			if err := unix.Shutdown(r.wr[2], unix.SHUT_WR); err != nil {
				t.Fatal(err)
			}
			_, err = impl.run(r, 1, 100, &stopwatch{})
			if err == nil {
				t.Fatal("a ring with a closed pair ran to the end")
			}
		})
	}
}

func TestNewRingFailsCleanly(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 100_000 {
		t.Skipf("descriptor limit %d (%v): too high to exhaust in a test", lim.Cur, err)
	}
	before := countFds(t)
	if _, err := newRing(int(lim.Cur)); err == nil {
		t.Fatal("newRing beyond the descriptor limit succeeded")
	}
	if after := countFds(t); after != before {
		t.Errorf("%d descriptors open after a failed newRing, %d before", after, before)
	}
}

// countFds is the number of descriptors the process has open.
func countFds(t *testing.T) int {
	t.Helper()
	var n int
	for fd := 0; fd < 65536; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			n++
		}
	}
	return n
}

func TestDispatchWorkload(t *testing.T) {
	backend := reactors.Names()[0]
	var notes, steps []string
	o := &Options{
		Reactors: []string{backend}, Quick: true, Repeats: 2,
		Progress: func(s string) { steps = append(steps, s) },
		Note:     func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) },
	}
	var got []results.Result
	if err := runDispatchWorkload(context.Background(), o, func(r results.Result) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != dispatchPointCount(o) || len(steps) != len(got) {
		t.Errorf("%d results, %d progress steps; Points said %d", len(got), len(steps), dispatchPointCount(o))
	}
	ladder, clamped := dispatchLadder(noFileLimit(), true)
	if clamped != (len(notes) > 0) {
		t.Errorf("clamped=%v but notes %q", clamped, notes)
	}
	impls := map[string]bool{}
	for _, r := range got {
		impls[r.Impl] = true
		if r.Workload != "dispatch" || !strings.HasPrefix(r.Name, "Dispatch/impl="+r.Impl+"/fds="+r.Params["fds"]) {
			t.Errorf("result %q: workload %q, params %v", r.Name, r.Workload, r.Params)
		}
		if len(r.Samples) != o.Repeats {
			t.Errorf("%s: %d samples, want %d", r.Name, len(r.Samples), o.Repeats)
		}
		for _, s := range r.Samples {
			for _, unit := range []string{results.NsPerEvent, results.SetupNs, results.SyscallsPerEvent, results.AllocsPerOp} {
				if v, ok := s.Metrics[unit]; !ok || v < 0 || unit != results.AllocsPerOp && v == 0 {
					t.Errorf("%s: %s = %v, %v", r.Name, unit, v, ok)
				}
			}
		}
	}
	if !impls[backend] || rawFloors[backend] != nil && !impls["raw-"+backend] {
		t.Errorf("implementations %v, want %s and its raw floor", impls, backend)
	}
	if last := got[len(got)-1].Params["fds"]; last != fmt.Sprint(ladder[len(ladder)-1]) {
		t.Errorf("last point at fds=%s, want the ladder's top %d", last, ladder[len(ladder)-1])
	}
}

func TestDispatchWorkloadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := &Options{Reactors: runnableReactors(), Quick: true, Repeats: 1}
	if err := runDispatchWorkload(ctx, o, func(results.Result) {}); err != context.Canceled {
		t.Errorf("cancelled run returned %v, want context.Canceled", err)
	}
}
