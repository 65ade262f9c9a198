package protocols

import (
	"net"

	"github.com/reactorbench/reactorbench/core"
)

// Echo writes back everything it receives (Twisted's
// twisted.protocols.wire.Echo), and is half-closeable. It registers its transport as its own
// streaming producer, so a peer that does not read pauses the reading side
// once HighWaterMark bytes wait, and the server's memory stays bounded.
type Echo struct {
	core.BaseProtocol
}

// ConnectionMade registers the transport as its own producer.
func (e *Echo) ConnectionMade(t core.Transport) {
	e.Transport = t
	_ = t.RegisterProducer(t, true)
}

// DataReceived writes data back.
func (e *Echo) DataReceived(data []byte) { e.Transport.Write(data) }

// ReadConnectionLost closes once everything echoed is flushed: a peer that
// half-closes (nc -N) and then reads gets its whole echo.
func (e *Echo) ReadConnectionLost() { e.Transport.LoseConnection() }

// EchoFactory builds an Echo for every connection.
var EchoFactory core.Factory = core.FactoryFunc(func(net.Addr) core.Protocol { return new(Echo) })
