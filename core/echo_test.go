package core

import "net"

// Echo is the tests' echo server: package protocols has the public one,
// which core's own tests cannot import. Like it, it registers its transport
// as its own streaming producer, so a peer that does not read pauses it.
type Echo struct{ BaseProtocol }

func (e *Echo) ConnectionMade(t Transport) {
	e.Transport = t
	_ = t.RegisterProducer(t, true)
}

func (e *Echo) DataReceived(data []byte) { e.Transport.Write(data) }

// EchoFactory serves every connection with a new Echo.
var EchoFactory Factory = FactoryFunc(func(net.Addr) Protocol { return new(Echo) })
