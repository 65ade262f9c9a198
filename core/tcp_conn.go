package core

import (
	"errors"
	"fmt"
	"log"
	"net"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/reactors"
)

// Transport tuning, as in Twisted's abstract.FileDescriptor.
const (
	// HighWaterMark is the buffered byte count above which a streaming
	// producer is paused (exactly HighWaterMark does not pause).
	HighWaterMark = 64 << 10
	// readBufferSize is the size of the loop's shared read buffer: one
	// read syscall per readiness reads at most this much.
	readBufferSize = 64 << 10
	// sendLimit caps one write syscall from the buffer, so one connection
	// with a large backlog does not starve the others in a pass.
	sendLimit = 128 << 10
	// keepBufferCap is the largest write buffer a connection keeps once
	// drained; bigger ones go back to a shared pool (see bigBuffers).
	keepBufferCap = 64 << 10
	// sendBufferSize is the smallest write buffer.
	sendBufferSize = 4 << 10
)

// ErrProducerRegistered is returned by RegisterProducer when a producer is
// already registered.
var ErrProducerRegistered = errors.New("core: a producer is already registered on this transport")

// tcpConn is one connected TCP socket: the Transport its Protocol writes to,
// and the Read/WriteDescriptor the loop dispatches to.
type tcpConn struct {
	loop  *Loop
	fd    int
	proto Protocol
	rbuf  *[readBufferSize]byte // the loop's shared read buffer
	// connector is set for client connections, to report the loss.
	connector *Connector

	host, peer net.Addr

	// pending is the write buffer: bytes pending[off:] are still to send.
	// big holds it while it is larger than keepBufferCap.
	pending []byte
	off     int
	big     *[]byte
	// writeErr is a send error seen inside Write, reported on the next
	// DoWrite so the protocol is never told re-entrantly.
	writeErr error

	producer       PullProducer
	streaming      bool
	producerPaused bool

	reading, writing bool // registered with the loop
	readPaused       bool // the transport was paused as a producer
	readShut         bool // the peer shut its write side (half-close)
	disconnecting    bool // LoseConnection called: flush, then close
	writeClosing     bool // LoseWriteConnection called: flush, then shut
	writeShut        bool // our write side is shut
	aborted          bool
	lost             bool // ConnectionLost ran

	// The completion driver's state (see tcp_completion.go).
	ring     reactors.Completer // nil: the readiness driver
	firstTag uint32             // tags before it are an earlier owner's
	recvTag  uint32             // the live Recv, 0 if none
	sendTag  uint32             // the Send in flight, 0 if none
	held     []byte             // received while reading was stopped
	heldEOF  bool               // the end of stream came while stopped
	flushing bool               // in the loop's flush queue
}

// newTCPConn wraps a connected non-blocking socket.
func newTCPConn(l *Loop, fd int, peer net.Addr) *tcpConn {
	l.conns.Add(1)
	if l.ring != nil {
		c := &tcpConn{loop: l, fd: fd, peer: peer, ring: l.ring, firstTag: l.tags + 1}
		l.setHandler(fd, c)
		l.own(c)
		return c
	}
	c := &tcpConn{loop: l, fd: fd, peer: peer, rbuf: l.tcpReadBuffer()}
	l.own(c)
	return c
}

// start attaches the protocol, starts reading and calls ConnectionMade.
func (c *tcpConn) start(p Protocol) {
	c.proto = p
	c.startReading()
	defer c.recoverAs("ConnectionMade")
	p.ConnectionMade(c)
}

// recoverAs logs a panic in the protocol's method and makes it the
// connection's loss reason; the loop goes on. Call it deferred.
func (c *tcpConn) recoverAs(method string) {
	if r := recover(); r != nil {
		c.ConnectionLost(handlerPanic(method, r))
	}
}

func (c *tcpConn) startReading() {
	if !c.reading && !c.lost && !c.readPaused && !c.readShut && !c.disconnecting {
		c.reading = true
		if err := c.watchReads(); err != nil {
			c.reading = false
			c.lostNextPass(fmt.Errorf("%w: %v", ErrConnectionLost, err))
		}
	}
}

