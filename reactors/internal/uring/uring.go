//go:build linux && (amd64 || arm64)

package uring

import (
	"fmt"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The io_uring system calls: 425, 426 and 427 on both amd64 and arm64, the
// only architectures this package is built for.
const (
	sysSetup    = unix.SYS_IO_URING_SETUP
	sysEnter    = unix.SYS_IO_URING_ENTER
	sysRegister = unix.SYS_IO_URING_REGISTER
)

// Opcodes (enum io_uring_op).
const (
	OpNop         = 0
	OpPollAdd     = 6
	OpPollRemove  = 7
	OpAccept      = 13
	OpAsyncCancel = 14
	OpRead        = 22
	OpSend        = 26
	OpRecv        = 27
)

// SQE flags (IOSQE_*).
const (
	// SQEBufferSelect takes the buffer from the provided buffer group in
	// SQE.BufIndex.
	SQEBufferSelect = 1 << 5
	// SQECQESkipSuccess posts no completion unless the operation fails.
	SQECQESkipSuccess = 1 << 6
)

// Operation flags.
const (
	PollAddMulti        = 1 << 0 // IORING_POLL_ADD_MULTI: one completion per wake-up until removed
	PollUpdateEvents    = 1 << 1 // IORING_POLL_UPDATE_EVENTS
	PollUpdateUserData  = 1 << 2 // IORING_POLL_UPDATE_USER_DATA
	RecvMultishot       = 1 << 1 // IORING_RECV_MULTISHOT, in SQE.IoPrio
	AcceptMultishot     = 1 << 0 // IORING_ACCEPT_MULTISHOT, in SQE.IoPrio
	CancelAll           = 1 << 0 // IORING_ASYNC_CANCEL_ALL
	CancelFd            = 1 << 1 // IORING_ASYNC_CANCEL_FD
	CancelAny           = 1 << 2 // IORING_ASYNC_CANCEL_ANY
	CQEFBuffer          = 1 << 0 // IORING_CQE_F_BUFFER: the buffer id is Flags>>CQEBufferShift
	CQEFMore            = 1 << 1 // IORING_CQE_F_MORE: a multishot request stays armed
	CQEBufferShift      = 16
	setupCQSize         = 1 << 3
	setupClamp          = 1 << 4
	setupRDisabled      = 1 << 6
	setupCoopTaskrun    = 1 << 8
	setupTaskrunFlag    = 1 << 9
	setupSingleIssuer   = 1 << 12
	setupDeferTaskrun   = 1 << 13
	sqCQOverflow        = 1 << 1
	sqTaskrun           = 1 << 2
	enterGetEvents      = 1 << 0
	enterExtArg         = 1 << 3
	registerProbe       = 8
	registerEnableRings = 12
	registerPbufRing    = 22
	unregisterPbufRing  = 23
	offSQRing           = 0
	offSQEs             = 0x10000000
)

// Features (IORING_FEAT_*) this package or its users rely on.
const (
	FeatSingleMmap = 1 << 0  // SQ and CQ rings share one mapping (5.4)
	FeatNoDrop     = 1 << 1  // overflowed completions are kept, not dropped (5.5)
	FeatFastPoll   = 1 << 5  // internal poll instead of io-wq for sockets (5.7)
	FeatExtArg     = 1 << 8  // io_uring_enter takes a timeout (5.11)
	FeatCQESkip    = 1 << 11 // SQECQESkipSuccess (5.17)
)

// needFeatures are what every Ring requires: one mapping, no dropped
// completions, and timed waits without a timeout request.
const needFeatures = FeatSingleMmap | FeatNoDrop | FeatExtArg

// SQE is one submission queue entry (struct io_uring_sqe, 64 bytes).
type SQE struct {
	Opcode      uint8
	Flags       uint8
	IoPrio      uint16
	Fd          int32
	Off         uint64 // offset, or addr2
	Addr        uint64
	Len         uint32
	OpFlags     uint32 // poll32_events, msg_flags, accept_flags, cancel_flags
	UserData    uint64
	BufIndex    uint16 // buffer group with SQEBufferSelect
	Personality uint16
	SpliceFdIn  int32
	Addr3       uint64
	_           uint64
}

// CQE is one completion queue entry (struct io_uring_cqe, 16 bytes).
type CQE struct {
	UserData uint64
	Res      int32 // result, or -errno
	Flags    uint32
}

type sqOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type cqOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

type params struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  sqOffsets
	cqOff                                                                  cqOffsets
}

