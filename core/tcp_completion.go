package core

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
)

// The completion driver: on a reactors.Completer the kernel accepts,
// receives and sends for the TCP transports, and the loop hands each
// transport what completed. The Transport is the same one as on
// readiness; only where its bytes come from and go to differs:
//
//   - reading arms one multishot Recv; its completions carry the bytes,
//     in the Completer's buffers, valid for the DataReceived call only;
//   - Write always buffers (the caller's slice may change once Write
//     returns) and queues the transport for a flush, which starts one Send
//     of the buffer before the loop's next wait, so a pass's sends reach
//     the kernel in the system call that waits;
//   - while a Send is in flight its bytes are neither moved nor reused;
//     later writes append behind them, and its completion starts the next.
type completion struct {
	ring     reactors.Completer // nil on a readiness backend
	finished []reactors.Completion
	handlers []completionHandler // by descriptor
	flushq   []*tcpConn          // transports to flush before the next wait
	spareq   []*tcpConn
	// afterWait runs once the next wait has returned: a socket closed
	// with an operation in flight stays open until that wait hands the
	// operation's cancel to the kernel.
	afterWait []func()
	tags      uint32
	sendBufs  [][]byte // drained write buffers of sendBufferSize, for reuse
}

// maxSendBufs bounds the drained write buffers a loop keeps: 4 MiB.
const maxSendBufs = 1024

// sendBuffer is an empty write buffer of sendBufferSize, reused if any.
func (l *Loop) sendBuffer() []byte {
	if n := len(l.sendBufs); n > 0 {
		b := l.sendBufs[n-1]
		l.sendBufs[n-1] = nil
		l.sendBufs = l.sendBufs[:n-1]
		return b
	}
	return make([]byte, 0, sendBufferSize)
}

// keepSendBuffer takes back a drained write buffer no Send holds.
func (l *Loop) keepSendBuffer(b []byte) {
	if len(l.sendBufs) < maxSendBufs {
		l.sendBufs = append(l.sendBufs, b[:0])
	}
}

// completionHandler is a transport or port driven by completions.
type completionHandler interface {
	completed(c *reactors.Completion)
}

// nextTag numbers an operation, loop-wide, so that the completion of one
// started by an earlier owner of a reused descriptor number is told apart.
func (l *Loop) nextTag() uint32 {
	l.tags++
	if l.tags == 0 {
		l.tags = 1
	}
	return l.tags
}

// since reports whether tag was given at or after first (tags wrap).
func since(tag, first uint32) bool { return tag-first < 1<<31 }

func (l *Loop) setHandler(fd int, h completionHandler) {
	if fd >= len(l.handlers) {
		l.handlers = append(l.handlers, make([]completionHandler, max(fd+1, 2*len(l.handlers))-len(l.handlers))...)
	}
	l.handlers[fd] = h
}

func (l *Loop) dropHandler(fd int, h completionHandler) {
	if fd >= 0 && fd < len(l.handlers) && l.handlers[fd] == h {
		l.handlers[fd] = nil
	}
}

// completionPass is the wait and dispatch of a pass on a Completer: the
// queued flushes start their sends, one WaitCompletions submits them and
// waits, then the events and the completions are dispatched.
func (l *Loop) completionPass(wait time.Duration) error {
	l.flushAll()
	if len(l.flushq) > 0 || len(l.afterWait) > 0 {
		wait = 0 // a flush queued another, or calls wait for this wait to return
	}
	n, k, err := l.ring.WaitCompletions(l.events, l.finished, wait)
	l.sleeping.Store(false)
	l.refreshTime()
	l.counter.Waits++
	if err != nil {
		return fmt.Errorf("core: %s wait: %w", l.backend, err)
	}
	l.dispatchAll(n)
	l.counter.Completions += uint64(k)
	for i := range k {
		c := &l.finished[i]
		if c.Fd >= 0 && c.Fd < len(l.handlers) && l.handlers[c.Fd] != nil {
			l.handlers[c.Fd].completed(c)
		} else if c.Op == reactors.OpAccept && c.Res >= 0 {
			_ = unix.Close(c.Res) // for a port already gone
		}
		c.Data = nil
	}
	if k == len(l.finished) && k < maxEvents {
		l.finished = make([]reactors.Completion, 2*k)
	}
	if q := l.afterWait; len(q) > 0 {
		l.afterWait = nil
		for _, f := range q {
			f()
		}
	}
	return nil
}