// watchReads starts the reads: a Recv on a Completer, else readiness.
func (c *tcpConn) watchReads() error {
	if c.ring != nil {
		return c.startRecv()
	}
	return c.loop.AddReader(c)
}

func (c *tcpConn) stopReading() {
	if c.reading {
		c.reading = false
		if c.ring != nil {
			c.stopRecv()
			return
		}
		c.loop.RemoveReader(c)
	}
}

// startWriting asks for a DoWrite once the socket is writable, or, on a
// Completer, for a flush before the next wait.
func (c *tcpConn) startWriting() {
	if !c.writing && !c.lost {
		c.writing = true
		if c.ring != nil {
			c.queueFlush()
			return
		}
		if err := c.loop.AddWriter(c); err != nil {
			c.writing = false
			c.lostNextPass(fmt.Errorf("%w: %v", ErrConnectionLost, err))
		}
	}
}

func (c *tcpConn) stopWriting() {
	if c.writing {
		c.writing = false
		if c.ring == nil {
			c.loop.RemoveWriter(c)
		}
	}
}

// Fileno returns the socket, or -1 once it is closed.
func (c *tcpConn) Fileno() int { return c.fd }

// forgetFileno drops a number that was closed behind the transport's back
// and now belongs to another descriptor; the loop has unregistered it.
func (c *tcpConn) forgetFileno() {
	c.fd = -1
	c.reading, c.writing = false, false
}

// DoRead reads once into the loop's shared buffer and hands the bytes to
// the protocol.
func (c *tcpConn) DoRead() error {
	if !c.reading || c.ring != nil {
		return nil
	}
	if c.writeErr != nil {
		// Write consumed the socket's error; a read would now see EOF.
		c.writeFailed(c.writeErr)
		return nil
	}
	buf := c.rbuf[:]
	n, err := unix.Read(c.fd, buf)
	c.loop.countRead(err)
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
	case err != nil:
		c.ConnectionLost(fmt.Errorf("%w: read: %w", ErrConnectionLost, err))
	case n == 0:
		c.readEOF()
	default:
		c.dataReceived(buf[:n])
	}
	return nil
}

func (c *tcpConn) dataReceived(b []byte) {
	defer c.recoverAs("DataReceived")
	c.proto.DataReceived(b)
}

// readEOF handles the peer shutting its write side. A half-closeable
// protocol hears ReadConnectionLost and may go on writing. Any other
// protocol is closed as by LoseConnection: what it wrote is flushed first,
// so a peer that half-closes and then reads gets every byte (Twisted drops
// the buffer here).
func (c *tcpConn) readEOF() {
	c.stopReading()
	c.readShut = true
	hc, ok := c.proto.(HalfCloseableProtocol)
	if !ok {
		if c.buffered() == 0 && c.writeErr == nil {
			c.ConnectionLost(ErrConnectionDone)
			return
		}
		c.disconnecting = true
		c.startWriting()
		return
	}
	defer c.recoverAs("ReadConnectionLost")
	hc.ReadConnectionLost()
}

// Write sends b now if nothing is queued, and buffers what did not go out.
func (c *tcpConn) Write(b []byte) {
	c.loop.owner.check("Transport.Write")
	if len(b) == 0 || c.lost || c.writeShut || c.aborted {
		return
	}
	if c.buffered() == 0 && c.writeErr == nil && c.ring == nil {
		n, err := unix.Write(c.fd, b)
		c.loop.countWrite(err)
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			c.writeErr = err
			c.startWriting()
			return
		}
		if n > 0 {
			b = b[n:]
		}
		if len(b) == 0 {
			c.wantPull()
			return
		}
	}
	c.appendPending(b)
	c.startWriting()
	c.checkHighWater()
}

