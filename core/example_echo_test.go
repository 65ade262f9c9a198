package core_test

import (
	"fmt"
	"io"
	"net"

	"github.com/reactorbench/reactorbench/core"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// MyProtocol is the Twisted mailing-list example, "someone has connected,
// do something; do stuff with data": here it greets and echoes.
type MyProtocol struct {
	core.BaseProtocol
}

// ConnectionMade runs when someone has connected.
func (p *MyProtocol) ConnectionMade(t core.Transport) {
	p.Transport = t
	t.Write([]byte("hello, "))
}

// DataReceived does stuff with data: it sends it back.
func (p *MyProtocol) DataReceived(data []byte) {
	p.Transport.Write(data)
}

// The Twisted original:
//
//	factory = ServerFactory()
//	factory.protocol = MyProtocol
//	reactor.listenTCP(port, factory)
//	reactor.run()
//
// In Go the factory is a function returning a fresh protocol, and the
// reactor is a Loop on a backend chosen by name. The client here runs on
// another goroutine and stops the reactor when it is done.
func ExampleLoop_ListenTCP() {
	reactor, err := core.Open("default")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reactor.Close()

	factory := core.FactoryFunc(func(net.Addr) core.Protocol { return new(MyProtocol) })
	port, err := reactor.ListenTCP("127.0.0.1:0", factory)
	if err != nil {
		fmt.Println(err)
		return
	}

	go func() {
		defer reactor.CallFromThread(func() { _ = reactor.Stop() })
		conn, err := net.Dial("tcp", port.GetHost().String())
		if err != nil {
			fmt.Println(err)
			return
		}
		defer conn.Close()
		conn.Write([]byte("world"))
		reply := make([]byte, len("hello, world"))
		if _, err := io.ReadFull(conn, reply); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s\n", reply)
	}()

	if err := reactor.Run(); err != nil {
		fmt.Println(err)
	}
	// Output: hello, world
}
