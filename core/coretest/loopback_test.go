package coretest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/protocols"
	"github.com/reactorbench/reactorbench/reactors"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// endRec records a protocol's data and how it ended, with the order of the
// ConnectionLost calls in *order when set.
type endRec struct {
	core.BaseProtocol
	name     string
	data     strings.Builder
	reasons  []error
	order    *[]string
	onData   func(b []byte)
	readLost int
}

func (p *endRec) DataReceived(b []byte) {
	p.data.Write(b)
	if p.onData != nil {
		p.onData(b)
	}
}

func (p *endRec) ConnectionLost(reason error) {
	p.reasons = append(p.reasons, reason)
	if p.order != nil {
		*p.order = append(*p.order, p.name)
	}
}

// halfRec is an endRec that accepts half-closes.
type halfRec struct{ endRec }

func (p *halfRec) ReadConnectionLost() { p.readLost++ }

func lostWith(t *testing.T, p *endRec, want error) {
	t.Helper()
	if len(p.reasons) != 1 || !errors.Is(p.reasons[0], want) {
		t.Fatalf("%s: ConnectionLost %v, want once with %v", p.name, p.reasons, want)
	}
}

// reverseLines is a line handler that sends each line back reversed.
type reverseLines struct{ r *protocols.LineReceiver }

func (h *reverseLines) LineReceived(line []byte) {
	out := make([]byte, len(line))
	for i, c := range line {
		out[len(line)-1-i] = c
	}
	h.r.SendLine(out)
}

// LoopbackPair runs a LineReceiver server to the end; the client's
// LoseConnection delivers what it wrote, even after it.
func TestLoopbackLineProtocols(t *testing.T) {
	srv := &reverseLines{}
	srv.r = protocols.NewLineReceiver(srv)
	cli := &endRec{name: "client"}
	cli.onData = func([]byte) {
		if strings.Count(cli.data.String(), "\r\n") == 2 {
			cli.Transport.LoseConnection()
			cli.Transport.Write([]byte("last\r\n"))
		}
	}
	pair := NewLoopbackPair(srv.r, cli)
	cli.Transport.Write([]byte("hello\r\nwor"))
	cli.Transport.Write([]byte("ld\r\n"))
	if !pair.Pump() {
		t.Fatal("connection not closed")
	}
	if got := cli.data.String(); got != "olleh\r\ndlrow\r\n" {
		t.Fatalf("client got %q", got)
	}
	lostWith(t, cli, core.ErrConnectionDone)
	if !pair.Closed() || pair.ServerTransport().GetPeer().String() != "client" ||
		pair.ClientTransport().GetHost().Network() != "loopback" {
		t.Fatal("pair state or addresses wrong")
	}
}

// The server's pending bytes go out before its close; writes after the
// close are dropped.
func TestLoopbackServerLoseConnectionFlushes(t *testing.T) {
	var order []string
	srv := &endRec{name: "server", order: &order}
	cli := &endRec{name: "client", order: &order}
	srv.onData = func([]byte) {
		srv.Transport.Write([]byte("a"))
		srv.Transport.LoseConnection()
		srv.Transport.Write([]byte("b"))
	}
	pair := NewLoopbackPair(srv, cli)
	cli.Transport.Write([]byte("go"))
	if err := loopbackPumpErr(pair); err != nil {
		t.Fatal(err)
	}
	if cli.data.String() != "ab" || srv.data.String() != "go" {
		t.Fatalf("client %q server %q", cli.data.String(), srv.data.String())
	}
	lostWith(t, srv, core.ErrConnectionDone)
	lostWith(t, cli, core.ErrConnectionDone)
	if !slices.Equal(order, []string{"server", "client"}) {
		t.Fatalf("order %v", order)
	}
	srv.Transport.Write([]byte("late"))
	pair.Pump()
	if cli.data.String() != "ab" {
		t.Fatal("write after close delivered")
	}
}

func loopbackPumpErr(p *LoopbackPair) error {
	if p.Pump() {
		return nil
	}
	return ErrLoopbackIdle
}