// getEventsArg is struct io_uring_getevents_arg, for IORING_ENTER_EXT_ARG.
type getEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

// Options are what New asks of the kernel.
type Options struct {
	// Entries is the SQ size (rounded up to a power of two by the kernel).
	Entries uint32
	// CQEntries is the CQ size; 0 leaves it at twice Entries.
	CQEntries uint32
	// SingleIssuer asks for IORING_SETUP_SINGLE_ISSUER with
	// DEFER_TASKRUN. The kernel then refuses io_uring_enter from any
	// thread but one, so the ring starts disabled: the caller locks its
	// goroutine to an OS thread (runtime.LockOSThread), calls Enable on it,
	// and makes every Submit, SubmitAndWait and Reap there.
	SingleIssuer bool
}

// Ring is one io_uring instance. Its methods are for one goroutine at a
// time; nothing in it may be touched from another goroutine concurrently.
type Ring struct {
	fd       int
	flags    uint32 // setup flags the kernel accepted
	features uint32
	rings    []byte // SQ and CQ rings, one mapping
	sqeMem   []byte

	sqHead, sqTail, sqFlags *uint32
	sqMask, sqEntries       uint32
	sqes                    []SQE
	tail                    uint32 // next free SQE; published to *sqTail on submit
	// early holds what was prepared while the ring was disabled and its
	// SQ full (no submission is possible then); Enable queues it.
	early []SQE

	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           []CQE

	arg    getEventsArg
	ts     unix.Timespec
	enters uint64
}

// setupFlags are the flag sets New tries, best first: a kernel that does not
// know a flag refuses the set with EINVAL, and the next one is tried.
func setupFlags(single bool) []uint32 {
	if single {
		return []uint32{
			setupSingleIssuer | setupDeferTaskrun | setupRDisabled,
			setupSingleIssuer | setupCoopTaskrun | setupTaskrunFlag | setupRDisabled,
			setupCoopTaskrun | setupTaskrunFlag,
			0,
		}
	}
	return []uint32{setupCoopTaskrun | setupTaskrunFlag, 0}
}

