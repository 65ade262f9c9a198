package core

import (
	"errors"
	"net"
)

// Reasons a connection ends, passed to ConnectionLost. Test them with
// errors.Is: the reason may wrap one of them with more detail.
var (
	// ErrConnectionDone is a clean close (the peer or we closed in order).
	ErrConnectionDone = errors.New("connection was closed cleanly")
	// ErrConnectionLost is an unclean loss (reset, error, shutdown).
	ErrConnectionLost = errors.New("connection to the other side was lost in a non-clean fashion")
	// ErrConnectionAborted is the reason after AbortConnection.
	ErrConnectionAborted = errors.New("connection was aborted locally")
)

// Protocol reacts to the events of one connection. Its methods run on the
// reactor goroutine and must return promptly.
type Protocol interface {
	// ConnectionMade is called once the connection is up, with its transport.
	ConnectionMade(t Transport)
	// DataReceived is called with bytes as they arrive, in arbitrary chunks.
	// data is only valid until DataReceived returns: copy what you keep.
	DataReceived(data []byte)
	// ConnectionLost is called once, with a reason that errors.Is
	// ErrConnectionDone for a clean close.
	ConnectionLost(reason error)
}

// HalfCloseableProtocol is a Protocol that stays open for writing when the
// peer shuts its write side: it gets ReadConnectionLost instead of
// ConnectionLost, and may keep writing.
type HalfCloseableProtocol interface {
	Protocol
	ReadConnectionLost()
}

// WriteClosedProtocol is told when LoseWriteConnection has flushed and shut
// the write side.
type WriteClosedProtocol interface {
	WriteConnectionLost()
}

// DisconnectingTransport is a Transport that tells whether LoseConnection or
// AbortConnection was called (Twisted's transport.disconnecting). The
// receivers of package protocols deliver nothing more once their transport
// is disconnecting, and drop what they buffered.
type DisconnectingTransport interface {
	Transport
	Disconnecting() bool
}

// BaseProtocol is embedded by protocols that need only some of the events;
// it keeps the transport in Transport.
type BaseProtocol struct {
	Transport Transport
}

// ConnectionMade stores the transport.
func (p *BaseProtocol) ConnectionMade(t Transport) { p.Transport = t }

// DataReceived discards the data.
func (p *BaseProtocol) DataReceived([]byte) {}

// ConnectionLost does nothing.
func (p *BaseProtocol) ConnectionLost(error) {}

// PullProducer writes more when asked (Twisted's non-streaming producer).
type PullProducer interface {
	// ResumeProducing asks for the next chunk of data.
	ResumeProducing()
	// StopProducing says no more data is wanted.
	StopProducing()
}

// PushProducer writes on its own until paused (Twisted's streaming producer).
type PushProducer interface {
	PullProducer
	// PauseProducing asks it to stop writing until ResumeProducing.
	PauseProducing()
}

// Transport is a protocol's side of a connection. Its methods are called on
// the reactor goroutine only.
type Transport interface {
	PushProducer // pausing a transport stops its reads
	// Write sends b, trying the socket first and buffering only what did not
	// go out. b may be reused by the caller after Write returns. Writes after
	// the connection is gone are dropped silently.
	Write(b []byte)
	// WriteSequence writes each slice in order, as one Write of their
	// concatenation.
	WriteSequence(bs [][]byte)
	// LoseConnection flushes what is buffered, then closes. Repeat calls are
	// no-ops.
	LoseConnection()
	// AbortConnection drops the buffer and resets the connection; the
	// protocol gets ConnectionLost(ErrConnectionAborted) on the next pass.
	AbortConnection()
	// LoseWriteConnection flushes, then shuts the write side (half-close).
	LoseWriteConnection()
	// GetHost is the local address; GetPeer the remote one.
	GetHost() net.Addr
	GetPeer() net.Addr
	// RegisterProducer attaches a producer: a PushProducer registered with
	// streaming true is paused above the high-water mark and resumed when
	// the buffer drains; a pull producer gets ResumeProducing each time the
	// buffer empties. Registering a second producer is an error.
	RegisterProducer(p PullProducer, streaming bool) error
	// UnregisterProducer detaches the producer.
	UnregisterProducer()
}

// Factory builds one Protocol per connection. A nil Protocol closes the
// connection at once.
type Factory interface {
	BuildProtocol(addr net.Addr) Protocol
}

// FactoryFunc adapts a function to a Factory.
type FactoryFunc func(addr net.Addr) Protocol

// BuildProtocol calls f.
func (f FactoryFunc) BuildProtocol(addr net.Addr) Protocol { return f(addr) }