// flushAll runs the flushes queued before this pass.
func (l *Loop) flushAll() {
	q := l.flushq
	l.flushq = l.spareq[:0]
	for i, c := range q {
		q[i] = nil
		c.flush()
	}
	l.spareq = q[:0]
}

// queueFlush asks for a flush before the next wait.
func (c *tcpConn) queueFlush() {
	if !c.flushing {
		c.flushing = true
		c.loop.flushq = append(c.loop.flushq, c)
	}
}

// startRecv arms a multishot Recv.
func (c *tcpConn) startRecv() error {
	c.recvTag = c.loop.nextTag()
	if err := c.ring.Recv(c.fd, c.recvTag); err != nil {
		c.recvTag = 0
		return err
	}
	if len(c.held) > 0 || c.heldEOF {
		c.queueFlush() // deliver what came while paused first
	}
	return nil
}

func (c *tcpConn) stopRecv() {
	if c.recvTag != 0 {
		_ = c.ring.StopRecv(c.fd, c.recvTag)
		c.recvTag = 0
	}
}

// flush delivers what was held while paused, then starts a Send of the
// buffer, or, with nothing left to send, does what DoWrite does once the
// buffer is empty.
func (c *tcpConn) flush() {
	c.flushing = false
	defer c.recoverAs("DoWrite")
	if c.lost {
		return
	}
	if c.reading && (len(c.held) > 0 || c.heldEOF) {
		c.deliverHeld()
		if c.lost {
			return
		}
	}
	if !c.writing || c.sendTag != 0 {
		return // not asked to, or the Send's completion goes on
	}
	if c.buffered() > 0 {
		end := min(len(c.pending), c.off+sendLimit)
		c.sendTag = c.loop.nextTag()
		c.loop.countWrite(nil)
		if err := c.ring.Send(c.fd, c.pending[c.off:end], c.sendTag); err != nil {
			c.sendTag = 0
			c.writeFailed(err)
		}
		return
	}
	c.drained()
}

// deliverHeld hands the protocol what came while reading was stopped, one
// read buffer's worth per pass as on readiness, so a protocol that pauses
// again sees no more than it would there.
func (c *tcpConn) deliverHeld() {
	if n := min(len(c.held), readBufferSize); n > 0 {
		chunk := c.held[:n]
		if c.held = c.held[n:]; len(c.held) == 0 {
			c.held = nil
		} else {
			c.queueFlush()
		}
		c.loop.countRead(nil)
		c.dataReceived(chunk)
		return
	}
	c.heldEOF = false
	c.loop.countRead(nil)
	c.readEOF()
}

// completed handles one completion of this transport's operations.
func (c *tcpConn) completed(cp *reactors.Completion) {
	if !since(cp.Tag, c.firstTag) {
		return // an operation of the descriptor's earlier owner
	}
	switch cp.Op {
	case reactors.OpRecv:
		c.received(cp)
	case reactors.OpSend:
		c.sent(cp)
	case reactors.OpAccept:
		if cp.Res >= 0 {
			_ = unix.Close(cp.Res)
		}
	}
}

