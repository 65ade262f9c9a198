// Package poll registers the "poll" backend: poll(2) over one pollfd array,
// woken through a self-pipe. On systems without poll the package is empty, so
// importing it compiles everywhere.
//
// A descriptor closed behind the poller's back comes back as POLLNVAL on
// every poll; it is reported with Hangup|Error so that the loop drops it
// with Set(fd, 0) instead of spinning.
package poll