// WriteSequence writes the slices in order, as one Write of their
// concatenation: one writev syscall when nothing is queued, none when
// the slices are all empty.
func (c *tcpConn) WriteSequence(bs [][]byte) {
	c.loop.owner.check("Transport.WriteSequence")
	if c.lost || c.writeShut || c.aborted || !hasBytes(bs) {
		return
	}
	if c.buffered() == 0 && c.writeErr == nil && len(bs) <= maxIovecs && c.ring == nil {
		n, err := writev(c.fd, bs)
		c.loop.countWrite(err)
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			c.writeErr = err
			c.startWriting()
			return
		}
		// Skip what went out, without touching the caller's slices.
		for len(bs) > 0 && n >= len(bs[0]) {
			n -= len(bs[0])
			bs = bs[1:]
		}
		if len(bs) > 0 && n > 0 {
			c.appendPending(bs[0][n:])
			bs = bs[1:]
		}
	}
	queued := c.buffered() > 0
	for _, b := range bs {
		if len(b) > 0 {
			c.appendPending(b)
			queued = true
		}
	}
	if queued {
		c.startWriting()
		c.checkHighWater()
	} else {
		c.wantPull()
	}
}

// hasBytes reports whether any of the slices is non-empty.
func hasBytes(bs [][]byte) bool {
	for _, b := range bs {
		if len(b) > 0 {
			return true
		}
	}
	return false
}

// wantPull asks for a DoWrite after a write that went out whole, so that
// a pull producer hears ResumeProducing once the socket takes more.
func (c *tcpConn) wantPull() {
	if c.producer != nil && !c.streaming {
		c.startWriting()
	}
}

// maxIovecs bounds the slices WriteSequence hands to one writev, well
// under IOV_MAX; longer sequences are buffered and flushed by DoWrite.
const maxIovecs = 64

func (c *tcpConn) buffered() int { return len(c.pending) - c.off }

// appendPending copies b into the write buffer, sliding the unsent part to
// the front instead of growing when that makes room and no Send is reading
// it.
func (c *tcpConn) appendPending(b []byte) {
	if len(c.pending)+len(b) > cap(c.pending) {
		if n := c.buffered(); n+len(b) <= cap(c.pending) && c.sendTag == 0 {
			copy(c.pending, c.pending[c.off:])
			c.pending, c.off = c.pending[:n], 0
		} else {
			c.grow(n + len(b))
		}
	}
	c.pending = append(c.pending, b...)
}

// bigBuffers recycles write buffers larger than keepBufferCap: a
// connection streaming big writes reuses one instead of allocating per
// write, and an idle connection holds none.
var bigBuffers sync.Pool // *[]byte

// grow moves the unsent bytes into a buffer with room for need bytes.
func (c *tcpConn) grow(need int) {
	var nb []byte
	var holder *[]byte
	if need > keepBufferCap {
		if h, ok := bigBuffers.Get().(*[]byte); ok && cap(*h) >= need {
			nb, holder = (*h)[:0], h
		}
	}
	if nb == nil && c.ring != nil && cap(c.pending) == 0 && need <= sendBufferSize {
		nb = c.loop.sendBuffer()
	}
	if nb == nil {
		nb = make([]byte, 0, max(need, 2*cap(c.pending), sendBufferSize))
		if cap(nb) > keepBufferCap {
			holder = new([]byte)
		}
	}
	nb = append(nb, c.pending[c.off:]...)
	c.releasePending()
	c.pending, c.big = nb, holder
}

// releasePending empties the buffer, keeping a small one and handing a
// big one back to bigBuffers. A buffer a Send is reading is dropped
// instead: the Completer holds it until the kernel is done with it.
func (c *tcpConn) releasePending() {
	if c.sendTag != 0 {
		c.pending, c.big, c.off = nil, nil, 0
		return
	}
	if c.big != nil {
		*c.big = c.pending[:0]
		bigBuffers.Put(c.big)
		c.pending, c.big = nil, nil
	}
	if c.ring != nil && cap(c.pending) == sendBufferSize {
		// Every write is buffered here: an idle connection keeps none.
		c.loop.keepSendBuffer(c.pending)
		c.pending = nil
	}
	c.pending, c.off = c.pending[:0], 0
}

