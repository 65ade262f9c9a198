package protocols_test

import (
	"errors"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/protocols"
	"github.com/reactorbench/reactorbench/reactors"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// serveTCP serves f on 127.0.0.1:0 with a loop on the named backend, runs
// client against it on another goroutine, and returns once client has
// returned and the loop has stopped. Protocol callbacks run on the test
// goroutine, so their state may be read afterwards.
func serveTCP(t *testing.T, name string, f core.Factory, client func(l *core.Loop, addr string)) {
	t.Helper()
	serveTCPWith(t, name, f, func(*core.Port) {}, client)
}

// serveTCPWith is serveTCP with a setup of the port before clients come.
func serveTCPWith(t *testing.T, name string, f core.Factory, setup func(*core.Port), client func(l *core.Loop, addr string)) {
	t.Helper()
	l, err := core.Open(name)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	defer l.Close()
	p, err := l.ListenTCP("127.0.0.1:0", f)
	if err != nil {
		t.Fatalf("ListenTCP: %v", err)
	}
	setup(p)
	addr := p.GetHost().String()
	go func() {
		defer l.CallFromThread(func() { _ = l.Stop() })
		client(l, addr)
	}()
	runLoop(t, l)
}

// stopAtLine is a LineReceiver's handler that echoes lines and, at the
// line "stop", stops the transport directly, not through the receiver, so
// only the transport's Disconnecting tells the receiver to stop.
type stopAtLine struct {
	protocols.LineReceiver
	raw   core.Transport // the connection's own transport
	made  chan struct{}
	lines []string
	lost  error
}

func (s *stopAtLine) ConnectionMade(t core.Transport) {
	s.raw = t
	// Reads wait until the client has sent everything, so that all its
	// lines come in one DataReceived.
	t.PauseProducing()
	s.LineReceiver.ConnectionMade(t)
	close(s.made)
}

func (s *stopAtLine) LineReceived(line []byte) {
	s.lines = append(s.lines, string(line))
	s.SendLine(line)
	if string(line) == "stop" {
		s.raw.StopProducing()
	}
}

// ConnectionLost records the reason; the receiver's own, which it
// replaces, only drops a buffer the test does not look at.
func (s *stopAtLine) ConnectionLost(reason error) { s.lost = reason }

// A LineReceiver over TCP delivers no line after its transport starts
// disconnecting on its own: the lines after "stop", already read in the
// same chunk, are dropped, and the client reads the echo up to "stop" and
// then a clean close.
func TestTCPLineReceiverStopsWhenTransportDisconnects(t *testing.T) {
	for _, name := range reactors.Names() {
		t.Run("reactor="+name, func(t *testing.T) {
			s := &stopAtLine{made: make(chan struct{})}
			s.Handler = s
			var echoed []byte
			serveTCP(t, name, core.FactoryFunc(func(net.Addr) core.Protocol { return s }), func(l *core.Loop, addr string) {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(20 * time.Second))
				<-s.made
				if _, err := c.Write([]byte("one\r\nstop\r\ntwo\r\nthree\r\n")); err != nil {
					t.Error(err)
					return
				}
				l.CallFromThread(func() { s.raw.ResumeProducing() })
				if echoed, err = io.ReadAll(c); err != nil {
					t.Errorf("client read: %v", err)
				}
			})
			if !slices.Equal(s.lines, []string{"one", "stop"}) {
				t.Errorf("lines %q; want [one stop]", s.lines)
			}
			if string(echoed) != "one\r\nstop\r\n" {
				t.Errorf("client read %q; want the echo of one and stop, then the close", echoed)
			}
			if !errors.Is(s.lost, core.ErrConnectionDone) {
				t.Errorf("ConnectionLost(%v); want core.ErrConnectionDone", s.lost)
			}
		})
	}
}
