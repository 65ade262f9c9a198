// Package uringpoll registers the io_uring backends: "uring-poll", io_uring
// used as a readiness API, and "uring", a reactors.Completer that also
// accepts, receives and sends on the loop's sockets (completer.go). Each watched descriptor has one IORING_OP_POLL_ADD armed;
// interest changes and re-arms are queued as submissions and reach the
// kernel in the io_uring_enter that waits, so a Wait costs one system call
// whatever changed. On systems other than Linux on amd64 or arm64 the
// package is empty, so importing it compiles everywhere.
//
// Level-triggered like the other backends, the way epoll's EPOLLONESHOT
// with a re-arm is: the poll is one-shot, and every descriptor a Wait
// reports is armed again by the next Wait. Arming checks readiness at once,
// so a descriptor still ready completes in that same io_uring_enter and is
// reported again. Multishot polls (IORING_POLL_ADD_MULTI) complete once per
// wake-up, not while a descriptor stays ready, so level-triggering them
// needs a poll update per report, and the kernel finds the poll to update
// in a hash table of at most 256 buckets: measured here, that made a
// dispatch at 8192 watched descriptors 1.7 to 2.7 times epoll's cost, while
// a one-shot re-arm is a plain submission that stays flat in N. A multishot
// poll is used where it cannot loop: for the wake-up eventfd, and for a
// descriptor whose poll completed with nothing its interest asked for
// (POLLRDHUP, which io_uring always watches, while waiting to write), which
// a one-shot poll would report again at once, for ever. Completions beyond
// what dst holds stay queued, first in first out, for the next Wait.
//
// Every completion carries the descriptor and a per-descriptor generation,
// bumped by every Set that changes the registration, so completions of a
// removed or replaced poll are dropped, never reported. A full CQ loses
// nothing: the kernel keeps what overflows (IORING_FEAT_NODROP) and the
// ring flushes it before the next Wait blocks.
//
// The ring is set up with COOP_TASKRUN and TASKRUN_FLAG where the kernel
// has them, so a Poller works from any OS thread (the conformance suite
// calls Wait from different goroutines). It is a reactors.ThreadBinder, so
// core's loop locks its goroutine to its OS thread at the first pass, and
// that lock is a fix: the kernel runs a poll's task work on the thread that
// armed the poll, and a loop goroutine the scheduler moved to another
// thread could leave a cancelled poll, still holding its socket open,
// waiting on a thread gone idle (a Group's listening socket then took a
// connection after StopListening, about one run in a hundred). The ring
// stays COOP_TASKRUN when bound: SINGLE_ISSUER with DEFER_TASKRUN, which
// the completer takes, tripled the echo workload's p99 at C=1000 here.
//
// The wake-up is an eventfd watched by its own multishot poll on the ring:
// Wake writes to the eventfd and never touches the submission queue, so it
// is safe from any goroutine.
//
// A poll holds a reference to the file it watches: unregister a descriptor
// (Set(fd, 0)) before closing it, or the socket stays open, unseen, until
// the poller is closed. Set(fd, 0) of an armed poll enters the kernel at
// once with its cancel (one system call, as epoll's EPOLL_CTL_DEL), so the
// close that follows closes the socket for its peer; other interest
// changes wait for the next Wait's enter.
//
// The "uring" Completer is uring-poll's poller plus socket operations:
// multishot accept, multishot recv into one provided buffer ring (handed
// to the kernel in steps as receives run out, returned after each wait),
// and send from the caller's buffer, kept referenced and pinned with
// runtime.Pinner until its completion. Each operation's user data carries
// its kind, the caller's tag and the descriptor, so the caller tells an
// earlier owner's completions on a reused descriptor number apart. A wait
// reports each descriptor's receives up to recvShare; the rest wait for
// the next one, in order. Bound, its ring is the one set up with
// SINGLE_ISSUER and DEFER_TASKRUN (made when it opens, so that the buffer
// ring registers once); unbound it works from any thread.
//
// Available reports why the backend cannot run where it cannot: no
// io_uring in the kernel (ENOSYS), a seccomp filter such as Docker's
// default profile (EPERM), the kernel.io_uring_disabled sysctl, or a kernel
// older than 5.17 that lacks a needed feature or opcode.
package uringpoll
