package core

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultConnectTimeout is the connection timeout ConnectTCP uses when given
// zero, as in Twisted.
const DefaultConnectTimeout = 30 * time.Second

// Reasons a connection attempt fails, wrapped in an *OpError; socket
// errors such as unix.ECONNREFUSED are wrapped as they are.
var (
	// ErrConnectTimeout: the peer did not answer within the timeout.
	ErrConnectTimeout = errors.New("connection attempt timed out")
	// ErrConnectCancelled: StopConnecting was called.
	ErrConnectCancelled = errors.New("connection attempt cancelled")
	// ErrNotConnecting is returned by StopConnecting when no attempt runs.
	ErrNotConnecting = errors.New("core: not connecting")
	// ErrConnectorBusy is returned by Connect while connecting or connected.
	ErrConnectorBusy = errors.New("core: Connect called while connecting or connected")
)

// ClientFactory builds the protocol of an outgoing connection and hears how
// it ended (Twisted's ClientFactory).
type ClientFactory interface {
	Factory
	// ClientConnectionFailed is called when the attempt fails, with an
	// *OpError.
	ClientConnectionFailed(c *Connector, reason error)
	// ClientConnectionLost is called after the protocol's ConnectionLost,
	// with the same reason.
	ClientConnectionLost(c *Connector, reason error)
}

type connectorState uint8

const (
	disconnected connectorState = iota
	connecting
	connected
)

// Connector drives one outgoing TCP connection: the attempt, its timeout
// and, once connected, the transport (Twisted's tcp.Connector). Its methods
// run on the loop's goroutine.
type Connector struct {
	loop    *Loop
	addr    string
	host    string        // a name to look up for each attempt, or ""
	port    int           // with host
	sa      unix.Sockaddr // nil while a name is being looked up
	family  int
	factory ClientFactory
	timeout time.Duration

	attempt uint64 // counts Connect calls, so a late lookup is ignored
	state   connectorState
	fd      int          // the socket while connecting, else -1
	timer   *DelayedCall // the start of the attempt (or the lookup), then its timeout
	conn    *tcpConn
}

// ConnectTCP starts connecting to addr ("host:port") and reports the
// outcome to f: a protocol from f.BuildProtocol once connected, or
// ClientConnectionFailed on refusal, error or timeout (zero means
// DefaultConnectTimeout). A host name is looked up off the loop, for each
// attempt, and its first address used; a failed lookup reaches f too. The
// error is for a malformed address or a nil factory only; everything else
// reaches f, from the next pass on.
func (l *Loop) ConnectTCP(addr string, f ClientFactory, timeout time.Duration) (*Connector, error) {
	l.owner.check("Loop.ConnectTCP")
	if f == nil {
		return nil, errors.New("core: ConnectTCP with a nil ClientFactory")
	}
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	host, ip, port, err := parseTCP(addr)
	if err != nil {
		return nil, err
	}
	c := &Connector{loop: l, addr: addr, factory: f, timeout: timeout, fd: -1}
	if ip.IsValid() {
		if c.sa, c.family, err = sockaddrOf(addr, ip, port); err != nil {
			return nil, err
		}
	} else {
		c.host, c.port = host, port
	}
	return c, c.Connect()
}

// Connect starts a new attempt, for instance after a failure or loss (as a
// reconnecting factory does). It fails with ErrConnectorBusy unless
// disconnected. The socket is made on the next pass, so the factory never
// hears of the outcome inside ConnectTCP or Connect.
func (c *Connector) Connect() error {
	c.loop.owner.check("Connector.Connect")
	if c.state != disconnected {
		return ErrConnectorBusy
	}
	c.state = connecting
	c.attempt++
	if c.host == "" {
		c.timer = c.loop.CallLater(0, c.begin)
		return nil
	}
	// A name is looked up off the loop (Twisted's default resolver uses
	// its thread pool; here a goroutine, which works before Run too), so
	// a slow DNS server never blocks the loop; the timeout covers the
	// lookup as well.
	c.sa = nil
	c.timer = c.loop.CallLater(c.timeout, func() { c.fail(ErrConnectTimeout) })
	attempt, host := c.attempt, c.host
	go func() {
		ip, err := lookupHost(c.addr, host)
		c.loop.CallFromThread(func() { c.resolved(attempt, ip, err) })
	}()
	return nil
}

