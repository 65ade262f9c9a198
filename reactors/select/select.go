//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package selectreactor

import (
	"fmt"
	"math/bits"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
	"github.com/reactorbench/reactorbench/reactors/internal/backend"
)

func init() {
	reactors.Register(reactors.Info{
		Name: "select",
		Doc:  "select(2) over descriptor bitmaps, self-pipe wake-up; cost per wait grows with the highest descriptor",
		New:  New,
	})
}

const (
	// setBits is how many descriptors one unix.FdSet holds: FD_SETSIZE.
	setBits = int(unsafe.Sizeof(unix.FdSet{}) * 8)
	// wordBits and wordMask describe one element of FdSet.Bits, whose
	// integer type differs between systems.
	wordBits = int(unsafe.Sizeof(unix.FdSet{}.Bits[0]) * 8)
	wordMask = ^uint64(0) >> (64 - wordBits)
	// setWords is how many elements FdSet.Bits has.
	setWords = setBits / wordBits
	// growable: Linux takes bitmaps of any size, so a slice of FdSets,
	// contiguous in memory, is one bitmap as long as the process limit.
	growable = runtime.GOOS == "linux"
)

// FDRangeError is returned by Set for a descriptor select cannot watch: at
// or above FD_SETSIZE, or on Linux above the process's open-file limit.
type FDRangeError struct {
	Fd    int // the descriptor refused
	Limit int // descriptors must be below this
}

// Error says which descriptor was refused and what the bound is.
func (e *FDRangeError) Error() string {
	return fmt.Sprintf("select: descriptor %d out of range: select watches descriptors below %d", e.Fd, e.Limit)
}

type poller struct {
	rset, wset []unix.FdSet // interest
	rout, wout []unix.FdSet // copies handed to the kernel, which overwrites them
	maxfd      int          // highest watched descriptor, self-pipe included
	limit      int
	waker      backend.Waker
	wakeR      int // self-pipe read end, always in rset and never reported
	wakeW      int
	tv         unix.Timeval
	signal     func() error
	// next is the descriptor the scan of the result starts at: past the
	// last one reported when more were ready than dst held, so that
	// higher descriptors are not starved by lower ones that stay ready.
	next int
}

// New opens a select poller.
func New() (reactors.Poller, error) {
	r, w, err := backend.Pipe()
	if err != nil {
		return nil, fmt.Errorf("select: self-pipe: %w", err)
	}
	p := &poller{wakeR: r, wakeW: w, limit: fileLimit()}
	if r >= p.limit {
		unix.Close(r)
		unix.Close(w)
		return nil, &FDRangeError{Fd: r, Limit: p.limit}
	}
	p.grow(r)
	p.rset[r/setBits].Set(r % setBits)
	p.maxfd = r
	p.signal = func() error { return backend.Signal(p.wakeW) }
	return p, nil
}

// fileLimit is the bound on descriptors select can watch here.
func fileLimit() int {
	if !growable {
		return setBits
	}
	return backend.FileLimit()
}

// grow makes the bitmaps cover fd.
func (p *poller) grow(fd int) {
	n := fd/setBits + 1
	if n <= len(p.rset) {
		return
	}
	more := make([]unix.FdSet, n-len(p.rset))
	p.rset = append(p.rset, more...)
	p.wset = append(p.wset, more...)
	p.rout = append(p.rout, more...)
	p.wout = append(p.wout, more...)
}

func (p *poller) watched(fd int) bool {
	return p.rset[fd/setBits].IsSet(fd%setBits) || p.wset[fd/setBits].IsSet(fd%setBits)
}

func (p *poller) Set(fd int, ev reactors.Events) error {
	if p.waker.Closed() {
		return reactors.ErrClosed
	}
	if err := backend.Check(fd, ev); err != nil {
		return err
	}
	if fd == p.wakeR || fd == p.wakeW {
		return fmt.Errorf("select: descriptor %d is the poller's own self-pipe", fd)
	}
	if fd >= p.limit {
		if ev == 0 {
			return nil // never watched
		}
		if p.limit = fileLimit(); fd >= p.limit { // the limit may have been raised
			return &FDRangeError{Fd: fd, Limit: p.limit}
		}
	}
	if ev == 0 && fd/setBits >= len(p.rset) {
		return nil
	}
	p.grow(fd)
	set, i := fd/setBits, fd%setBits
	p.rset[set].Clear(i)
	p.wset[set].Clear(i)
	if ev&reactors.Readable != 0 {
		p.rset[set].Set(i)
	}
	if ev&reactors.Writable != 0 {
		p.wset[set].Set(i)
	}
	if ev != 0 {
		p.maxfd = max(p.maxfd, fd)
	}
	for !p.watched(p.maxfd) { // stops at the self-pipe at the latest
		p.maxfd--
	}
	return nil
}

