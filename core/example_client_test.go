package core_test

import (
	"fmt"
	"net"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/deferred"
)

// greetingClient prints what the server says, and hangs up once it has
// heard "hello, world".
type greetingClient struct {
	core.BaseProtocol
	heard []byte
	done  func()
}

func (c *greetingClient) DataReceived(data []byte) {
	c.heard = append(c.heard, data...)
	if string(c.heard) == "hello, world" {
		fmt.Println(string(c.heard))
		c.Transport.LoseConnection()
	}
}

func (c *greetingClient) ConnectionLost(error) { c.done() }

// Twisted's
//
//	d = connectProtocol(endpoint, Greeter())
//	d.addCallback(lambda p: p.transport.write(b"world"))
//
// in Go: ConnectProtocol connects and fires with the protocol once its
// ConnectionMade has run, or fails with why it could not connect.
func ExampleConnectProtocol() {
	reactor, err := core.Open("default")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reactor.Close()
	port, err := reactor.ListenTCP("127.0.0.1:0", core.FactoryFunc(func(net.Addr) core.Protocol { return new(MyProtocol) }))
	if err != nil {
		fmt.Println(err)
		return
	}

	client := &greetingClient{done: func() { _ = reactor.Stop() }}
	d := core.ConnectProtocol(reactor, port.GetHost().String(), client, 0)
	d.AddCallback(func(p any) (any, error) {
		p.(*greetingClient).Transport.Write([]byte("world"))
		return nil, nil
	})
	d.AddErrback(func(f *deferred.Failure) (any, error) {
		fmt.Println("cannot connect:", f)
		_ = reactor.Stop()
		return nil, nil
	})
	if err := reactor.Run(); err != nil {
		fmt.Println(err)
	}
	// Output: hello, world
}
