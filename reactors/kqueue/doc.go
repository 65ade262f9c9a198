// Package kqueue registers the "kqueue" backend: kqueue(2) on macOS and the
// BSDs, used level-triggered, woken through an EVFILT_USER event (a self-pipe
// on NetBSD and OpenBSD, which lack it). On other systems the package is
// empty, so importing it compiles everywhere.
//
// Closing a descriptor removes its filters, so one closed behind the
// poller's back is no longer reported and a later Set(fd, 0) succeeds.
// Unregister a descriptor before closing it all the same: if its number is
// reused while still registered here, Set(fd, sameMask) is a no-op.
package kqueue
