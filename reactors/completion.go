package reactors

import "time"

// Op names an operation a Completer performs for the loop.
type Op uint8

// The operations of a Completer.
const (
	OpAccept Op = iota + 1 // multishot accept on a listening socket
	OpRecv                 // multishot receive into the Completer's buffers
	OpSend                 // one send of a caller's buffer
)

// Completion is one finished operation, reported by WaitCompletions.
type Completion struct {
	Fd  int
	Op  Op
	Tag uint32 // the caller's tag given when the operation started
	// Res is the new descriptor (OpAccept), the bytes received (OpRecv,
	// 0 at end of stream) or sent (OpSend), or a negative errno.
	Res int
	// Data is what an OpRecv received. It belongs to the Completer and
	// is valid until the next WaitCompletions: copy what must be kept.
	Data []byte
	// More is set while a multishot operation stays armed; a multishot
	// completion without it is the operation's last.
	More bool
}

// ThreadBinder is a Poller that works best driven from one OS thread.
type ThreadBinder interface {
	Poller
	// BindThread is called once, before any other method, by a loop that
	// promises to make every later call but Wake and Close from the OS
	// thread of its first wait, its goroutine locked there
	// (runtime.LockOSThread): the Poller may then use kernel features
	// that accept one submitting thread only. Without it, the Poller is
	// usable from any thread.
	BindThread() error
}

// Completer is a Poller that also does socket I/O itself, the completion
// way: the loop asks it to accept, receive and send, and its wait returns
// what finished besides the ready descriptors. It is still a Poller, so
// descriptors watched with Set work as on any backend.
//
// Every method but Wake and Close is called from one goroutine, and, once
// BindThread was called, from one OS thread.
type Completer interface {
	ThreadBinder
	// Accept starts accepting connections on the listening socket fd,
	// non-blocking and close-on-exec, until Cancel or a completion without
	// More (after an error, such as EMFILE).
	Accept(fd int, tag uint32) error
	// Recv starts receiving on fd until StopRecv, Cancel, end of stream,
	// an error, or a completion without More. A Recv that ends with
	// -ENOBUFS lost nothing: the bytes wait in the socket for the next Recv.
	Recv(fd int, tag uint32) error
	// StopRecv stops the Recv with tag on fd. Completions it made before
	// it stopped may still be reported, with their data.
	StopRecv(fd int, tag uint32) error
	// Send sends b on fd. b must not be changed until its completion; the
	// Completer keeps it alive and in place until then.
	Send(fd int, b []byte, tag uint32) error
	// Cancel stops every operation on fd, for a caller about to close
	// it. Their completions are reported or dropped; a Send's buffer is
	// held until the kernel lets go of it.
	Cancel(fd int) error
	// WaitCompletions is Wait that also fills done with finished
	// operations, oldest first, and returns how many of each. It returns
	// as soon as either kind is there. Completions beyond what done holds,
	// or beyond a per-descriptor share of one call, wait for the next call.
	WaitCompletions(dst []Event, done []Completion, timeout time.Duration) (events, completions int, err error)
	EnterCounter
}

// EnterCounter is implemented by a Poller whose waits and submissions are
// system calls it counts itself (io_uring_enter), so that a loop can count
// the system calls it cost: Set may then make none, and Wait more than one.
type EnterCounter interface {
	// Enters is how many such system calls were made so far. Call it
	// from the goroutine that waits.
	Enters() uint64
}