// Loopback reports a connection nobody closes instead of hanging.
func TestLoopbackIdle(t *testing.T) {
	if err := Loopback(&endRec{}, &endRec{}); !errors.Is(err, ErrLoopbackIdle) {
		t.Fatalf("got %v", err)
	}
}

// AbortConnection drops the queue; the aborting side hears
// ErrConnectionAborted, the other ErrConnectionLost, from Pump.
func TestLoopbackAbort(t *testing.T) {
	srv := &endRec{name: "server"}
	cli := &endRec{name: "client"}
	pair := NewLoopbackPair(srv, cli)
	cli.Transport.Write([]byte("dropped"))
	cli.Transport.AbortConnection()
	if len(cli.reasons) != 0 {
		t.Fatal("ConnectionLost called re-entrantly")
	}
	if !pair.Pump() {
		t.Fatal("not closed")
	}
	if srv.data.Len() != 0 {
		t.Fatalf("aborted bytes delivered: %q", srv.data.String())
	}
	lostWith(t, cli, core.ErrConnectionAborted)
	lostWith(t, srv, core.ErrConnectionLost)
}

// A half-closeable server hears ReadConnectionLost once the bytes written
// before the shut are delivered, and may still write; a plain one is closed.
func TestLoopbackHalfClose(t *testing.T) {
	srv := &halfRec{endRec{name: "server"}}
	cli := &endRec{name: "client"}
	pair := NewLoopbackPair(srv, cli)
	cli.Transport.Write([]byte("req"))
	cli.Transport.LoseWriteConnection()
	cli.Transport.Write([]byte("+flushed"))
	if pair.Pump() {
		t.Fatal("half-close closed the connection")
	}
	cli.Transport.Write([]byte("dropped"))
	pair.Pump()
	if srv.readLost != 1 || srv.data.String() != "req+flushed" {
		t.Fatalf("readLost %d data %q", srv.readLost, srv.data.String())
	}
	srv.Transport.Write([]byte("resp"))
	srv.Transport.LoseConnection()
	if !pair.Pump() || cli.data.String() != "resp" {
		t.Fatalf("closed %v client got %q", pair.Closed(), cli.data.String())
	}
	lostWith(t, &srv.endRec, core.ErrConnectionDone)

	plain := &endRec{name: "plain"}
	cli2 := &endRec{name: "client"}
	pair2 := NewLoopbackPair(plain, cli2)
	cli2.Transport.LoseWriteConnection()
	if !pair2.Pump() {
		t.Fatal("plain protocol not closed by half-close")
	}
	lostWith(t, plain, core.ErrConnectionDone)
}

// A paused side receives nothing until it resumes; a close waits for its
// bytes to be read.
func TestLoopbackPause(t *testing.T) {
	srv := &endRec{name: "server"}
	cli := &endRec{name: "client"}
	pair := NewLoopbackPair(srv, cli)
	srv.Transport.PauseProducing()
	cli.Transport.Write([]byte("x"))
	cli.Transport.LoseConnection()
	if pair.Pump() || srv.data.Len() != 0 {
		t.Fatalf("paused side got %q", srv.data.String())
	}
	srv.Transport.ResumeProducing()
	if !pair.Pump() || srv.data.String() != "x" {
		t.Fatalf("after resume: closed %v data %q", pair.Closed(), srv.data.String())
	}
}

// countProducer writes n chunks, one per ResumeProducing, then closes.
type countProducer struct {
	t       core.Transport
	n, sent int
	stopped bool
}

func (c *countProducer) ResumeProducing() {
	if c.sent == c.n {
		c.t.UnregisterProducer()
		c.t.LoseConnection()
		return
	}
	c.sent++
	c.t.Write([]byte{'0' + byte(c.sent)})
}

func (c *countProducer) StopProducing() { c.stopped = true }

