// Package uring is a minimal io_uring ring on raw system calls
// (io_uring_setup, io_uring_enter, io_uring_register through
// golang.org/x/sys/unix, no cgo): setup with fallback of the task-run
// flags, the shared SQ/CQ rings and SQE array mapped with one mmap
// (IORING_FEAT_SINGLE_MMAP), SQE preparation for the operations the
// readiness backend and a completion driver need, CQE reaping that empties
// the CQ and flushes overflowed completions, provided buffer rings, and the
// availability check that says why a kernel cannot run a ring.
//
// It lives in reactors/internal so that every io_uring user sits below the
// Poller contract: the readiness backend (reactors/uringpoll) and a
// completion driver are both packages under reactors/, and core sees only
// the interfaces package reactors defines, never the ring. The import
// direction stays cmd -> bench -> core -> reactors -> backends.
//
// Memory the kernel writes into (the rings, the SQE array, provided
// buffers) is mmap'd, outside the Go heap, so the garbage collector never
// moves or frees it under the kernel. The shared head and tail indexes are
// read and written with sync/atomic, whose sequentially consistent
// operations give the acquire and release ordering the kernel expects.
//
// On systems other than Linux on amd64 or arm64 the package is empty.
package uring
