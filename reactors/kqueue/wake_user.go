//go:build darwin || dragonfly || freebsd

package kqueue

import "golang.org/x/sys/unix"

// wakeup is an EVFILT_USER event on the queue: no descriptor, and one
// kevent call to wake.
type wakeup struct{ kq int }

// wakeIdent names the user event; it lives apart from descriptor numbers.
const wakeIdent = 0

func (w *wakeup) open(kq int) error {
	w.kq = kq
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], wakeIdent, unix.EVFILT_USER, unix.EV_ADD|unix.EV_CLEAR)
	_, err := unix.Kevent(kq, ch[:], nil, nil)
	return err
}

// trigger runs on any goroutine, so it builds its own change record.
func (w *wakeup) trigger() error {
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], wakeIdent, unix.EVFILT_USER, 0)
	ch[0].Fflags = unix.NOTE_TRIGGER
	_, err := unix.Kevent(w.kq, ch[:], nil, nil)
	return err
}

func (w *wakeup) is(e *unix.Kevent_t) bool { return e.Filter == unix.EVFILT_USER }

// drain has nothing to do: EV_CLEAR resets the event once reported.
func (w *wakeup) drain() {}

func (w *wakeup) owns(int) bool { return false }

// close has nothing to release: the event goes with the queue.
func (w *wakeup) close() error { return nil }
