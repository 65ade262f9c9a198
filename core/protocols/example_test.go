package protocols_test

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/coretest"
	"github.com/reactorbench/reactorbench/core/deferred"
	"github.com/reactorbench/reactorbench/core/protocols"
	"github.com/reactorbench/reactorbench/reactors"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// ReverseLineProtocol sends every line it receives back reversed, and hangs
// up after ten lines (the reverse-line server of "Everything You Always
// Wanted to Know about Twisted"). Embedding the LineReceiver gives it
// SendLine and Transport, like Twisted's self.sendLine and self.transport.
type ReverseLineProtocol struct {
	*protocols.LineReceiver
	linesReceived int
}

// NewReverseLineProtocol wires a LineReceiver to a new ReverseLineProtocol.
func NewReverseLineProtocol() *ReverseLineProtocol {
	p := &ReverseLineProtocol{}
	p.LineReceiver = protocols.NewLineReceiver(p)
	return p
}

// LineReceived answers one line.
func (p *ReverseLineProtocol) LineReceived(line []byte) {
	p.SendLine(reversed(line))
	p.linesReceived++
	if p.linesReceived >= 10 {
		p.Transport.LoseConnection()
	}
}

func reversed(b []byte) []byte {
	out := slices.Clone(b)
	slices.Reverse(out)
	return out
}

// ReverseLineFactory builds a ReverseLineProtocol per connection.
var ReverseLineFactory = core.FactoryFunc(func(net.Addr) core.Protocol {
	return NewReverseLineProtocol()
})

// reverseClient asks a reverse-line server for one answer.
type reverseClient struct {
	*protocols.LineReceiver
	answer *deferred.Deferred
}

func newReverseClient() *reverseClient {
	c := &reverseClient{}
	c.LineReceiver = protocols.NewLineReceiver(c)
	return c
}

// request sends s; the Deferred fires with the line that comes back.
func (c *reverseClient) request(s string) *deferred.Deferred {
	c.answer = deferred.New(nil)
	c.SendLine([]byte(s))
	return c.answer
}

// LineReceived answers the request, then hangs up.
func (c *reverseClient) LineReceived(line []byte) {
	if d := c.answer; d != nil {
		c.answer = nil
		_ = d.Callback(string(line))
		c.Transport.LoseConnection()
	}
}

// ConnectionLost fails a request still waiting.
func (c *reverseClient) ConnectionLost(reason error) {
	if d := c.answer; d != nil {
		c.answer = nil
		_ = d.Errback(fmt.Errorf("connection lost before an answer: %w", reason))
	}
}

// RemoteReverser reverses strings on a reverse-line server.
type RemoteReverser struct {
	reactor core.TCP
	addr    string
}

// Reverse connects, sends s and fires with the reversed string, or fails
// if the server cannot be reached or hangs up first: ConnectProtocol does
// the connecting, as Twisted's connectProtocol does in the original.
func (r *RemoteReverser) Reverse(s string) *deferred.Deferred {
	c := newReverseClient()
	return core.ConnectProtocol(r.reactor, r.addr, c.LineReceiver, 0).AddCallback(func(any) (any, error) {
		return c.request(s), nil
	})
}

// The seed's server and its RemoteReverser client over TCP on 127.0.0.1.
func Example_reverseLine() {
	loop, err := core.Open("default")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer loop.Close()
	port, err := loop.ListenTCP("127.0.0.1:0", ReverseLineFactory)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer port.StopListening()

	reverser := &RemoteReverser{reactor: loop, addr: port.GetHost().String()}
	d := reverser.Reverse("Hello")
	d.AddCallback(func(v any) (any, error) {
		fmt.Println(v)
		return nil, nil
	})
	d.AddErrback(func(f *deferred.Failure) (any, error) {
		fmt.Println("failed:", f)
		return nil, nil
	})
	d.AddBoth(func(v any) (any, error) {
		_ = loop.Stop()
		return v, nil
	})
	if err := loop.Run(); err != nil {
		fmt.Println(err)
	}
	// Output: olleH
}

// lineClient sends lines once connected and prints what comes back.
type lineClient struct {
	*protocols.LineReceiver
	send []string
	got  []string
	lost error
}

func newLineClient(send ...string) *lineClient {
	c := &lineClient{send: send}
	c.LineReceiver = protocols.NewLineReceiver(c)
	return c
}

