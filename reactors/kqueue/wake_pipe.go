//go:build netbsd || openbsd

package kqueue

import (
	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors/internal/backend"
)

// wakeup is a self-pipe watched for reading, for systems without EVFILT_USER.
type wakeup struct{ r, w int }

func (w *wakeup) open(kq int) error {
	r, wr, err := backend.Pipe()
	if err != nil {
		return err
	}
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], r, unix.EVFILT_READ, unix.EV_ADD)
	if _, err := unix.Kevent(kq, ch[:], nil, nil); err != nil {
		unix.Close(r)
		unix.Close(wr)
		return err
	}
	w.r, w.w = r, wr
	return nil
}

func (w *wakeup) trigger() error { return backend.Signal(w.w) }

func (w *wakeup) is(e *unix.Kevent_t) bool {
	return e.Filter == unix.EVFILT_READ && int(e.Ident) == w.r
}

func (w *wakeup) drain() { backend.Drain(w.r) }

func (w *wakeup) owns(fd int) bool { return fd == w.r || fd == w.w }

func (w *wakeup) close() error {
	err1 := unix.Close(w.r)
	err2 := unix.Close(w.w)
	if err1 != nil {
		return err1
	}
	return err2
}
