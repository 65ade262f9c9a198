// Package poll registers the "poll" backend: poll(2) over one pollfd array,
// woken through a self-pipe. On systems without poll the package is empty, so
// importing it compiles everywhere.
package poll
