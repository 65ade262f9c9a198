package core

import "time"

// The loop's pass time: the clock reading that CallLater, Reset and Now
// count from inside a pass, so that scheduling costs no clock read (as
// libuv's uv_now). The reading is refreshed at the points CallLater's doc
// lists; outside a pass the clock is read each time.

// beginPassTime starts caching the clock's reading for this pass.
func (l *Loop) beginPassTime() {
	l.timers.cached = true
	l.refreshTime()
}

// endPass marks the pass over; the clock is read afresh again.
func (l *Loop) endPass() {
	l.inPass = false
	l.timers.cached = false
}

// refreshTime reads the clock into the pass time.
func (l *Loop) refreshTime() { l.timers.now = l.nanotime() }

// until is the wait from now to at: never negative, capped to what one
// Wait accepts.
func (l *Loop) until(at int64) time.Duration {
	return min(max(time.Duration(at-l.timers.current()), 0), maxWait)
}

// wakeTimeout is how long the pass may wait before its timed calls need
// it: until the earliest call of the heap or the next cascade of the
// wheel, whichever comes first; false when no call is pending.
func (l *Loop) wakeTimeout() (time.Duration, bool) {
	at, ok := l.timers.wakeAt()
	if !ok {
		return 0, false
	}
	return l.until(at), true
}

// runTimers runs every call due at the pass time, earliest first, and
// reports whether any ran; calls scheduled meanwhile wait for the next
// pass.
func (l *Loop) runTimers() bool {
	now, limit := l.timers.now, l.timers.seq
	l.timers.advance(now)
	ran := false
	for {
		fn, ok := l.timers.popDue(now, limit)
		if !ok {
			return ran
		}
		ran = true
		protect("timed call", fn)
	}
}

// beginSleep marks the loop as about to wait and reports whether calls
// from other goroutines are already queued, in which case the Wait must
// not block: their callers saw no sleeping loop and sent no wake-up.
func (l *Loop) beginSleep() bool {
	l.sleeping.Store(true)
	return l.queued.Load()
}
