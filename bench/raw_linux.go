//go:build linux

package bench

import (
	"fmt"
	"math/bits"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawFloors are the bare loops, one per backend, that the dispatch workload
// measures each backend against: the same readiness syscall, the same
// one-byte read and write, no reactor in between.
var rawFloors = map[string]func() (rawPoller, error){
	"epoll":  newRawEpoll,
	"poll":   newRawPoll,
	"select": newRawSelect,
}

// rawEpoll waits with epoll_wait on a level-triggered epoll set.
type rawEpoll struct {
	epfd  int
	evs   [128]unix.EpollEvent
	ready []int32
}

func newRawEpoll() (rawPoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	return &rawEpoll{epfd: epfd, ready: make([]int32, 0, 128)}, nil
}

func (p *rawEpoll) add(fd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

func (p *rawEpoll) wait() ([]int32, error) {
	p.ready = p.ready[:0]
	n, err := unix.EpollWait(p.epfd, p.evs[:], -1)
	if err == unix.EINTR {
		return p.ready, nil
	}
	if err != nil {
		return nil, fmt.Errorf("epoll_wait: %w", err)
	}
	for _, e := range p.evs[:n] {
		p.ready = append(p.ready, e.Fd)
	}
	return p.ready, nil
}

func (p *rawEpoll) close() error { return unix.Close(p.epfd) }

// rawPoll passes one pollfd array to poll and scans it for the ready ones.
type rawPoll struct {
	fds   []unix.PollFd
	ready []int32
}

func newRawPoll() (rawPoller, error) { return &rawPoll{ready: make([]int32, 0, 128)}, nil }

func (p *rawPoll) add(fd int) error {
	p.fds = append(p.fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
	return nil
}

func (p *rawPoll) wait() ([]int32, error) {
	p.ready = p.ready[:0]
	n, err := unix.Poll(p.fds, -1)
	if err == unix.EINTR {
		return p.ready, nil
	}
	if err != nil {
		return nil, fmt.Errorf("poll: %w", err)
	}
	for i := 0; n > 0 && i < len(p.fds); i++ {
		if p.fds[i].Revents != 0 {
			p.ready = append(p.ready, p.fds[i].Fd)
			n--
		}
	}
	return p.ready, nil
}

func (p *rawPoll) close() error { return nil }

// rawSelect copies its interest bitmap, sized to the highest descriptor
// (Linux takes bitmaps past FD_SETSIZE), into select and scans the result.
// Its words are C longs, the kernel's fd_set layout, so the bitmap passes
// for a unix.FdSet that runs on.
type rawSelect struct {
	set, work []uint
	nfds      int
	ready     []int32
}

func newRawSelect() (rawPoller, error) {
	// At least FD_SETSIZE bits, so the bitmap is a whole unix.FdSet.
	words := int(unsafe.Sizeof(unix.FdSet{})) * 8 / bits.UintSize
	return &rawSelect{set: make([]uint, words), work: make([]uint, words), ready: make([]int32, 0, 128)}, nil
}

func (p *rawSelect) add(fd int) error {
	for fd/bits.UintSize >= len(p.set) {
		p.set = append(p.set, 0)
		p.work = append(p.work, 0)
	}
	p.set[fd/bits.UintSize] |= 1 << (fd % bits.UintSize)
	p.nfds = max(p.nfds, fd+1)
	return nil
}

func (p *rawSelect) wait() ([]int32, error) {
	p.ready = p.ready[:0]
	if p.nfds == 0 {
		return nil, fmt.Errorf("select: nothing to wait for")
	}
	copy(p.work, p.set)
	n, err := unix.Select(p.nfds, (*unix.FdSet)(unsafe.Pointer(&p.work[0])), nil, nil, nil)
	if err == unix.EINTR {
		return p.ready, nil
	}
	if err != nil {
		return nil, fmt.Errorf("select: %w", err)
	}
	for w := 0; n > 0 && w < len(p.work); w++ {
		for word := p.work[w]; word != 0; word &= word - 1 {
			p.ready = append(p.ready, int32(w*bits.UintSize+bits.TrailingZeros(word)))
			n--
		}
	}
	return p.ready, nil
}

func (p *rawSelect) close() error { return nil }
