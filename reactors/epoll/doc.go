// Package epoll registers the "epoll" backend: Linux epoll(7), used
// level-triggered, woken through an eventfd. On other systems the package is
// empty, so importing it compiles everywhere.
//
// The kernel drops a descriptor from the set when it is closed, so one
// closed behind the poller's back is simply no longer reported, and a later
// Set(fd, 0) succeeds. Unregister a descriptor before closing it all the
// same: if its number is reused while still registered here, the recorded
// interest no longer matches the kernel's and Set(fd, sameMask) is a no-op.
package epoll