func (c *lineClient) ConnectionMade() {
	for _, s := range c.send {
		c.SendLine([]byte(s))
	}
}

func (c *lineClient) LineReceived(line []byte) { c.got = append(c.got, string(line)) }

func (c *lineClient) ConnectionLost(reason error) { c.lost = reason }

// The reverse-line server tested without sockets: Loopback wires it to a
// client in memory, and the server hangs up after ten lines.
func Example_loopback() {
	var send []string
	for i := 1; i <= 12; i++ {
		send = append(send, fmt.Sprint("line ", i))
	}
	client := newLineClient(send...)
	err := coretest.Loopback(NewReverseLineProtocol(), client.LineReceiver)
	fmt.Println(len(client.got), "answers, first", client.got[0], "last", client.got[len(client.got)-1])
	fmt.Println("client lost:", client.lost)
	fmt.Println("Loopback:", err)
	// Output:
	// 10 answers, first 1 enil last 01 enil
	// client lost: connection was closed cleanly
	// Loopback: <nil>
}

// lineClientFactory connects one lineClient and calls done once its
// connection is over.
type lineClientFactory struct {
	client *lineClient
	failed error
	done   func()
}

func (f *lineClientFactory) BuildProtocol(net.Addr) core.Protocol { return f.client.LineReceiver }

func (f *lineClientFactory) ClientConnectionFailed(_ *core.Connector, reason error) {
	f.failed = reason
	f.done()
}

func (f *lineClientFactory) ClientConnectionLost(*core.Connector, error) { f.done() }

// runLoop runs l, crashing it if it is still running after a generous
// watchdog delay.
func runLoop(t *testing.T, l *core.Loop) {
	t.Helper()
	watchdog := time.AfterFunc(30*time.Second, func() {
		t.Error("watchdog: the loop did not stop within 30s")
		l.CallFromThread(l.Crash)
	})
	defer watchdog.Stop()
	if err := l.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// The seed's programs over real TCP on every backend: RemoteReverser gets
// its answer, and the server hangs up after ten lines.
func TestReverseLineOverTCP(t *testing.T) {
	for _, name := range reactors.Names() {
		t.Run("reactor="+name, func(t *testing.T) {
			loop, err := core.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer loop.Close()
			port, err := loop.ListenTCP("127.0.0.1:0", ReverseLineFactory)
			if err != nil {
				t.Fatal(err)
			}
			defer port.StopListening()
			addr := port.GetHost().String()

			pending := 2
			done := func() {
				if pending--; pending == 0 {
					_ = loop.Stop()
				}
			}
			var answer any
			d := (&RemoteReverser{reactor: loop, addr: addr}).Reverse("Hello, world")
			d.AddBoth(func(v any) (any, error) {
				answer = v
				done()
				return nil, nil
			})
			var send []string
			for i := range 12 {
				send = append(send, fmt.Sprint("line ", i))
			}
			f := &lineClientFactory{client: newLineClient(send...), done: done}
			if _, err := loop.ConnectTCP(addr, f, 0); err != nil {
				t.Fatal(err)
			}
			runLoop(t, loop)
			if answer != "dlrow ,olleH" {
				t.Fatalf("Reverse: %v", answer)
			}
			var want []string
			for _, s := range send[:10] {
				want = append(want, string(reversed([]byte(s))))
			}
			if f.failed != nil || !slices.Equal(f.client.got, want) || !errors.Is(f.client.lost, core.ErrConnectionDone) {
				t.Fatalf("failed %v, got %q, lost %v", f.failed, f.client.got, f.client.lost)
			}
		})
	}
}

// Reverse fails cleanly when nothing listens.
func TestRemoteReverserRefused(t *testing.T) {
	loop, err := core.Open("default")
	if err != nil {
		t.Fatal(err)
	}
	defer loop.Close()
	port, err := loop.ListenTCP("127.0.0.1:0", ReverseLineFactory)
	if err != nil {
		t.Fatal(err)
	}
	addr := port.GetHost().String()
	port.StopListening()
	var failure *deferred.Failure
	d := (&RemoteReverser{reactor: loop, addr: addr}).Reverse("x")
	d.AddErrback(func(f *deferred.Failure) (any, error) {
		failure = f
		return nil, nil
	})
	d.AddBoth(func(v any) (any, error) {
		_ = loop.Stop()
		return v, nil
	})
	runLoop(t, loop)
	if failure == nil {
		t.Fatal("no failure for a refused connection")
	}
}
