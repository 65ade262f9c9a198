package core

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reactorbench/reactorbench/reactors"
)

// echoMessage is the size of one echo round trip's message.
const echoMessage = 64

// BenchmarkEchoRoundTrip measures one round trip of a 64-byte message over
// loopback, with 1 and 1,000 connections in a closed loop, against our echo
// server on each backend (running on its loop goroutine) and against a Go
// net echo server with a goroutine per connection (impl=gonet). The client
// is the same for all: blocking net.Conns, one goroutine per connection.
func BenchmarkEchoRoundTrip(b *testing.B) {
	for _, conns := range []int{1, 1000} {
		for _, name := range reactors.Names() {
			b.Run(fmt.Sprintf("reactor=%s/conns=%d", name, conns), func(b *testing.B) {
				addr, stop := startLoopServer(b, name, EchoFactory)
				defer stop()
				benchEcho(b, addr, conns)
			})
		}
		b.Run(fmt.Sprintf("impl=gonet/conns=%d", conns), func(b *testing.B) {
			addr, stop := startGoNetEcho(b)
			defer stop()
			benchEcho(b, addr, conns)
		})
	}
}

// startLoopServer serves f on a fresh loop running on its own goroutine.
func startLoopServer(b *testing.B, name string, f Factory) (string, func()) {
	l, err := Open(name)
	if err != nil {
		b.Fatal(err)
	}
	p, err := l.ListenTCP("127.0.0.1:0", f)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	return p.GetHost().String(), func() {
		l.CallFromThread(func() { _ = l.Stop() })
		if err := <-done; err != nil {
			b.Error(err)
		}
		_ = l.Close()
	}
}

// startGoNetEcho is the comparison: Go's net package, a goroutine per
// connection copying what it reads back.
func startGoNetEcho(b *testing.B) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				buf := make([]byte, readBufferSize)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
			})
		}
	})
	return ln.Addr().String(), func() { ln.Close(); wg.Wait() }
}

// benchEcho runs b.N round trips spread over conns connections.
func benchEcho(b *testing.B, addr string, conns int) {
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		cs[i] = c
	}
	msg := pattern(echoMessage, 1)
	roundTrip := func(c net.Conn, buf []byte) error {
		if _, err := c.Write(msg); err != nil {
			return err
		}
		_, err := io.ReadFull(c, buf)
		return err
	}
	for _, c := range cs { // warm up every connection
		if err := roundTrip(c, make([]byte, echoMessage)); err != nil {
			b.Fatal(err)
		}
	}
	remaining := int64(b.N)
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for _, c := range cs {
		wg.Go(func() {
			buf := make([]byte, echoMessage)
			for atomic.AddInt64(&remaining, -1) >= 0 {
				if err := roundTrip(c, buf); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
}

// BenchmarkWrite1MiB measures bytes/s of 1 MiB Writes on one connection,
// paced by a streaming producer (paused above the high-water mark), to a
// client that reads and discards.
func BenchmarkWrite1MiB(b *testing.B) {
	chunk := pattern(1<<20, 2)
	for _, name := range reactors.Names() {
		b.Run("reactor="+name, func(b *testing.B) {
			prod := &pushWriter{chunk: chunk, total: b.N * len(chunk)}
			addr, stop := startLoopServer(b, name, one(func() Protocol {
				return &testProto{made: func(tr Transport) {
					prod.t = tr
					_ = tr.RegisterProducer(prod, true)
					prod.produce()
				}}
			}))
			defer stop()
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			b.ResetTimer()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			n, err := io.Copy(io.Discard, c)
			b.StopTimer()
			if err != nil || n != int64(prod.total) {
				b.Fatalf("read %d bytes, %v; want %d", n, err, prod.total)
			}
		})
	}
}