// received handles a Recv completion: bytes, the end of the stream, or an
// error. Bytes that come once reading stopped (a Recv being cancelled
// still completes) are held for ResumeProducing, never dropped, unless the
// connection is closing.
func (c *tcpConn) received(cp *reactors.Completion) {
	if cp.Tag == c.recvTag && !cp.More {
		c.recvTag = 0 // that Recv has ended
	}
	if c.lost || c.disconnecting || c.readShut {
		return
	}
	switch {
	case cp.Res > 0 && (!c.reading || len(c.held) > 0):
		c.held = append(c.held, cp.Data...)
	case cp.Res > 0:
		c.loop.countRead(nil)
		c.dataReceived(cp.Data)
	case cp.Res == 0 && (!c.reading || len(c.held) > 0):
		c.heldEOF = true
	case cp.Res == 0:
		c.loop.countRead(nil)
		c.readEOF()
		return
	case cp.Res == -int(unix.ECANCELED), cp.Res == -int(unix.ENOBUFS):
		// Stopped, or the buffers ran out: nothing was received, and a
		// Recv armed again once buffers return reads it.
	default:
		c.ConnectionLost(fmt.Errorf("%w: recv: %w", ErrConnectionLost, unix.Errno(-cp.Res)))
		return
	}
	if c.reading && c.recvTag == 0 && !c.lost && !c.readShut {
		if err := c.startRecv(); err != nil {
			c.ConnectionLost(fmt.Errorf("%w: %v", ErrConnectionLost, err))
		}
	}
}

// sent handles a Send completion.
func (c *tcpConn) sent(cp *reactors.Completion) {
	if cp.Tag != c.sendTag || c.lost {
		return
	}
	c.sendTag = 0
	if cp.Res < 0 {
		c.writeFailed(unix.Errno(-cp.Res))
		return
	}
	if c.off += cp.Res; c.buffered() == 0 {
		c.releasePending()
	}
	if c.writing {
		c.queueFlush()
	}
}

// watch starts accepting: a multishot Accept on a Completer, else readiness.
func (p *Port) watch() error {
	if p.loop.ring == nil {
		return p.loop.AddReader(p)
	}
	p.acceptTag = p.loop.nextTag()
	if err := p.loop.ring.Accept(p.fd, p.acceptTag); err != nil {
		p.acceptTag = 0
		return err
	}
	p.loop.setHandler(p.fd, p)
	return nil
}

// unwatch stops accepting.
func (p *Port) unwatch() {
	if p.loop.ring == nil {
		p.loop.RemoveReader(p)
		return
	}
	if p.acceptTag != 0 {
		_ = p.loop.ring.Cancel(p.fd)
		p.acceptTag = 0
	}
	p.loop.dropHandler(p.fd, p)
}

// completed handles an Accept completion: a connection, or an error that
// ended the multishot Accept, which is armed again unless the port rests.
func (p *Port) completed(cp *reactors.Completion) {
	if cp.Op != reactors.OpAccept || !since(cp.Tag, p.firstTag) {
		if cp.Op == reactors.OpAccept && cp.Res >= 0 {
			_ = unix.Close(cp.Res) // accepted for an earlier port
		}
		return
	}
	if cp.Tag == p.acceptTag && !cp.More {
		p.acceptTag = 0
	}
	switch {
	case cp.Res >= 0 && p.closed:
		_ = unix.Close(cp.Res)
	case cp.Res >= 0:
		p.exhausted = false
		sa, err := unix.Getpeername(cp.Res)
		if err != nil { // reset before it was served
			_ = unix.Close(cp.Res)
			break
		}
		p.serve(cp.Res, sa)
	case cp.Res == -int(unix.EMFILE), cp.Res == -int(unix.ENFILE):
		p.shedWaiting(unix.Errno(-cp.Res))
		// An Accept armed again would fail at once, waiting clients or
		// not (the kernel takes the descriptor first): rest instead.
		if !p.resting {
			p.rest()
		}
	case cp.Res == -int(unix.ECANCELED), cp.Res == -int(unix.EINTR), cp.Res == -int(unix.EAGAIN):
	default:
		p.logAcceptError(unix.Errno(-cp.Res))
	}
	if p.acceptTag == 0 && !p.closed && !p.resting {
		if err := p.watch(); err != nil {
			p.logAcceptError(err)
		}
	}
}