func (p *poller) Wait(dst []reactors.Event, timeout time.Duration) (int, error) {
	if p.waker.Closed() {
		return 0, reactors.ErrClosed
	}
	if len(dst) == 0 {
		return 0, fmt.Errorf("select: Wait needs room for at least one event")
	}
	sets := p.maxfd/setBits + 1
	copy(p.rout[:sets], p.rset[:sets])
	copy(p.wout[:sets], p.wset[:sets])
	var tv *unix.Timeval
	if timeout >= 0 {
		// Fresh each call: Linux writes the time left back into it.
		p.tv = unix.NsecToTimeval(backend.Round(timeout).Nanoseconds())
		tv = &p.tv
	}
	// On Linux the kernel reads maxfd+1 bits starting at rout[0], running
	// on into rout[1:]: one bitmap longer than FD_SETSIZE.
	n, err := unix.Select(p.maxfd+1, &p.rout[0], &p.wout[0], nil, tv)
	if err == unix.EINTR {
		return 0, nil
	}
	if err == unix.EBADF {
		return p.preen(dst), nil
	}
	if err != nil {
		return 0, fmt.Errorf("select: %w", err)
	}
	// The self-pipe first, so that a wake-up is drained even when dst
	// fills before the scan would reach it.
	if r := &p.rout[p.wakeR/setBits]; n > 0 && r.IsSet(p.wakeR%setBits) {
		r.Clear(p.wakeR % setBits)
		n--
		backend.Drain(p.wakeR)
		p.waker.Done()
	}
	if p.next > p.maxfd {
		p.next = 0
	}
	// Scan word by word from the word holding next, wrapping around, and
	// finish with the bits of that word below next.
	words := sets * setWords
	first, low := p.next/wordBits, p.next%wordBits
	k := 0
	for step := 0; step <= words && n > 0; step++ {
		g := first + step
		mask := wordMask &^ (1<<low - 1)
		switch {
		case step == words:
			g, mask = first, 1<<low-1
		case g >= words:
			g -= words
			mask = wordMask
		case step > 0:
			mask = wordMask
		}
		set, w := g/setWords, g%setWords
		r := uint64(p.rout[set].Bits[w]) & mask
		wr := uint64(p.wout[set].Bits[w]) & mask
		n -= bits.OnesCount64(r) + bits.OnesCount64(wr)
		for u := r | wr; u != 0; u &= u - 1 {
			tz := bits.TrailingZeros64(u)
			b := uint64(1) << tz
			fd := g*wordBits + tz
			var ev reactors.Events
			if r&b != 0 {
				ev |= reactors.Readable
			}
			if wr&b != 0 {
				ev |= reactors.Writable
			}
			dst[k] = reactors.Event{Fd: fd, Events: ev}
			if k++; k == len(dst) {
				p.next = fd + 1 // the rest are still ready: start there next time
				return k, nil
			}
		}
	}
	return k, nil
}

// preen finds the watched descriptors that were closed behind the poller's
// back, which make select fail with EBADF, and reports them as hung up so
// that the loop drops them.
func (p *poller) preen(dst []reactors.Event) int {
	k := 0
	for fd := 0; fd <= p.maxfd && k < len(dst); fd++ {
		if fd == p.wakeR || !p.watched(fd) {
			continue
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == unix.EBADF {
			dst[k] = reactors.Event{Fd: fd, Events: reactors.Hangup | reactors.Error | reactors.Readable | reactors.Writable}
			k++
		}
	}
	return k
}

func (p *poller) Wake() error { return p.waker.Wake(p.signal) }

func (p *poller) Close() error {
	return p.waker.Close(func() error {
		err1 := unix.Close(p.wakeR)
		err2 := unix.Close(p.wakeW)
		p.rset, p.wset, p.rout, p.wout = nil, nil, nil, nil
		if err1 != nil {
			return err1
		}
		return err2
	})
}
