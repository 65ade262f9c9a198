package core

import "time"

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
