package coretest

import (
	"errors"
	"net"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/deferred"
)

// ErrLoopbackIdle is returned by Loopback when neither side has anything
// left to deliver but the connection is still open.
var ErrLoopbackIdle = errors.New("core: loopback is idle but neither side closed the connection")

// LoopbackPair connects a server and a client Protocol in memory (Twisted's
// twisted.protocols.loopback): what one side writes, the other receives on
// the next Pump, in order. LoseConnection delivers the closing side's
// buffered bytes, then both sides get ConnectionLost(ErrConnectionDone);
// AbortConnection drops them, and the aborting side gets
// ErrConnectionAborted, the other ErrConnectionLost. LoseWriteConnection
// half-closes: the peer gets ReadConnectionLost if it is a
// HalfCloseableProtocol, else the connection closes. A paused transport
// receives nothing until resumed. Protocols are never called re-entrantly
// from their own transport calls, only from Pump. Use it on one goroutine.
type LoopbackPair struct {
	server, client *loopbackTransport
	closed         bool
	pumping        bool
	// kick, when set, is called when there is something to pump.
	kick func()
}

// NewLoopbackPair connects server, then client (each gets ConnectionMade)
// without pumping anything yet.
func NewLoopbackPair(server, client core.Protocol) *LoopbackPair {
	return newLoopbackPair(server, client, nil)
}

func newLoopbackPair(server, client core.Protocol, kick func()) *LoopbackPair {
	p := &LoopbackPair{kick: kick}
	p.server = &loopbackTransport{pair: p, proto: server, host: loopbackAddr("server"), peerAddr: loopbackAddr("client")}
	p.client = &loopbackTransport{pair: p, proto: client, host: loopbackAddr("client"), peerAddr: loopbackAddr("server")}
	p.server.peer, p.client.peer = p.client, p.server
	server.ConnectionMade(p.server)
	client.ConnectionMade(p.client)
	return p
}

// Loopback connects server and client and pumps until the connection is
// closed (nil) or neither side has anything to deliver (ErrLoopbackIdle).
func Loopback(server, client core.Protocol) error {
	if NewLoopbackPair(server, client).Pump() {
		return nil
	}
	return ErrLoopbackIdle
}

// LoopbackAsync connects server and client and pumps on s, soon after each
// write or close, until the connection is closed; the Deferred then fires
// with nil (Twisted's loopbackAsync). Pumps run from s.CallLater(0, ...), so
// drive s as usual (a Loop runs them; a Clock needs Advance(0)).
func LoopbackAsync(s core.Scheduler, server, client core.Protocol) *deferred.Deferred {
	d := deferred.New(nil)
	var p *LoopbackPair
	scheduled := false
	pump := func() {
		scheduled = false
		if p.Pump() {
			_ = d.Callback(nil)
		}
	}
	kick := func() {
		if !scheduled {
			scheduled = true
			s.CallLater(0, pump)
		}
	}
	p = newLoopbackPair(server, client, kick)
	kick()
	return d
}

// ServerTransport is the server protocol's transport.
func (p *LoopbackPair) ServerTransport() core.Transport { return p.server }

// ClientTransport is the client protocol's transport.
func (p *LoopbackPair) ClientTransport() core.Transport { return p.client }

// Closed reports whether both sides have lost the connection.
func (p *LoopbackPair) Closed() bool { return p.closed }

// Pump delivers written bytes and close requests until nothing is left to
// do, and reports whether the connection is closed. Called from inside a
// protocol during a Pump, it does nothing.
func (p *LoopbackPair) Pump() bool {
	if p.pumping {
		return p.closed
	}
	p.pumping = true
	defer func() { p.pumping = false }()
	for !p.closed {
		moved := p.server.deliver()
		moved = p.client.deliver() || moved
		if !p.settle() && !moved {
			break
		}
	}
	return p.closed
}

// settle carries out aborts, closes and half-closes whose bytes are
// delivered; it reports whether it did anything.
func (p *LoopbackPair) settle() bool {
	s, c := p.server, p.client
	switch {
	case s.aborted || c.aborted:
		rs, rc := core.ErrConnectionLost, core.ErrConnectionLost
		if s.aborted {
			rs = core.ErrConnectionAborted
		}
		if c.aborted {
			rc = core.ErrConnectionAborted
		}
		p.close(rs, rc)
	case s.disconnecting && len(s.out) == 0, c.disconnecting && len(c.out) == 0,
		s.writeShut && c.writeShut:
		p.close(core.ErrConnectionDone, core.ErrConnectionDone)
	default:
		shutS := s.shutWrite()
		shutC := c.shutWrite()
		return shutS || shutC
	}
	return true
}

