package core

import "time"

// Clock is a Scheduler whose time moves only when told (Twisted's
// task.Clock), for deterministic tests of code that schedules calls.
type Clock struct {
	timers timerQueue // its now is the clock's time, in nanoseconds since start
}

// NewClock returns a Clock whose Now is start until advanced.
func NewClock(start time.Time) *Clock {
	return &Clock{timers: timerQueue{epoch: start}}
}

// Now is the clock's current time.
func (c *Clock) Now() time.Time { return c.timers.epoch.Add(time.Duration(c.timers.now)) }

// CallLater schedules fn at Now()+delay (a negative delay counts as zero).
func (c *Clock) CallLater(delay time.Duration, fn func()) *DelayedCall {
	return c.timers.schedule(delay, fn)
}

// GetDelayedCalls lists every pending call, in no particular order.
func (c *Clock) GetDelayedCalls() []*DelayedCall { return c.timers.list() }

// Advance moves time forward by d (not backwards: a negative d counts as
// zero) and runs every call now due, earliest first and, among equal times,
// in the order scheduled, including calls those calls schedule for a time
// already reached. A panicking call propagates to the caller.
func (c *Clock) Advance(d time.Duration) {
	now := addSat(c.timers.now, max(d, 0))
	c.timers.now = now
	c.timers.advance(now)
	for {
		fn, ok := c.timers.popDue(now, ^uint64(0))
		if !ok {
			return
		}
		fn()
	}
}

// Pump advances the clock by each duration in turn.
func (c *Clock) Pump(steps []time.Duration) {
	for _, d := range steps {
		c.Advance(d)
	}
}