// checkHighWater pauses a streaming producer once the buffer passes the mark.
func (c *tcpConn) checkHighWater() {
	if c.streaming && !c.producerPaused && c.producer != nil && c.buffered() > HighWaterMark {
		c.producerPaused = true
		c.producer.(PushProducer).PauseProducing()
	}
}

// DoWrite flushes the buffer; once it is empty it resumes the producer and
// finishes a pending LoseConnection or LoseWriteConnection.
func (c *tcpConn) DoWrite() error {
	if c.lost || !c.writing || c.ring != nil {
		return nil
	}
	if c.writeErr != nil {
		c.writeFailed(c.writeErr)
		return nil
	}
	if c.buffered() > 0 {
		end := min(len(c.pending), c.off+sendLimit)
		n, err := unix.Write(c.fd, c.pending[c.off:end])
		c.loop.countWrite(err)
		switch {
		case err == unix.EAGAIN || err == unix.EINTR:
			return nil
		case err != nil:
			c.writeFailed(err)
			return nil
		}
		if c.off += n; c.buffered() > 0 {
			return nil
		}
		c.releasePending()
	}
	c.drained()
	return nil
}

// drained resumes the producer once the buffer is empty, then finishes a
// pending LoseConnection or LoseWriteConnection.
func (c *tcpConn) drained() {
	c.stopWriting()
	if c.producer != nil && (!c.streaming || c.producerPaused) {
		c.producerPaused = false
		c.producer.ResumeProducing()
		if c.lost || c.buffered() > 0 {
			return
		}
	}
	// A closing connection waits for a producer only while it writes.
	switch {
	case c.disconnecting:
		c.ConnectionLost(ErrConnectionDone)
	case c.writeClosing && !c.writeShut:
		c.shutWrite()
	}
}

func (c *tcpConn) writeFailed(err error) {
	c.ConnectionLost(fmt.Errorf("%w: write: %w", ErrConnectionLost, err))
}

// shutWrite half-closes the socket and tells the protocol.
func (c *tcpConn) shutWrite() {
	c.writeShut = true
	if err := unix.Shutdown(c.fd, unix.SHUT_WR); err != nil {
		c.ConnectionLost(fmt.Errorf("%w: shutdown: %w", ErrConnectionLost, err))
		return
	}
	if wc, ok := c.proto.(WriteClosedProtocol); ok {
		defer c.recoverAs("WriteConnectionLost")
		wc.WriteConnectionLost()
	}
}

// LoseConnection stops reading, flushes the buffer, then closes. The
// protocol hears ConnectionLost(ErrConnectionDone) on a later pass.
func (c *tcpConn) LoseConnection() {
	c.loop.owner.check("Transport.LoseConnection")
	if c.lost || c.disconnecting || c.aborted {
		return
	}
	c.disconnecting = true
	c.stopReading()
	if c.writeShut {
		c.lostNextPass(ErrConnectionDone)
		return
	}
	c.startWriting()
}

// LoseWriteConnection flushes the buffer, then shuts the write side.
func (c *tcpConn) LoseWriteConnection() {
	c.loop.owner.check("Transport.LoseWriteConnection")
	if c.lost || c.writeClosing || c.aborted {
		return
	}
	c.writeClosing = true
	c.startWriting()
}

// AbortConnection drops the buffer and closes with a reset; the protocol
// hears ConnectionLost(ErrConnectionAborted) on the next pass.
func (c *tcpConn) AbortConnection() {
	c.loop.owner.check("Transport.AbortConnection")
	if c.lost || c.aborted {
		return
	}
	c.aborted = true
	c.releasePending()
	c.pending = nil
	c.stopReading()
	c.stopWriting()
	c.lostNextPass(ErrConnectionAborted)
}