// close ends the connection: producers stop, then each protocol hears
// ConnectionLost, the server first.
func (p *LoopbackPair) close(serverReason, clientReason error) {
	p.closed = true
	for _, side := range []struct {
		t      *loopbackTransport
		reason error
	}{{p.server, serverReason}, {p.client, clientReason}} {
		t := side.t
		t.out, t.lost = nil, true
		if pr := t.producer; pr != nil {
			t.producer = nil
			pr.StopProducing()
		}
		t.proto.ConnectionLost(side.reason)
	}
}

// loopbackAddr names a side of a LoopbackPair.
type loopbackAddr string

// Network is "loopback".
func (a loopbackAddr) Network() string { return "loopback" }

// String is "server" or "client".
func (a loopbackAddr) String() string { return string(a) }

// loopbackTransport is one side's Transport in a LoopbackPair.
type loopbackTransport struct {
	pair           *LoopbackPair
	proto          core.Protocol
	peer           *loopbackTransport
	host, peerAddr net.Addr

	out, spare    []byte // written, not yet delivered; spare is reused
	paused        bool   // the protocol paused its reads
	disconnecting bool
	aborted       bool
	writeClosing  bool // LoseWriteConnection asked
	writeShut     bool // and carried out
	lost          bool

	producer  core.PullProducer
	streaming bool
}

// deliver hands what this side wrote to the peer's protocol, if it reads.
func (t *loopbackTransport) deliver() bool {
	peer := t.peer
	if len(t.out) == 0 || peer.paused || peer.disconnecting || peer.lost {
		return false
	}
	data := t.out
	t.out = t.spare[:0]
	peer.proto.DataReceived(data)
	t.spare = data[:0]
	if len(t.out) == 0 && t.producer != nil && !t.streaming {
		t.producer.ResumeProducing()
	}
	return true
}

// shutWrite carries out a half-close once its bytes are delivered.
func (t *loopbackTransport) shutWrite() bool {
	if !t.writeClosing || t.writeShut || len(t.out) > 0 {
		return false
	}
	t.writeShut = true
	if w, ok := t.proto.(core.WriteClosedProtocol); ok {
		w.WriteConnectionLost()
	}
	if h, ok := t.peer.proto.(core.HalfCloseableProtocol); ok {
		h.ReadConnectionLost()
	} else {
		t.peer.disconnecting = true
	}
	return true
}

func (t *loopbackTransport) kick() {
	if t.pair.kick != nil {
		t.pair.kick()
	}
}

// Write queues b for the peer; it is dropped once the write side is shut or
// the connection is gone.
func (t *loopbackTransport) Write(b []byte) {
	if t.lost || t.aborted || t.writeShut || len(b) == 0 {
		return
	}
	t.out = append(t.out, b...)
	t.kick()
}

// WriteSequence queues each slice in order.
func (t *loopbackTransport) WriteSequence(bs [][]byte) {
	for _, b := range bs {
		t.Write(b)
	}
}

// LoseConnection closes once the queued bytes are delivered.
func (t *loopbackTransport) LoseConnection() {
	if !t.lost {
		t.disconnecting = true
		t.kick()
	}
}

// AbortConnection drops the queue and closes on the next Pump.
func (t *loopbackTransport) AbortConnection() {
	if !t.lost {
		t.aborted, t.disconnecting, t.out = true, true, nil
		t.kick()
	}
}

// LoseWriteConnection shuts the write side once the queue is delivered.
func (t *loopbackTransport) LoseWriteConnection() {
	if !t.lost {
		t.writeClosing = true
		t.kick()
	}
}

// Disconnecting reports whether LoseConnection or AbortConnection was called
// or the connection is gone.
func (t *loopbackTransport) Disconnecting() bool { return t.disconnecting || t.lost }

// GetHost is "server" or "client".
func (t *loopbackTransport) GetHost() net.Addr { return t.host }

// GetPeer is the other side's name.
func (t *loopbackTransport) GetPeer() net.Addr { return t.peerAddr }

// RegisterProducer attaches p as on a TCP transport; a pull producer is
// asked for more each time the queue is delivered, a streaming one is never
// paused (the queue drains on every Pump).
func (t *loopbackTransport) RegisterProducer(p core.PullProducer, streaming bool) error {
	if t.producer != nil {
		return core.ErrProducerRegistered
	}
	if _, ok := p.(core.PushProducer); streaming && !ok {
		return errors.New("core: a streaming producer must implement PushProducer")
	}
	if t.lost {
		p.StopProducing()
		return nil
	}
	t.producer, t.streaming = p, streaming
	if !streaming {
		p.ResumeProducing()
	}
	return nil
}

// UnregisterProducer detaches the producer.
func (t *loopbackTransport) UnregisterProducer() { t.producer, t.streaming = nil, false }

// PauseProducing stops delivering to this side's protocol.
func (t *loopbackTransport) PauseProducing() { t.paused = true }

// ResumeProducing delivers to this side's protocol again.
func (t *loopbackTransport) ResumeProducing() {
	t.paused = false
	t.kick()
}

// StopProducing is LoseConnection.
func (t *loopbackTransport) StopProducing() { t.LoseConnection() }