// New sets up a ring and maps it. Errors say why the kernel refused (see
// Explain); a missing required feature is an error naming it.
func New(o Options) (*Ring, error) {
	var p params
	var fd int
	var err error
	for _, f := range setupFlags(o.SingleIssuer) {
		p = params{flags: f | setupClamp}
		if o.CQEntries > 0 {
			p.flags |= setupCQSize
			p.cqEntries = o.CQEntries
		}
		fd, err = setup(o.Entries, &p)
		if err != unix.EINVAL {
			break
		}
	}
	if err != nil {
		return nil, Explain("io_uring_setup", err)
	}
	r := &Ring{fd: fd, flags: p.flags, features: p.features}
	if missing := needFeatures &^ p.features; missing != 0 {
		unix.Close(fd)
		return nil, fmt.Errorf("io_uring: this kernel lacks %s", featureNames(missing))
	}
	if err := r.mmap(&p); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Ring) mmap(p *params) error {
	size := max(p.sqOff.array+p.sqEntries*4, p.cqOff.cqes+p.cqEntries*uint32(unsafe.Sizeof(CQE{})))
	mem, err := unix.Mmap(r.fd, offSQRing, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return Explain("mmap(io_uring rings)", err)
	}
	r.rings = mem
	sqes, err := unix.Mmap(r.fd, offSQEs, int(p.sqEntries)*int(unsafe.Sizeof(SQE{})), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return Explain("mmap(io_uring SQEs)", err)
	}
	r.sqeMem = sqes
	at := func(off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
	r.sqHead, r.sqTail, r.sqFlags = at(p.sqOff.head), at(p.sqOff.tail), at(p.sqOff.flags)
	r.sqMask, r.sqEntries = *at(p.sqOff.ringMask), *at(p.sqOff.ringEntries)
	r.sqes = unsafe.Slice((*SQE)(unsafe.Pointer(&sqes[0])), r.sqEntries)
	// SQE i always sits in array slot i, so the indirection array is
	// written once here rather than on every submission.
	array := unsafe.Slice(at(p.sqOff.array), r.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	r.tail = atomic.LoadUint32(r.sqTail)
	r.cqHead, r.cqTail = at(p.cqOff.head), at(p.cqOff.tail)
	r.cqMask = *at(p.cqOff.ringMask)
	r.cqes = unsafe.Slice((*CQE)(unsafe.Pointer(&mem[p.cqOff.cqes])), *at(p.cqOff.ringEntries))
	return nil
}

// Enters is how many io_uring_enter calls the ring has made, for counting
// system calls per event.
func (r *Ring) Enters() uint64 { return r.enters }

// Fd is the ring's descriptor.
func (r *Ring) Fd() int { return r.fd }

// Features is the kernel's IORING_FEAT_* mask.
func (r *Ring) Features() uint32 { return r.features }

// SingleIssuer reports whether the kernel accepted SINGLE_ISSUER.
func (r *Ring) SingleIssuer() bool { return r.flags&setupSingleIssuer != 0 }

// DeferTaskrun reports whether the kernel accepted DEFER_TASKRUN: then
// completions are posted only inside io_uring_enter with GETEVENTS.
func (r *Ring) DeferTaskrun() bool { return r.flags&setupDeferTaskrun != 0 }

// Enabled reports whether the ring takes submissions: a ring set up
// disabled (SingleIssuer) does once Enable has run.
func (r *Ring) Enabled() bool { return r.flags&setupRDisabled == 0 }

// Enable starts a ring set up disabled (SingleIssuer) and makes the calling
// thread its only submitter. It is a no-op for other rings.
func (r *Ring) Enable() error {
	if r.flags&setupRDisabled == 0 {
		return nil
	}
	if _, err := register(r.fd, registerEnableRings, nil, 0); err != nil {
		return fmt.Errorf("io_uring_register(ENABLE_RINGS): %w", err)
	}
	r.flags &^= setupRDisabled
	early := r.early
	r.early = nil
	for i := range early {
		s, err := r.Next()
		if err != nil {
			return err
		}
		*s = early[i]
	}
	return nil
}

// Close unmaps the rings and closes the ring, which cancels every request
// still in flight.
func (r *Ring) Close() error {
	if r.sqeMem != nil {
		unix.Munmap(r.sqeMem)
		r.sqeMem, r.sqes = nil, nil
	}
	if r.rings != nil {
		unix.Munmap(r.rings)
		r.rings, r.cqes = nil, nil
	}
	if r.fd < 0 {
		return nil
	}
	err := unix.Close(r.fd)
	r.fd = -1
	return err
}

// Next returns a zeroed SQE to fill in before the next call. When the SQ
// is full it first submits what is queued, which is the only io_uring_enter
// made outside SubmitAndWait; a disabled ring, which cannot submit, keeps
// the SQE aside for Enable instead.
func (r *Ring) Next() (*SQE, error) {
	if r.tail-atomic.LoadUint32(r.sqHead) >= r.sqEntries {
		if r.flags&setupRDisabled != 0 {
			r.early = append(r.early, SQE{})
			return &r.early[len(r.early)-1], nil
		}
		if err := r.Submit(); err != nil {
			return nil, err
		}
		if r.tail-atomic.LoadUint32(r.sqHead) >= r.sqEntries {
			return nil, fmt.Errorf("io_uring: submission queue full (%d entries)", r.sqEntries)
		}
	}
	s := &r.sqes[r.tail&r.sqMask]
	*s = SQE{}
	r.tail++
	return s, nil
}

// MoveQueued moves the SQEs prepared on r but not yet submitted to to, in
// order, for a caller that replaces a ring before its first submission.
func (r *Ring) MoveQueued(to *Ring) error {
	for head := atomic.LoadUint32(r.sqHead); head != r.tail; head++ {
		s, err := to.Next()
		if err != nil {
			return err
		}
		*s = r.sqes[head&r.sqMask]
	}
	r.tail = atomic.LoadUint32(r.sqHead)
	for i := range r.early {
		s, err := to.Next()
		if err != nil {
			return err
		}
		*s = r.early[i]
	}
	r.early = nil
	return nil
}

// Queued is the number of SQEs prepared but not yet taken by the kernel.
func (r *Ring) Queued() uint32 {
	return r.tail - atomic.LoadUint32(r.sqHead)
}

// Submit hands the queued SQEs to the kernel without waiting.
func (r *Ring) Submit() error {
	return r.SubmitAndWait(0)
}

// SubmitAndWait hands the queued SQEs to the kernel and, in the same
// io_uring_enter, waits until at least one completion is in the CQ: for
// ever if timeout < 0, at most timeout if > 0, not at all if 0. A wait that
// ends by its timeout returns unix.ETIME, one interrupted by a signal
// unix.EINTR. With timeout 0 and nothing to submit, no system call is made
// unless the kernel flagged pending task work or overflowed completions.
func (r *Ring) SubmitAndWait(timeout time.Duration) error {
	atomic.StoreUint32(r.sqTail, r.tail)
	toSubmit := r.tail - atomic.LoadUint32(r.sqHead)
	flags, minComplete := uint32(enterGetEvents), uint32(0)
	var arg unsafe.Pointer
	var argSize uintptr
	switch {
	case timeout < 0:
		minComplete = 1
	case timeout > 0:
		minComplete = 1
		r.ts = unix.NsecToTimespec(int64(timeout))
		r.arg = getEventsArg{ts: uint64(uintptr(unsafe.Pointer(&r.ts)))}
		arg, argSize = unsafe.Pointer(&r.arg), unsafe.Sizeof(r.arg)
		flags |= enterExtArg
	default:
		if toSubmit == 0 && !r.DeferTaskrun() && atomic.LoadUint32(r.sqFlags)&(sqTaskrun|sqCQOverflow) == 0 && r.flags&setupTaskrunFlag != 0 {
			return nil
		}
	}
	r.enters++
	_, err := enter(r.fd, toSubmit, minComplete, flags, arg, argSize)
	switch err {
	case nil:
		return nil
	case unix.EAGAIN, unix.EBUSY:
		// The kernel took fewer SQEs (short of memory, or an old kernel
		// with completions backed up); they stay queued for the next call.
		return nil
	case unix.ETIME, unix.EINTR:
		return err
	}
	return fmt.Errorf("io_uring_enter: %w", err)
}

// Reap copies up to len(dst) completions into dst, oldest first, and
// frees their slots. When the CQ runs empty while the kernel holds
// overflowed completions (IORING_SQ_CQ_OVERFLOW), it flushes them into the
// CQ with IORING_ENTER_GETEVENTS and goes on. A result shorter than dst
// means the CQ is empty.
func (r *Ring) Reap(dst []CQE) int {
	n := 0
	head := atomic.LoadUint32(r.cqHead)
	for n < len(dst) {
		tail := atomic.LoadUint32(r.cqTail)
		if head == tail {
			if atomic.LoadUint32(r.sqFlags)&sqCQOverflow == 0 {
				break
			}
			r.enters++
			if _, err := enter(r.fd, 0, 0, enterGetEvents, nil, 0); err != nil && err != unix.EINTR {
				break
			}
			if atomic.LoadUint32(r.cqTail) == head {
				break // nothing flushed: do not spin
			}
			continue
		}
		for head != tail && n < len(dst) {
			dst[n] = r.cqes[head&r.cqMask]
			head++
			n++
		}
		atomic.StoreUint32(r.cqHead, head)
	}
	return n
}

// PrepPollAdd polls fd for events (POLLIN, POLLOUT, ...); multishot keeps
// the poll armed, one completion per wake-up, until it is removed.
func (s *SQE) PrepPollAdd(fd int, events uint32, multishot bool, userData uint64) {
	s.Opcode, s.Fd, s.OpFlags, s.UserData = OpPollAdd, int32(fd), events, userData
	if multishot {
		s.Len = PollAddMulti
	}
}

// PrepPollUpdate changes the events of the poll whose user data is old and,
// if new differs from old, its user data. Updating re-arms the poll, so a
// descriptor that is ready at that moment completes again.
func (s *SQE) PrepPollUpdate(old, new uint64, events uint32, userData uint64) {
	s.Opcode, s.Fd, s.Addr, s.OpFlags, s.UserData = OpPollRemove, -1, old, events, userData
	s.Len = PollUpdateEvents | PollAddMulti
	if new != old {
		s.Off = new
		s.Len |= PollUpdateUserData
	}
}

// PrepPollRemove removes the poll whose user data is target. It fails with
// EALREADY, leaving the poll armed, while a wake-up of that poll is being
// handled; PrepCancel always removes it.
func (s *SQE) PrepPollRemove(target, userData uint64) {
	s.Opcode, s.Fd, s.Addr, s.UserData = OpPollRemove, -1, target, userData
}

// PrepRead reads into buf, which must stay valid and unmoved until the
// completion (memory outside the Go heap, or pinned).
func (s *SQE) PrepRead(fd int, buf unsafe.Pointer, n uint32, off uint64, userData uint64) {
	s.Opcode, s.Fd, s.Addr, s.Len, s.Off, s.UserData = OpRead, int32(fd), uint64(uintptr(buf)), n, off, userData
}

// PrepRecvMultishot receives on fd into buffers of the provided buffer
// group, one completion per chunk (CQEFBuffer names the buffer) while
// CQEFMore is set.
func (s *SQE) PrepRecvMultishot(fd int, group uint16, userData uint64) {
	s.Opcode, s.Fd, s.UserData = OpRecv, int32(fd), userData
	s.Flags |= SQEBufferSelect
	s.BufIndex = group
	s.IoPrio = RecvMultishot
}

// PrepSend sends n bytes at buf, which must stay valid and unmoved until
// the completion.
func (s *SQE) PrepSend(fd int, buf unsafe.Pointer, n uint32, msgFlags uint32, userData uint64) {
	s.Opcode, s.Fd, s.Addr, s.Len, s.OpFlags, s.UserData = OpSend, int32(fd), uint64(uintptr(buf)), n, msgFlags, userData
}

// PrepAcceptMultishot accepts connections on fd, one completion per
// connection (Res is the new descriptor), flags as for accept4.
func (s *SQE) PrepAcceptMultishot(fd int, flags uint32, userData uint64) {
	s.Opcode, s.Fd, s.OpFlags, s.UserData = OpAccept, int32(fd), flags, userData
	s.IoPrio = AcceptMultishot
}

// PrepCancel cancels the request whose user data is target; with CancelFd
// in flags, every request on fd instead (with CancelAll).
func (s *SQE) PrepCancel(target uint64, fd int, flags uint32, userData uint64) {
	s.Opcode, s.Fd, s.Addr, s.OpFlags, s.UserData = OpAsyncCancel, int32(fd), target, flags, userData
}

// probeOps is how many opcodes a probe asks about: all a byte can name.
const probeOps = 256

type probe struct {
	lastOp, opsLen uint8
	resv           uint16
	resv2          [3]uint32
	ops            [probeOps]struct {
		op, resv uint8
		flags    uint16
		resv2    uint32
	}
}

// Supports reports, through IORING_REGISTER_PROBE, which of ops the kernel
// implements; the result is indexed like ops.
func (r *Ring) Supports(ops ...uint8) ([]bool, error) {
	var p probe
	if _, err := register(r.fd, registerProbe, unsafe.Pointer(&p), probeOps); err != nil {
		return nil, fmt.Errorf("io_uring_register(PROBE): %w", err)
	}
	ok := make([]bool, len(ops))
	for i, op := range ops {
		ok[i] = op <= p.lastOp && int(op) < int(p.opsLen) && p.ops[op].flags&1 != 0
	}
	return ok, nil
}

// The system call hooks, replaced by tests to inject failures.
var (
	setup = func(entries uint32, p *params) (int, error) {
		fd, _, errno := unix.Syscall(sysSetup, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
		if errno != 0 {
			return -1, errno
		}
		return int(fd), nil
	}
	register = func(fd int, op uint32, arg unsafe.Pointer, nr uint32) (int, error) {
		r, _, errno := unix.Syscall6(sysRegister, uintptr(fd), uintptr(op), uintptr(arg), uintptr(nr), 0, 0)
		if errno != 0 {
			return -1, errno
		}
		return int(r), nil
	}
)

func enter(fd int, toSubmit, minComplete, flags uint32, arg unsafe.Pointer, argSize uintptr) (int, error) {
	n, _, errno := unix.Syscall6(sysEnter, uintptr(fd), uintptr(toSubmit), uintptr(minComplete), uintptr(flags), uintptr(arg), argSize)
	if errno != 0 {
		return int(n), syscall.Errno(errno)
	}
	return int(n), nil
}
