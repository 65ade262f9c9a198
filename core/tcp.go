package core

import (
	"fmt"
	"time"
)

// TCP is the reactor's TCP API (Twisted's IReactorTCP).
type TCP interface {
	// ListenTCP listens on addr ("host:port", port 0 for any free one) and
	// serves each accepted connection with a protocol from f. A host name
	// is looked up at once, blocking.
	ListenTCP(addr string, f Factory) (*Port, error)
	// ConnectTCP connects to addr and reports to f; a zero timeout means
	// DefaultConnectTimeout. A host name is looked up off the loop.
	ConnectTCP(addr string, f ClientFactory, timeout time.Duration) (*Connector, error)
}

var _ TCP = (*Loop)(nil)

// OpError is a failure to connect to an address (the reason
// ClientConnectionFailed gets, Twisted's ConnectError) or to listen on one
// (from ListenTCP, Twisted's CannotListenError).
type OpError struct {
	// Op is "connect to" or "listen on".
	Op   string
	Addr string
	Err  error
}

// Error says what failed, on which address, and why.
func (e *OpError) Error() string {
	return fmt.Sprintf("core: cannot %s %s: %v", e.Op, e.Addr, e.Err)
}

// Unwrap returns Err.
func (e *OpError) Unwrap() error { return e.Err }

// tcpReadBuffer returns the loop's read buffer, shared by all its
// connections: reads happen one at a time on the loop goroutine, and
// DataReceived may not keep the bytes. It is made on first use, so a loop
// without connections holds none. Connections fetch it when they start.
func (l *Loop) tcpReadBuffer() *[readBufferSize]byte {
	if l.rbuf == nil {
		l.rbuf = new([readBufferSize]byte)
	}
	return l.rbuf
}
