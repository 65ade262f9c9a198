package report

import (
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

// wakeupFile is a wakeup run: the floor idle, epoll and poll idle and busy.
func wakeupFile(floor, epollIdle, pollIdle, epollBusy, pollBusy []float64) *results.File {
	idle, busy := map[string]string{"state": "idle"}, map[string]string{"state": "busy"}
	return &results.File{Version: 1, Results: []results.Result{
		res("wakeup", "raw-eventfd", idle, map[string][]float64{results.WakeNs: floor}),
		res("wakeup", "epoll", idle, map[string][]float64{results.WakeNs: epollIdle}),
		res("wakeup", "epoll", busy, map[string][]float64{results.WakeNs: epollBusy}),
		res("wakeup", "poll", idle, map[string][]float64{results.WakeNs: pollIdle}),
		res("wakeup", "poll", busy, map[string][]float64{results.WakeNs: pollBusy}),
	}}
}

// The paragraph sets each idle wake-up against the floor of the same run
// and each busy one against 1 µs, claiming only what intervals separate.
func TestWakeupProse(t *testing.T) {
	f := figByID(t, figures(wakeupFile(spreadAround(30000), spreadAround(33000), spreadAround(45000),
		spreadAround(600), []float64{700, 1500, 900, 1300, 1000, 1100})), "wakeup")
	if len(f.Categories) != 2 || f.Categories[0] != "idle" || f.Categories[1] != "busy" || f.Ref != wakeupFloor {
		t.Fatalf("categories %v, ref %q", f.Categories, f.Ref)
	}
	for _, want := range []string{
		"the raw floor (a goroutine in epoll_wait on an eventfd that the caller writes) wakes in 30 µs (median of 6 runs)",
		"epoll 33 µs, 1.1x the floor, within 1.2x",
		"poll 45 µs, 1.5x the floor, past 1.2x",
		"epoll 600 ns (under 1 µs)",
		"poll 1.05 µs (its interval spans 1 µs)",
	} {
		if !strings.Contains(f.Text, want) {
			t.Errorf("text lacks %q: %q", want, f.Text)
		}
	}
	// Overlapping intervals: no ratio is claimed.
	f = figByID(t, figures(wakeupFile([]float64{30000, 36000, 29000, 35000, 31000, 33000}, []float64{34000, 30000, 37000, 31000, 33000, 32000},
		spreadAround(45000), spreadAround(1500), spreadAround(1500))), "wakeup")
	if !strings.Contains(f.Text, "too close to the floor for its intervals to tell apart") || strings.Contains(f.Text, "epoll 32.5 µs, 1.") {
		t.Errorf("text claims a ratio the intervals do not support: %q", f.Text)
	}
	if !strings.Contains(f.Text, "epoll 1.5 µs (over 1 µs)") {
		t.Errorf("text does not say the busy wake-up is over 1 µs: %q", f.Text)
	}
}

// With too few runs for an interval the paragraph gives the ratio and no
// verdict.
func TestWakeupProseFewRuns(t *testing.T) {
	two := func(v float64) []float64 { return []float64{v, v * 1.01} }
	f := figByID(t, figures(wakeupFile(two(30000), two(60000), two(31000), two(600), two(5000))), "wakeup")
	for _, want := range []string{
		"epoll 60.3 µs, 2x the floor; too few runs for an interval, so no verdict on 1.2x",
		"epoll 603 ns (too few runs for an interval)",
	} {
		if !strings.Contains(f.Text, want) {
			t.Errorf("text lacks %q: %q", want, f.Text)
		}
	}
	if strings.Contains(f.Text, "within 1.2x") || strings.Contains(f.Text, "under 1 µs") {
		t.Errorf("text gives a verdict two runs cannot support: %q", f.Text)
	}
}