// A pull producer is asked for more each time its bytes are delivered.
func TestLoopbackPullProducer(t *testing.T) {
	srv := &endRec{name: "server"}
	cli := &endRec{name: "client"}
	pair := NewLoopbackPair(srv, cli)
	prod := &countProducer{t: srv.Transport, n: 5}
	if err := srv.Transport.RegisterProducer(prod, false); err != nil {
		t.Fatal(err)
	}
	if err := srv.Transport.RegisterProducer(prod, false); !errors.Is(err, core.ErrProducerRegistered) {
		t.Fatalf("second producer: %v", err)
	}
	if err := cli.Transport.RegisterProducer(prod, true); err == nil {
		t.Fatal("pull producer accepted as streaming")
	}
	if !pair.Pump() || cli.data.String() != "12345" {
		t.Fatalf("client got %q", cli.data.String())
	}
	late := &countProducer{t: srv.Transport}
	if err := srv.Transport.RegisterProducer(late, false); err != nil || !late.stopped {
		t.Fatalf("producer on a closed transport: %v stopped %v", err, late.stopped)
	}
}

// The loopback transport reports Disconnecting, which receivers heed.
var _ core.DisconnectingTransport = (*loopbackTransport)(nil)

// LoopbackAsync pumps on a scheduler and fires once the connection closes.
func TestLoopbackAsync(t *testing.T) {
	clock := core.NewClock(time.Unix(0, 0))
	srv := &reverseLines{}
	srv.r = protocols.NewLineReceiver(srv)
	cli := &endRec{name: "client"}
	cli.onData = func([]byte) { cli.Transport.LoseConnection() }
	d := LoopbackAsync(clock, srv.r, cli)
	cli.Transport.Write([]byte("abc\r\n"))
	if d.Called() {
		t.Fatal("fired before the scheduler ran")
	}
	for i := 0; i < 10 && !d.Called(); i++ {
		clock.Advance(0)
	}
	if res, ok := d.Result(); !ok || res != nil {
		t.Fatalf("result %v %v", res, ok)
	}
	if cli.data.String() != "cba\r\n" {
		t.Fatalf("client got %q", cli.data.String())
	}
	lostWith(t, cli, core.ErrConnectionDone)
}

// writeClosedRec notes WriteConnectionLost.
type writeClosedRec struct {
	endRec
	writeLost int
}

func (p *writeClosedRec) WriteConnectionLost() { p.writeLost++ }

// The half-closing side hears WriteConnectionLost once its bytes are out.
func TestLoopbackWriteConnectionLost(t *testing.T) {
	srv := &halfRec{endRec{name: "server"}}
	cli := &writeClosedRec{endRec: endRec{name: "client"}}
	pair := NewLoopbackPair(srv, cli)
	cli.Transport.Write([]byte("x"))
	cli.Transport.LoseWriteConnection()
	pair.Pump()
	if cli.writeLost != 1 || srv.readLost != 1 || pair.Closed() {
		t.Fatalf("writeLost %d readLost %d closed %v", cli.writeLost, srv.readLost, pair.Closed())
	}
	srv.Transport.LoseWriteConnection()
	if !pair.Pump() {
		t.Fatal("both halves shut but still open")
	}
	lostWith(t, &cli.endRec, core.ErrConnectionDone)
}

// LoopbackAsync runs on a real loop of every backend.
func TestLoopbackAsyncOnLoop(t *testing.T) {
	if len(reactors.Names()) == 0 {
		t.Fatal("no backend registered")
	}
	for _, name := range reactors.Names() {
		l, err := core.Open(name)
		if err != nil {
			t.Fatalf("Open(%q): %v", name, err)
		}
		defer l.Close()
		srv := &reverseLines{}
		srv.r = protocols.NewLineReceiver(srv)
		cli := &endRec{name: "client"}
		cli.onData = func([]byte) { cli.Transport.LoseConnection() }
		d := LoopbackAsync(l, srv.r, cli)
		cli.Transport.Write([]byte("loop\r\n"))
		d.AddBoth(func(v any) (any, error) {
			_ = l.Stop()
			return v, nil
		})
		watchdog := time.AfterFunc(30*time.Second, func() { l.CallFromThread(l.Crash) })
		if err := l.Run(); err != nil {
			t.Fatalf("%s: Run: %v", name, err)
		}
		watchdog.Stop()
		if cli.data.String() != "pool\r\n" {
			t.Fatalf("%s: client got %q", name, cli.data.String())
		}
	}
}
