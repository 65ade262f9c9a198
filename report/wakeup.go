package report

import (
	"fmt"
	"strings"

	"github.com/reactorbench/reactorbench/bench/results"
)

// wakeupFloor is the wakeup workload's raw floor.
const wakeupFloor = "raw-eventfd"

// wakeupTargets are the bars: idle within this factor of the
// floor, busy under this many nanoseconds.
const (
	wakeupIdleBar = 1.2
	wakeupBusyBar = 1000
)

// wakeupFigure draws each implementation's median wake-up, idle and busy,
// beside the raw eventfd floor.
func wakeupFigure(ix index) *Figure {
	return barFigure(ix, barSpec{id: "wakeup", title: "Wake-up latency of one CallFromThread, the loop idle and busy", short: "Wake-up latency",
		workloads: []string{"wakeup"}, metric: results.WakeNs, category: paramCategory("state", ""), logY: true, ref: wakeupFloor})
}

// statePoint is impl's bar in the category named state.
func (f *Figure) statePoint(impl, state string) (Point, bool) {
	s := f.series(impl)
	for i, c := range f.Categories {
		if c == state && s != nil {
			return s.at(float64(i))
		}
	}
	return Point{}, false
}

// explainWakeup sets each backend's idle wake-up against the floor
// measured in the same run, and its busy one against 1 µs, saying only
// what the intervals support.
func explainWakeup(f *Figure) string {
	var parts []string
	floor, hasFloor := f.statePoint(wakeupFloor, "idle")
	if hasFloor {
		parts = append(parts, fmt.Sprintf("Idle, the raw floor (a goroutine in epoll_wait on an eventfd that the caller writes) wakes in %s (median of %d runs).",
			f.YUnit.format(floor.Y.Median), floor.Y.N))
	}
	var idle, busy []string
	for _, s := range f.Series {
		if s.Impl == wakeupFloor {
			continue
		}
		if p, ok := f.statePoint(s.Impl, "idle"); ok {
			idle = append(idle, idleVerdict(f, s.Impl, p, floor, hasFloor))
		}
		if p, ok := f.statePoint(s.Impl, "busy"); ok {
			busy = append(busy, fmt.Sprintf("%s %s (%s)", displayName(s.Impl), f.YUnit.format(p.Y.Median), busyVerdict(p)))
		}
	}
	if len(idle) > 0 {
		parts = append(parts, "Idle: "+strings.Join(idle, "; ")+".")
	}
	if len(busy) > 0 {
		parts = append(parts, "Busy, serving one always-ready descriptor: "+strings.Join(busy, "; ")+".")
	}
	parts = append(parts, "Idle, the time is the kernel's: the eventfd write and the return from the wait of a sleeping thread, which on a virtual machine includes waking a halted virtual CPU. Busy, nothing sleeps: a call that finds the loop not waiting skips the wake-up write, and waits for the pass in progress to end. The caller spins on an atomic for the callback's signal, so its own wake-up is not counted; the p99 column of results.txt holds the tail.")
	return strings.Join(parts, " ")
}

// idleVerdict words impl's idle wake-up p against the floor: its ratio
// when the intervals separate them, and whether it is within the bar.
func idleVerdict(f *Figure, impl string, p, floor Point, hasFloor bool) string {
	v := fmt.Sprintf("%s %s", displayName(impl), f.YUnit.format(p.Y.Median))
	if !hasFloor || floor.Y.Median <= 0 {
		return v
	}
	ratio := p.Y.Median / floor.Y.Median
	switch {
	case p.Y.Range || floor.Y.Range:
		return v + fmt.Sprintf(", %s the floor; too few runs for an interval, so no verdict on %sx", fmtRatio(ratio), fmtSig(wakeupIdleBar))
	case !separated(p.Y, floor.Y):
		return v + ", too close to the floor for its intervals to tell apart"
	case p.Y.Hi <= wakeupIdleBar*floor.Y.Lo:
		return v + fmt.Sprintf(", %s the floor, within %sx", fmtRatio(ratio), fmtSig(wakeupIdleBar))
	case p.Y.Lo > wakeupIdleBar*floor.Y.Hi:
		return v + fmt.Sprintf(", %s the floor, past %sx", fmtRatio(ratio), fmtSig(wakeupIdleBar))
	}
	return v + fmt.Sprintf(", %s the floor, its interval astride %sx", fmtRatio(ratio), fmtSig(wakeupIdleBar))
}

// busyVerdict says whether p's interval lies under 1 µs, over it, or
// across it.
func busyVerdict(p Point) string {
	switch {
	case p.Y.Range:
		return "too few runs for an interval"
	case p.Y.Hi < wakeupBusyBar:
		return "under 1 µs"
	case p.Y.Lo > wakeupBusyBar:
		return "over 1 µs"
	}
	return "its interval spans 1 µs"
}