// Disconnecting reports whether LoseConnection or AbortConnection was
// called, or the connection is gone (Twisted's transport.disconnecting).
// Receivers check it to stop delivering what they buffered.
func (c *tcpConn) Disconnecting() bool { return c.disconnecting || c.aborted || c.lost }

// lostNextPass schedules ConnectionLost, so a protocol calling in is never
// told re-entrantly.
func (c *tcpConn) lostNextPass(reason error) {
	c.loop.CallLater(0, func() { c.ConnectionLost(reason) })
}

// ConnectionLost closes the socket and tells the producer, the protocol and
// (for clients) the factory, once.
func (c *tcpConn) ConnectionLost(reason error) {
	if c.lost {
		return
	}
	c.lost = true
	c.loop.conns.Add(-1)
	c.stopReading()
	c.stopWriting()
	c.loop.disown(c)
	if c.ring != nil {
		c.loop.dropHandler(c.fd, c)
		c.held = nil
	}
	if c.fd >= 0 {
		if c.ring != nil {
			// Before the close, while the number is still this socket's.
			_ = c.ring.Cancel(c.fd)
		}
		if c.aborted {
			// SO_LINGER {on, 0} makes close send RST instead of FIN.
			_ = unix.SetsockoptLinger(c.fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
		}
		_ = unix.Close(c.fd)
		c.fd = -1
	}
	c.releasePending()
	c.pending = nil
	if p := c.producer; p != nil {
		c.producer = nil
		p.StopProducing()
	}
	c.tellLost(reason)
	if c.connector != nil {
		c.connector.connectionLost(reason)
	}
}

// tellLost calls the protocol's ConnectionLost; a panic there is logged,
// since the connection is already gone.
func (c *tcpConn) tellLost(reason error) {
	defer func() {
		if r := recover(); r != nil {
			log.Printf("core: ConnectionLost of %T panicked: %v", c.proto, r)
		}
	}()
	c.proto.ConnectionLost(reason)
}

// GetHost is the local address (empty once the connection is gone, if it
// was never asked before).
func (c *tcpConn) GetHost() net.Addr {
	if c.host == nil {
		if c.fd < 0 {
			return &net.TCPAddr{}
		}
		c.host = localAddr(c.fd)
	}
	return c.host
}

// GetPeer is the remote address.
func (c *tcpConn) GetPeer() net.Addr { return c.peer }

// RegisterProducer attaches p; see Transport.
func (c *tcpConn) RegisterProducer(p PullProducer, streaming bool) error {
	c.loop.owner.check("Transport.RegisterProducer")
	if c.producer != nil {
		return ErrProducerRegistered
	}
	if _, ok := p.(PushProducer); streaming && !ok {
		return errors.New("core: a streaming producer must implement PushProducer")
	}
	if c.lost || c.aborted {
		p.StopProducing()
		return nil
	}
	c.producer, c.streaming, c.producerPaused = p, streaming, false
	if !streaming {
		p.ResumeProducing()
	}
	return nil
}

// UnregisterProducer detaches the producer; a pending LoseConnection or
// LoseWriteConnection that waited for it proceeds.
func (c *tcpConn) UnregisterProducer() {
	c.loop.owner.check("Transport.UnregisterProducer")
	c.producer, c.streaming, c.producerPaused = nil, false, false
	if c.disconnecting || c.writeClosing {
		c.startWriting()
	}
}

// PauseProducing stops reading from the socket.
func (c *tcpConn) PauseProducing() {
	c.loop.owner.check("Transport.PauseProducing")
	c.readPaused = true
	c.stopReading()
}

// ResumeProducing reads again, unless the connection is closing or gone.
func (c *tcpConn) ResumeProducing() {
	c.loop.owner.check("Transport.ResumeProducing")
	c.readPaused = false
	c.startReading()
}

// StopProducing is LoseConnection.
func (c *tcpConn) StopProducing() {
	c.loop.owner.check("Transport.StopProducing")
	c.LoseConnection()
}