// resolved goes on with an attempt once its host name is looked up.
func (c *Connector) resolved(attempt uint64, ip netip.Addr, err error) {
	if attempt != c.attempt || c.state != connecting {
		return // cancelled, timed out, or superseded meanwhile
	}
	if err == nil {
		c.sa, c.family, err = sockaddrOf(c.addr, ip, c.port)
	}
	if err != nil {
		c.fail(err)
		return
	}
	c.stopTimer()
	c.begin()
}

// begin opens the socket, starts the non-blocking connect and the timeout.
func (c *Connector) begin() {
	c.timer = nil
	fd, err := newSocket(c.family, unix.SOCK_STREAM)
	if err != nil {
		c.fail(fmt.Errorf("socket: %w", err))
		return
	}
	c.fd = fd
	c.loop.own(c)
	if err := unix.Connect(fd, c.sa); err != nil && err != unix.EINPROGRESS && err != unix.EINTR {
		c.fail(err)
		return
	}
	if err := c.loop.AddWriter(c); err != nil {
		c.fail(err)
		return
	}
	c.timer = c.loop.CallLater(c.timeout, func() { c.fail(ErrConnectTimeout) })
}

// StopConnecting abandons the attempt: the factory gets
// ClientConnectionFailed with ErrConnectCancelled.
func (c *Connector) StopConnecting() error {
	c.loop.owner.check("Connector.StopConnecting")
	if c.state != connecting {
		return ErrNotConnecting
	}
	c.fail(ErrConnectCancelled)
	return nil
}

// Disconnect stops connecting, or loses the connection once connected.
func (c *Connector) Disconnect() {
	c.loop.owner.check("Connector.Disconnect")
	switch c.state {
	case connecting:
		c.fail(ErrConnectCancelled)
	case connected:
		c.conn.LoseConnection()
	}
}

// GetDestination is the address being connected to (nil while its host
// name is looked up).
func (c *Connector) GetDestination() net.Addr { return tcpAddrOf(c.sa) }

// Fileno returns the socket while connecting, else -1.
func (c *Connector) Fileno() int { return c.fd }

// DoWrite runs when the connecting socket is writable: the attempt is over,
// and SO_ERROR tells how it went.
func (c *Connector) DoWrite() error {
	if c.state != connecting || c.fd < 0 {
		return nil
	}
	errno, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	switch {
	case err != nil:
		c.fail(err)
		return nil
	case errno != 0:
		c.fail(unix.Errno(errno))
		return nil
	}
	c.stopTimer()
	c.loop.RemoveWriter(c)
	c.loop.disown(c)
	fd := c.fd
	c.fd = -1
	c.state = connected
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	peer := tcpAddrOf(c.sa)
	conn := newTCPConn(c.loop, fd, peer)
	conn.connector = c
	c.conn = conn
	proto := c.buildProtocol(peer)
	if proto == nil {
		// As in Twisted: a plain protocol that closes at once.
		conn.start(&BaseProtocol{})
		conn.LoseConnection()
		return nil
	}
	conn.start(proto)
	if n, ok := c.factory.(connectedNotifier); ok {
		n.connected(proto)
	}
	return nil
}

// buildProtocol asks the factory, treating a panic like a nil protocol.
func (c *Connector) buildProtocol(peer net.Addr) (proto Protocol) {
	defer func() {
		if r := recover(); r != nil {
			log.Printf("core: BuildProtocol of %T panicked: %v", c.factory, r)
			proto = nil
		}
	}()
	return c.factory.BuildProtocol(peer)
}

// ConnectionLost is how the loop drops a connecting socket (at shutdown).
func (c *Connector) ConnectionLost(reason error) { c.fail(reason) }

// fail ends the attempt and tells the factory.
func (c *Connector) fail(reason error) {
	if c.state != connecting {
		return
	}
	c.state = disconnected
	c.stopTimer()
	c.closeSocket()
	c.factory.ClientConnectionFailed(c, &OpError{Op: "connect to", Addr: c.addr, Err: reason})
}

func (c *Connector) stopTimer() {
	if c.timer != nil {
		_ = c.timer.Cancel() // fails harmlessly when it is the call running now
		c.timer = nil
	}
}

func (c *Connector) closeSocket() {
	c.loop.disown(c)
	if c.fd >= 0 {
		c.loop.RemoveWriter(c)
		_ = unix.Close(c.fd)
		c.fd = -1
	}
}

// forgetFileno drops a number closed behind the connector's back and
// reused; the attempt then fails with ErrFdescReused.
func (c *Connector) forgetFileno() { c.fd = -1 }

// connectionLost is called by the transport after its protocol heard.
func (c *Connector) connectionLost(reason error) {
	c.state = disconnected
	c.conn = nil
	c.factory.ClientConnectionLost(c, reason)
}
