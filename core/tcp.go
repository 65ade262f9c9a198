package core

import (
	"runtime"
	"sync"
	"time"
	"weak"
)

// TCP is the reactor's TCP API (Twisted's IReactorTCP).
type TCP interface {
	// ListenTCP listens on addr ("host:port", port 0 for any free one) and
	// serves each accepted connection with a protocol from f.
	ListenTCP(addr string, f Factory) (*Port, error)
	// ConnectTCP connects to addr and reports to f; a zero timeout means
	// DefaultConnectTimeout.
	ConnectTCP(addr string, f ClientFactory, timeout time.Duration) (*Connector, error)
}

var _ TCP = (*Loop)(nil)

// readBuffers holds each loop's read buffer, shared by all its
// connections (reads happen one at a time on the loop goroutine, and
// DataReceived may not keep the bytes). An entry goes with its loop.
var readBuffers sync.Map // weak.Pointer[Loop] -> *[readBufferSize]byte

// tcpReadBuffer returns the loop's shared read buffer. Connections fetch it
// once, when they start.
func (l *Loop) tcpReadBuffer() *[readBufferSize]byte {
	key := weak.Make(l)
	if b, ok := readBuffers.Load(key); ok {
		return b.(*[readBufferSize]byte)
	}
	b, loaded := readBuffers.LoadOrStore(key, new([readBufferSize]byte))
	if !loaded {
		runtime.AddCleanup(l, func(k weak.Pointer[Loop]) { readBuffers.Delete(k) }, key)
	}
	return b.(*[readBufferSize]byte)
}
