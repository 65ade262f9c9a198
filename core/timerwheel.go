package core

import "math/bits"

// The wheel's geometry. A tick is 2^20 ns (about 1 ms); level l has 64
// slots of 64^l ticks each, so eight levels span every int64 time.
const (
	wheelTickShift = 20
	wheelBits      = 6
	wheelSlots     = 1 << wheelBits
	wheelLevels    = 8
	// wheelSlotKeep is the most entries an emptied slot keeps room for: a
	// burst of timeouts does not pin its memory for ever.
	wheelSlotKeep = 1024
)

// timerWheel is a hierarchical timing wheel of the calls due after tick
// cur. A call due at tick t > cur sits at the level of the highest 6-bit
// group in which t and cur differ, in the slot of t's group at that level,
// so every call of a lower level is due before any call of a higher one,
// and within a level the slots are in time order. Adding and removing a
// call is an append and a swap; each call cascades at most once per level
// on its way to the heap.
type timerWheel struct {
	cur      int64               // the last tick moved to the heap
	n        int                 // calls in the wheel
	occupied [wheelLevels]uint64 // bit s of level l: slot s is not empty
	slots    [wheelLevels * wheelSlots][]timerEntry
}

// add files e, due at tick t > cur.
func (w *timerWheel) add(e timerEntry, t int64) {
	level := (bits.Len64(uint64(t^w.cur)) - 1) / wheelBits
	s := int(t>>(level*wheelBits)) & (wheelSlots - 1)
	slot := level*wheelSlots + s
	e.dc.index = int32(len(w.slots[slot]))
	e.dc.slot = uint16(slot + 1)
	w.slots[slot] = append(w.slots[slot], e)
	w.occupied[level] |= 1 << s
	w.n++
}

// remove takes dc out of its slot.
func (w *timerWheel) remove(dc *DelayedCall) {
	slot := int(dc.slot) - 1
	s := w.slots[slot]
	i, last := int(dc.index), len(s)-1
	if i != last {
		s[i] = s[last]
		s[i].dc.index = int32(i)
	}
	s[last].dc = nil
	w.slots[slot] = s[:last]
	if last == 0 {
		w.occupied[slot/wheelSlots] &^= 1 << (slot % wheelSlots)
	}
	w.n--
}

// next finds the earliest occupied slot and its first tick: the lowest
// occupied slot of the lowest occupied level. Every occupied slot of a
// level lies after cur's own slot there, so there is nothing to skip.
func (w *timerWheel) next() (start int64, slot int, ok bool) {
	for level, occ := range w.occupied {
		if occ == 0 {
			continue
		}
		s := bits.TrailingZeros64(occ)
		shift := uint(level * wheelBits)
		block := w.cur >> (shift + wheelBits) << (shift + wheelBits)
		return block | int64(s)<<shift, level*wheelSlots + s, true
	}
	return 0, 0, false
}

// take empties slot and returns what it held, valid until the slot is
// next added to.
func (w *timerWheel) take(slot int) []timerEntry {
	s := w.slots[slot]
	w.slots[slot] = s[:0]
	if cap(s) > wheelSlotKeep {
		w.slots[slot] = nil
	}
	w.occupied[slot/wheelSlots] &^= 1 << (slot % wheelSlots)
	w.n -= len(s)
	return s
}

// earliest is the first call of the earliest occupied slot, which holds
// the wheel's earliest calls; it reads the whole slot.
func (w *timerWheel) earliest() (timerEntry, bool) {
	_, slot, ok := w.next()
	if !ok {
		return timerEntry{}, false
	}
	s := w.slots[slot]
	best := 0
	for i := 1; i < len(s); i++ {
		if s[i].less(&s[best]) {
			best = i
		}
	}
	return s[best], true
}
