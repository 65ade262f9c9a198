package coretest

import (
	"net"
	"slices"

	"github.com/reactorbench/reactorbench/core"
)

// ProducerState is what was last asked of a StringTransport as a producer.
type ProducerState uint8

// The states of a StringTransport as a producer.
const (
	Producing ProducerState = iota
	Paused
	Stopped
)

// String names the state as Twisted's StringTransport.producerState does.
func (s ProducerState) String() string {
	switch s {
	case Producing:
		return "producing"
	case Paused:
		return "paused"
	case Stopped:
		return "stopped"
	}
	return "unknown"
}

// StringTransport is an in-memory Transport for testing protocols without
// sockets (Twisted's twisted.internet.testing.StringTransport): it records
// what is written and how the protocol asked to close, holds the registered
// producer, and never calls the protocol back. The zero value is ready to
// use; feed the protocol with its DataReceived yourself.
type StringTransport struct {
	// HostAddr and PeerAddr are what GetHost and GetPeer return; when nil,
	// 10.0.0.1:12345 and 192.168.1.1:54321 as in Twisted.
	HostAddr, PeerAddr net.Addr

	out           []byte
	disconnecting bool
	aborted       bool
	writeClosed   bool
	producer      core.PullProducer
	streaming     bool
	state         ProducerState
}

// NewStringTransport returns an empty StringTransport.
func NewStringTransport() *StringTransport { return &StringTransport{} }

// Value returns a copy of everything written since the last Clear.
func (t *StringTransport) Value() []byte { return slices.Clone(t.out) }

// Clear forgets what was written.
func (t *StringTransport) Clear() { t.out = t.out[:0] }

// Write records b. Like a real transport it keeps recording after
// LoseConnection: bytes written before the flush still go out.
func (t *StringTransport) Write(b []byte) { t.out = append(t.out, b...) }

// WriteSequence records each slice in order.
func (t *StringTransport) WriteSequence(bs [][]byte) {
	for _, b := range bs {
		t.out = append(t.out, b...)
	}
}

// LoseConnection marks the transport as disconnecting.
func (t *StringTransport) LoseConnection() { t.disconnecting = true }

// AbortConnection marks the transport as aborted and disconnecting.
func (t *StringTransport) AbortConnection() { t.aborted, t.disconnecting = true, true }

// LoseWriteConnection marks the write side as closed.
func (t *StringTransport) LoseWriteConnection() { t.writeClosed = true }

// Disconnecting reports whether LoseConnection or AbortConnection was called.
func (t *StringTransport) Disconnecting() bool { return t.disconnecting }

// Aborted reports whether AbortConnection was called.
func (t *StringTransport) Aborted() bool { return t.aborted }

// WriteClosed reports whether LoseWriteConnection was called.
func (t *StringTransport) WriteClosed() bool { return t.writeClosed }

// GetHost returns HostAddr, or 10.0.0.1:12345.
func (t *StringTransport) GetHost() net.Addr {
	if t.HostAddr == nil {
		return &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 12345}
	}
	return t.HostAddr
}

// GetPeer returns PeerAddr, or 192.168.1.1:54321.
func (t *StringTransport) GetPeer() net.Addr {
	if t.PeerAddr == nil {
		return &net.TCPAddr{IP: net.IPv4(192, 168, 1, 1), Port: 54321}
	}
	return t.PeerAddr
}

// RegisterProducer keeps p; a second one fails with ErrProducerRegistered.
// Unlike a real transport it never calls p.
func (t *StringTransport) RegisterProducer(p core.PullProducer, streaming bool) error {
	if t.producer != nil {
		return core.ErrProducerRegistered
	}
	t.producer, t.streaming = p, streaming
	return nil
}

// UnregisterProducer forgets the producer.
func (t *StringTransport) UnregisterProducer() { t.producer, t.streaming = nil, false }

// Producer returns the registered producer (nil if none) and whether it was
// registered as streaming.
func (t *StringTransport) Producer() (p core.PullProducer, streaming bool) {
	return t.producer, t.streaming
}

// PauseProducing records that the protocol paused reading, unless stopped.
func (t *StringTransport) PauseProducing() {
	if t.state != Stopped {
		t.state = Paused
	}
}

// ResumeProducing records that the protocol resumed reading, unless stopped.
func (t *StringTransport) ResumeProducing() {
	if t.state != Stopped {
		t.state = Producing
	}
}

// StopProducing records that the protocol stopped the transport for good.
func (t *StringTransport) StopProducing() { t.state = Stopped }

// ProducerState is what was last asked of the transport as a producer.
func (t *StringTransport) ProducerState() ProducerState { return t.state }
