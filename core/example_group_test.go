package core_test

import (
	"fmt"
	"io"
	"net"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/protocols"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// A group runs one reactor per core: here two loops on the default
// backend, connections handed to them in turn by one acceptor. Each
// connection lives on one loop, and its protocol runs on that loop's
// goroutine only; Stop from anywhere stops both.
func ExampleGroup() {
	group, err := core.OpenGroup(core.GroupConfig{Loops: 2, Accept: core.AcceptRoundRobin})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer group.Close()

	port, err := group.ListenTCP("127.0.0.1:0", func(*core.Loop) core.Factory { return protocols.EchoFactory })
	if err != nil {
		fmt.Println(err)
		return
	}

	go func() {
		defer group.Stop()
		for range 4 {
			conn, err := net.Dial("tcp", port.GetHost().String())
			if err != nil {
				fmt.Println(err)
				return
			}
			defer conn.Close() // held open until the counts are read
			conn.Write([]byte("ping"))
			if _, err := io.ReadFull(conn, make([]byte, 4)); err != nil {
				fmt.Println(err)
				return
			}
		}
		counters, _ := group.Counters()
		for i, c := range counters {
			fmt.Printf("loop %d: %d connections\n", i, c.Conns)
		}
	}()

	if err := group.Run(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// loop 0: 2 connections
	// loop 1: 2 connections
}
