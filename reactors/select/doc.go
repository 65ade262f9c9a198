// Package selectreactor registers the "select" backend: select(2), woken
// through a self-pipe. (The folder is "select", a Go keyword, hence the
// package name.)
//
// On Linux the descriptor bitmaps are sized to the highest watched
// descriptor, since the kernel accepts bitmaps larger than FD_SETSIZE, so
// every descriptor up to the process limit can be watched. Elsewhere a
// descriptor at or above FD_SETSIZE is refused by Set with an *FDRangeError.
//
// select has no hang-up or error bits: a closed peer shows as readable (the
// read returns end of file) or writable (the write fails), and a descriptor
// closed behind the poller's back, which makes select fail with EBADF, is
// found by checking each watched one and reported with Hangup|Error.
package selectreactor
