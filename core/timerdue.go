package core

// Where a pending call sits, in DelayedCall.slot: the due queue's heap or
// lane, or (1 + slot) of the wheel.
const (
	inHeap uint16 = 0
	inLane uint16 = 1<<16 - 1
)

// laneCompact is how many consumed entries the lane may hold before
// popFront moves the live ones down, when they are no more than half.
const laneCompact = 1024

// dueQueue holds the calls due by the end of the wheel's current tick, in
// (time, sequence) order. Most arrive in that order (delay 0 from the same
// pass time, or one later than the last): those go to the lane, a FIFO
// that pushes and pops in constant time. The others go to the heap. A call
// cancelled inside the lane leaves a hole (an entry with no call) that
// front skips; holes are never reported as due and never set a wait.
type dueQueue struct {
	heap timerHeap
	lane []timerEntry // lane[head:] are pending or holes, in order
	head int
	live int // pending calls in the lane
}

func (d *dueQueue) len() int { return len(d.heap) + d.live }

func (d *dueQueue) push(e timerEntry) {
	if n := len(d.lane); n == d.head || d.lane[n-1].less(&e) {
		e.dc.slot, e.dc.index = inLane, int32(n)
		d.lane = append(d.lane, e)
		d.live++
		return
	}
	e.dc.slot = inHeap
	d.heap.push(e)
}

func (d *dueQueue) remove(dc *DelayedCall) {
	if dc.slot == inHeap {
		d.heap.remove(int(dc.index))
		return
	}
	i := int(dc.index)
	d.live--
	if i == len(d.lane)-1 {
		d.lane[i].dc = nil
		d.lane = d.lane[:i]
		d.trim()
		return
	}
	d.lane[i].dc = nil
}

// front returns the earliest pending call, or nil. It drops the holes at
// the lane's head.
func (d *dueQueue) front() *timerEntry {
	for d.head < len(d.lane) && d.lane[d.head].dc == nil {
		d.head++
	}
	d.trim()
	var lane *timerEntry
	if d.head < len(d.lane) {
		lane = &d.lane[d.head]
	}
	if len(d.heap) > 0 && (lane == nil || d.heap[0].less(lane)) {
		return &d.heap[0]
	}
	return lane
}

// popFront removes e, which front returned.
func (d *dueQueue) popFront(e *timerEntry) {
	if len(d.heap) > 0 && e == &d.heap[0] {
		d.heap.remove(0)
		return
	}
	d.lane[d.head].dc = nil
	d.head++
	d.live--
	d.trim()
}

// trim empties the lane once it holds no call, and moves its live entries
// to the front once the consumed part is large and at least half of it.
func (d *dueQueue) trim() {
	switch {
	case d.live == 0:
		clear(d.lane[d.head:])
		d.lane, d.head = d.lane[:0], 0
	case d.head >= laneCompact && 2*d.head >= len(d.lane):
		n := copy(d.lane, d.lane[d.head:])
		clear(d.lane[n:])
		d.lane, d.head = d.lane[:n], 0
		for i := range d.lane {
			if dc := d.lane[i].dc; dc != nil {
				dc.index = int32(i)
			}
		}
	}
}

// appendTo appends the pending calls to out.
func (d *dueQueue) appendTo(out []*DelayedCall) []*DelayedCall {
	for i := range d.heap {
		out = append(out, d.heap[i].dc)
	}
	for _, e := range d.lane[d.head:] {
		if e.dc != nil {
			out = append(out, e.dc)
		}
	}
	return out
}

// heapArity is the heap's fan-out: 4 keeps it shallow while one node's
// children share a cache line or two.
const heapArity = 4

// timerHeap is a heapArity-ary min-heap that keeps each DelayedCall's
// index up to date.
type timerHeap []timerEntry

func (h *timerHeap) push(e timerEntry) {
	*h = append(*h, e)
	h.up(len(*h) - 1)
}

func (h *timerHeap) remove(i int) {
	s := *h
	last := len(s) - 1
	if i != last {
		s[i] = s[last]
		s[i].dc.index = int32(i)
	}
	s[last].dc = nil
	*h = s[:last]
	if i < last && !h.down(i) {
		h.up(i)
	}
}

func (h timerHeap) up(i int) {
	e := h[i]
	for i > 0 {
		p := (i - 1) / heapArity
		if !e.less(&h[p]) {
			break
		}
		h[i] = h[p]
		h[i].dc.index = int32(i)
		i = p
	}
	h[i] = e
	e.dc.index = int32(i)
}

// down sifts entry i towards the leaves and reports whether it moved.
func (h timerHeap) down(i int) bool {
	e := h[i]
	start, n := i, len(h)
	for {
		c := heapArity*i + 1
		if c >= n || c < 0 {
			break
		}
		best := c
		for j := c + 1; j < c+heapArity && j < n; j++ {
			if h[j].less(&h[best]) {
				best = j
			}
		}
		if !h[best].less(&e) {
			break
		}
		h[i] = h[best]
		h[i].dc.index = int32(i)
		i = best
	}
	h[i] = e
	e.dc.index = int32(i)
	return i > start
}
