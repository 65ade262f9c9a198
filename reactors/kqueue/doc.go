// Package kqueue registers the "kqueue" backend: kqueue(2) on macOS and the
// BSDs, used level-triggered, woken through an EVFILT_USER event (a self-pipe
// on NetBSD and OpenBSD, which lack it). On other systems the package is
// empty, so importing it compiles everywhere.
package kqueue
