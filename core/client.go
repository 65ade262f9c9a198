package core

import (
	"errors"
	"net"
	"time"

	"github.com/reactorbench/reactorbench/core/deferred"
)

// BaseClientFactory is embedded by client factories that only build
// protocols: it ignores failed attempts and lost connections (the base
// behaviour of Twisted's ClientFactory). The embedding type supplies
// BuildProtocol.
type BaseClientFactory struct{}

// ClientConnectionFailed does nothing.
func (BaseClientFactory) ClientConnectionFailed(*Connector, error) {}

// ClientConnectionLost does nothing.
func (BaseClientFactory) ClientConnectionLost(*Connector, error) {}

// ConnectProtocol connects to addr with p as the connection's protocol
// (Twisted's connectProtocol): the Deferred fires with p once
// p.ConnectionMade has run, or fails with the attempt's *OpError (refused,
// timed out, unresolvable host) or the error of a malformed address.
// Cancelling it while connecting abandons the attempt. A zero timeout
// means DefaultConnectTimeout. Call it on the loop's goroutine.
func ConnectProtocol(r TCP, addr string, p Protocol, timeout time.Duration) *deferred.Deferred {
	f := &protocolFactory{proto: p}
	f.done = deferred.New(func(*deferred.Deferred) {
		if f.connector != nil {
			_ = f.connector.StopConnecting()
		}
	})
	if p == nil {
		_ = f.done.Errback(errNilProtocol)
		return f.done
	}
	c, err := r.ConnectTCP(addr, f, timeout)
	if err != nil {
		_ = f.done.Errback(err)
		return f.done
	}
	f.connector = c
	return f.done
}

var errNilProtocol = errors.New("core: ConnectProtocol with a nil Protocol")

// protocolFactory serves ConnectProtocol: one protocol, one outcome.
type protocolFactory struct {
	BaseClientFactory
	proto     Protocol
	connector *Connector
	done      *deferred.Deferred
}

func (f *protocolFactory) BuildProtocol(net.Addr) Protocol {
	p := f.proto
	f.proto = nil // one connection only
	return p
}

func (f *protocolFactory) ClientConnectionFailed(_ *Connector, reason error) {
	if !f.done.Called() {
		_ = f.done.Errback(reason)
	}
}

// connected is called by the Connector once the protocol's ConnectionMade
// has run.
func (f *protocolFactory) connected(p Protocol) {
	if !f.done.Called() {
		_ = f.done.Callback(p)
	}
}

// connectedNotifier is a factory that wants to hear when a protocol it
// built has been given its connection.
type connectedNotifier interface{ connected(p Protocol) }
