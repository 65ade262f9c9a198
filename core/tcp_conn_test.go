package core

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// One Write of 1 MiB arrives whole, then LoseConnection closes cleanly.
func TestTCPWriteOneMiBArrivesWhole(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		want := pattern(1<<20, 1)
		var reason error
		_, addr := listen(t, l, one(func() Protocol {
			return &testProto{
				made: func(tr Transport) { tr.Write(want); tr.LoseConnection() },
				lost: func(err error) { reason = err },
			}
		}))
		serveWhile(t, l, func() {
			got, ok := readAll(t, addr)
			if !ok {
				return
			}
			checkBytes(t, "1 MiB", got, want)
		})
		if !errors.Is(reason, ErrConnectionDone) {
			t.Errorf("ConnectionLost(%v), want ErrConnectionDone", reason)
		}
		if c := l.Counters(); c.Writes == 0 {
			t.Errorf("Counters().Writes = 0 after writing")
		}
	})
}

// a, LoseConnection, b: the peer gets "ab" after everything buffered before.
func TestTCPLoseConnectionFlushesLaterWrites(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		big := pattern(1<<20, 2)
		lost := 0
		_, addr := listen(t, l, one(func() Protocol {
			return &testProto{
				made: func(tr Transport) {
					tr.Write(big) // most of it stays buffered
					tr.Write([]byte("a"))
					tr.LoseConnection()
					tr.Write([]byte("b"))
					tr.LoseConnection()
				},
				lost: func(error) { lost++ },
			}
		}))
		serveWhile(t, l, func() {
			got, ok := readAll(t, addr)
			if !ok {
				return
			}
			checkBytes(t, "big+ab", got, append(append([]byte{}, big...), 'a', 'b'))
		})
		if lost != 1 {
			t.Errorf("ConnectionLost ran %d times, want 1", lost)
		}
	})
}

// AbortConnection resets the connection (the peer sees ECONNRESET) and
// the protocol hears ConnectionLost(ErrConnectionAborted) on a later pass,
// once, even when it aborts twice and loses afterwards.
func TestTCPAbortResetsAndReportsNextPass(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var reasons []error
		inside := false
		reentrant := false
		_, addr := listen(t, l, one(func() Protocol {
			p := &testProto{}
			p.data = func([]byte) {
				p.t.Write(pattern(1<<20, 3))
				inside = true
				p.t.AbortConnection()
				p.t.AbortConnection()
				p.t.LoseConnection()
				p.t.Write([]byte("dropped"))
				inside = false
			}
			p.lost = func(err error) {
				reentrant = reentrant || inside
				reasons = append(reasons, err)
			}
			return p
		}))
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			_, _ = c.Write([]byte("go"))
			_, err := io.Copy(io.Discard, c)
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("peer read ended with %v, want ECONNRESET", err)
			}
		})
		if reentrant {
			t.Error("ConnectionLost ran inside AbortConnection")
		}
		if len(reasons) != 1 || !errors.Is(reasons[0], ErrConnectionAborted) {
			t.Errorf("ConnectionLost reasons %v, want one ErrConnectionAborted", reasons)
		}
	})
}

// A peer that resets while the server is writing ends the connection with
// ErrConnectionLost, once; the loop keeps serving others.
func TestTCPPeerResetMidWrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		lostCh := make(chan error, 4)
		chunk := pattern(64<<10, 4)
		_, addr := listen(t, l, one(func() Protocol {
			p := &testProto{lost: func(err error) { lostCh <- err }}
			prod := &pullWriter{chunk: chunk}
			p.made = func(tr Transport) {
				prod.t = tr
				if err := tr.RegisterProducer(prod, false); err != nil {
					t.Errorf("RegisterProducer: %v", err)
				}
			}
			return p
		}))
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			if _, err := io.ReadFull(c, make([]byte, 256<<10)); err != nil {
				t.Errorf("read: %v", err)
			}
			_ = c.SetLinger(0)
			c.Close()
			err := <-lostCh
			if !errors.Is(err, ErrConnectionLost) {
				t.Errorf("ConnectionLost(%v), want ErrConnectionLost", err)
			}
		})
		if len(lostCh) != 0 {
			t.Errorf("ConnectionLost ran more than once")
		}
	})
}

// pullWriter is a pull producer writing chunk on every ResumeProducing
// until stopped.
type pullWriter struct {
	t       Transport
	chunk   []byte
	resumes int
	stopped bool
}

func (p *pullWriter) ResumeProducing() {
	p.resumes++
	if !p.stopped {
		p.t.Write(p.chunk)
	}
}

func (p *pullWriter) StopProducing() { p.stopped = true }

// Half-close, peer side: a HalfCloseableProtocol hears ReadConnectionLost
// and may still write; a plain protocol hears ConnectionLost(done).
func TestTCPHalfCloseByPeer(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var got bytes.Buffer
		var plainReason error
		readLost := 0
		_, addr := listen(t, l, FactoryFunc(func(net.Addr) Protocol {
			if got.Len() > 0 { // second connection: a plain protocol
				return &testProto{lost: func(err error) { plainReason = err }}
			}
			p := &halfProto{}
			p.data = func(b []byte) { got.Write(b) }
			p.readLost = func() {
				readLost++
				p.t.Write([]byte("reply after half-close: "))
				p.t.Write(got.Bytes())
				p.t.LoseConnection()
			}
			return p
		}))
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			_, _ = c.Write([]byte("question"))
			_ = c.CloseWrite()
			reply, err := io.ReadAll(c)
			if err != nil || string(reply) != "reply after half-close: question" {
				t.Errorf("reply %q, %v", reply, err)
			}
			c2 := dial(t, addr)
			if c2 == nil {
				return
			}
			defer c2.Close()
			_ = c2.CloseWrite()
			if b, err := io.ReadAll(c2); err != nil || len(b) > 0 {
				t.Errorf("plain protocol: read %q, %v; want EOF", b, err)
			}
		})
		if readLost != 1 {
			t.Errorf("ReadConnectionLost ran %d times, want 1", readLost)
		}
		if !errors.Is(plainReason, ErrConnectionDone) {
			t.Errorf("plain protocol ConnectionLost(%v), want ErrConnectionDone", plainReason)
		}
	})
}

// Half-close, our side: LoseWriteConnection flushes, shuts the write side
// and calls WriteConnectionLost; the peer can still send to us.
func TestTCPLoseWriteConnection(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		want := pattern(512<<10, 5)
		var got bytes.Buffer
		writeLost, readLost := 0, 0
		var reason error
		lostCh := make(chan struct{})
		_, addr := listen(t, l, one(func() Protocol {
			p := &halfProto{}
			p.made = func(tr Transport) {
				tr.Write(want)
				tr.LoseWriteConnection()
				tr.Write([]byte("still before the shutdown"))
			}
			p.data = func(b []byte) { got.Write(b) }
			p.writeLost = func() {
				writeLost++
				p.t.Write([]byte("dropped after the shutdown"))
			}
			p.readLost = func() { readLost++; p.t.LoseConnection() }
			p.lost = func(err error) { reason = err; close(lostCh) }
			return p
		}))
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			b, err := io.ReadAll(c)
			if err != nil {
				t.Errorf("read: %v", err)
			}
			checkBytes(t, "before the shutdown", b, append(append([]byte{}, want...), "still before the shutdown"...))
			if _, err := c.Write([]byte("from the peer")); err != nil {
				t.Errorf("peer write after our half-close: %v", err)
			}
			_ = c.CloseWrite()
			<-lostCh
		})
		if writeLost != 1 || readLost != 1 {
			t.Errorf("WriteConnectionLost %d, ReadConnectionLost %d times, want 1 and 1", writeLost, readLost)
		}
		if got.String() != "from the peer" {
			t.Errorf("server got %q after half-close", got.String())
		}
		if !errors.Is(reason, ErrConnectionDone) {
			t.Errorf("ConnectionLost(%v), want ErrConnectionDone", reason)
		}
	})
}

// A slow reader pauses a streaming producer above the high-water mark and
// resumes it once the buffer drains; every byte arrives.
func TestTCPSlowReaderPausesProducer(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		const total = 32 << 20 // more than the kernel's socket buffers hold
		prod := &pushWriter{chunk: pattern(16<<10, 6), total: total, pausedCh: make(chan struct{})}
		_, addr := listen(t, l, one(func() Protocol {
			return &testProto{made: func(tr Transport) {
				prod.t = tr
				if err := tr.RegisterProducer(prod, true); err != nil {
					t.Errorf("RegisterProducer: %v", err)
				}
				if err := tr.RegisterProducer(prod, true); !errors.Is(err, ErrProducerRegistered) {
					t.Errorf("second RegisterProducer: %v, want ErrProducerRegistered", err)
				}
				prod.produce()
			}}
		}))
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			<-prod.pausedCh // read nothing until the server is paused
			n, err := io.Copy(io.Discard, c)
			if err != nil || n != total {
				t.Errorf("read %d bytes, %v; want %d", n, err, total)
			}
		})
		if prod.pauses == 0 || prod.resumes == 0 {
			t.Errorf("producer paused %d and resumed %d times; want both", prod.pauses, prod.resumes)
		}
		if prod.maxBuffered > HighWaterMark+len(prod.chunk) {
			t.Errorf("buffer reached %d bytes, want at most mark+chunk", prod.maxBuffered)
		}
	})
}

// pushWriter is a streaming producer writing chunks until paused, then
// closing after total bytes.
type pushWriter struct {
	t                        Transport
	chunk                    []byte
	total, sent              int
	paused                   bool
	pauses, resumes, stopped int
	maxBuffered              int
	pausedCh                 chan struct{} // closed at the first pause, if set
}

func (p *pushWriter) produce() {
	for !p.paused && p.sent < p.total {
		n := min(len(p.chunk), p.total-p.sent)
		p.t.Write(p.chunk[:n])
		p.sent += n
		if c, ok := p.t.(*tcpConn); ok {
			p.maxBuffered = max(p.maxBuffered, c.buffered())
		}
	}
	if p.sent == p.total {
		p.t.UnregisterProducer()
		p.t.LoseConnection()
	}
}

func (p *pushWriter) PauseProducing() {
	p.paused = true
	if p.pauses++; p.pauses == 1 && p.pausedCh != nil {
		close(p.pausedCh)
	}
}

func (p *pushWriter) ResumeProducing() { p.paused = false; p.resumes++; p.produce() }
func (p *pushWriter) StopProducing()   { p.stopped++ }

// fullSocket returns a non-blocking end of a socketpair whose send buffer
// is full; the other end, never read, is closed when the test ends.
func fullSocket(t *testing.T) int {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[1]) })
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		t.Fatal(err)
	}
	fill := make([]byte, 64<<10)
	for {
		if _, err := unix.Write(fds[0], fill); err != nil {
			return fds[0]
		}
	}
}

// The mark is strict: exactly HighWaterMark buffered bytes do not pause,
// one more does. A socketpair with a full send buffer keeps every byte
// buffered, so no loop needs to run.
func TestTCPHighWaterMarkBoundary(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		c := newTCPConn(l, fullSocket(t), &net.TCPAddr{})
		c.start(&BaseProtocol{})
		prod := &pushWriter{}
		if err := c.RegisterProducer(prod, true); err != nil {
			t.Fatal(err)
		}
		c.Write(make([]byte, HighWaterMark))
		if prod.pauses != 0 {
			t.Errorf("paused with exactly HighWaterMark (%d) bytes buffered", c.buffered())
		}
		c.Write([]byte{0})
		if prod.pauses != 1 {
			t.Errorf("not paused with %d bytes buffered", c.buffered())
		}
		c.AbortConnection()
		c.ConnectionLost(ErrConnectionAborted)
		if prod.stopped != 1 {
			t.Errorf("StopProducing ran %d times at loss, want 1", prod.stopped)
		}
	})
}

// Registering on a gone transport stops the producer at once; a pull
// producer is resumed on registration and whenever the buffer empties.
func TestTCPRegisterProducerRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var late *pushWriter
		var pull *pullWriter
		_, addr := listen(t, l, one(func() Protocol {
			p := &testProto{}
			p.made = func(tr Transport) {
				pull = &pullWriter{t: tr, chunk: []byte("x")}
				if err := tr.RegisterProducer(pull, false); err != nil {
					t.Errorf("RegisterProducer: %v", err)
				}
				if pull.resumes != 1 {
					t.Errorf("pull producer resumed %d times on registration, want 1", pull.resumes)
				}
			}
			p.data = func([]byte) {
				pull.stopped = true
				p.t.UnregisterProducer()
				p.t.LoseConnection()
			}
			p.lost = func(error) {
				late = &pushWriter{}
				if err := p.t.RegisterProducer(late, true); err != nil {
					t.Errorf("RegisterProducer after loss: %v", err)
				}
				p.t.Write([]byte("dropped silently"))
				p.t.WriteSequence([][]byte{[]byte("also"), []byte("dropped")})
			}
			return p
		}))
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			buf := make([]byte, 1000)
			n, _ := io.ReadAtLeast(c, buf, 100) // the buffer emptied 100 times
			_, _ = c.Write([]byte("enough"))
			rest, _ := io.ReadAll(c)
			if s := string(buf[:n]) + string(rest); strings.Trim(s, "x") != "" {
				t.Errorf("got %q, want only x", s)
			}
		})
		if late == nil || late.stopped != 1 {
			t.Errorf("producer registered after loss was not stopped at once")
		}
		if pull.resumes < 100 {
			t.Errorf("pull producer resumed %d times, want one per emptied buffer", pull.resumes)
		}
	})
}

// WriteSequence equals one Write of the concatenation, buffered or not.
func TestTCPWriteSequence(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		big := pattern(1<<20, 7)
		parts := [][]byte{[]byte("head:"), big[:1000], nil, big[1000:], []byte(":tail")}
		many := make([][]byte, 200)
		for i := range many {
			many[i] = []byte{byte(i)}
		}
		_, addr := listen(t, l, one(func() Protocol {
			return &testProto{made: func(tr Transport) {
				tr.WriteSequence(parts)
				tr.WriteSequence(many)
				tr.LoseConnection()
			}}
		}))
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			got, _ := io.ReadAll(c)
			want := bytes.Join(append(parts, many...), nil)
			checkBytes(t, "WriteSequence", got, want)
		})
	})
}

// The transport is a producer: pausing stops reads, resuming restarts
// them, and a close seen while paused arrives after resume.
func TestTCPTransportPauseStopsReads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var got bytes.Buffer
		var tr Transport
		made := make(chan struct{})
		lost := make(chan error, 1)
		_, addr := listen(t, l, one(func() Protocol {
			return &testProto{
				made: func(t Transport) { tr = t; t.PauseProducing(); close(made) },
				data: func(b []byte) { got.Write(b) },
				lost: func(err error) { lost <- err },
			}
		}))
		readWhilePaused := -1
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			<-made
			_, _ = c.Write([]byte("sent while paused"))
			c.Close()
			// Two passes with the data and the close pending, then resume.
			l.CallFromThread(func() {
				l.CallLater(0, func() {
					l.CallLater(0, func() {
						readWhilePaused = got.Len()
						tr.ResumeProducing()
					})
				})
			})
			if err := <-lost; !errors.Is(err, ErrConnectionDone) {
				t.Errorf("ConnectionLost(%v), want ErrConnectionDone", err)
			}
		})
		if readWhilePaused != 0 {
			t.Errorf("paused transport delivered %d bytes", readWhilePaused)
		}
		if got.String() != "sent while paused" {
			t.Errorf("after resume got %q", got.String())
		}
	})
}

// A panic in DataReceived disconnects that connection with the panic as
// the reason; the loop and other connections go on.
func TestTCPPanicInDataReceived(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		boom := errors.New("boom")
		var reason error
		_, addr := listen(t, l, FactoryFunc(func(net.Addr) Protocol {
			if reason == nil {
				return &testProto{
					data: func([]byte) { panic(boom) },
					lost: func(err error) { reason = err },
				}
			}
			return new(Echo)
		}))
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			defer c.Close()
			_, _ = c.Write([]byte("x"))
			if b, err := io.ReadAll(c); err != nil || len(b) > 0 {
				t.Errorf("panicking connection: read %q, %v; want EOF", b, err)
			}
			c2 := dial(t, addr)
			if c2 == nil {
				return
			}
			defer c2.Close()
			_, _ = c2.Write([]byte("still serving"))
			b := make([]byte, len("still serving"))
			if _, err := io.ReadFull(c2, b); err != nil || string(b) != "still serving" {
				t.Errorf("echo after a panic: %q, %v", b, err)
			}
		})
		if !errors.Is(reason, boom) {
			t.Errorf("ConnectionLost(%v), want the panic value", reason)
		}
	})
}

// watchedEcho is an Echo that records the most bytes its transport held
// and says when the transport paused itself.
type watchedEcho struct {
	Echo
	maxBuffered int
	paused      chan struct{}
}

func (e *watchedEcho) DataReceived(b []byte) {
	e.Echo.DataReceived(b)
	c := e.Transport.(*tcpConn)
	e.maxBuffered = max(e.maxBuffered, c.buffered())
	if c.readPaused && e.paused != nil {
		close(e.paused)
		e.paused = nil
	}
}

// A peer that sends without reading cannot make the echo server buffer
// without bound: the transport pauses its own reading above the mark.
func TestTCPEchoBoundedForPeerThatNeverReads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		paused := make(chan struct{})
		e := &watchedEcho{paused: paused}
		_, addr := listen(t, l, one(func() Protocol { return e }))
		serveWhile(t, l, func() {
			c := dial(t, addr)
			if c == nil {
				return
			}
			writerDone := make(chan struct{})
			go func() {
				defer close(writerDone)
				chunk := pattern(1<<20, 12)
				for range 256 { // far more than the kernel's buffers hold
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
				t.Error("256 MiB went to a server whose peer never reads")
			}()
			<-paused
			c.Close()
			<-writerDone
		})
		if bound := HighWaterMark + readBufferSize; e.maxBuffered > bound {
			t.Errorf("echo buffered %d bytes, want at most %d", e.maxBuffered, bound)
		}
	})
}

// Every read and write syscall of the transport is counted: an echo round
// trip through our own client and server writes twice (one writev from
// the client, one write back) and reads at least twice.
func TestTCPCountsReadsAndWrites(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		_, addr := listen(t, l, EchoFactory)
		var before, after Counters
		var got []byte
		f := &testClientFactory{
			build: func() Protocol {
				p := &testProto{}
				p.made = func(tr Transport) {
					before = l.Counters()
					tr.WriteSequence([][]byte{nil, {}}) // nothing to send: no syscall
					tr.WriteSequence([][]byte{[]byte("pi"), []byte("ng")})
				}
				p.data = func(b []byte) {
					if got = append(got, b...); len(got) == 4 {
						after = l.Counters()
						p.t.LoseConnection()
					}
				}
				return p
			},
			failed: func(_ *Connector, err error) { t.Errorf("ClientConnectionFailed(%v)", err); stopLoop(l) },
			lost:   func(*Connector, error) { stopLoop(l) },
		}
		if _, err := l.ConnectTCP(addr, f, 0); err != nil {
			t.Fatal(err)
		}
		runTestLoop(t, l)
		if string(got) != "ping" {
			t.Fatalf("echoed %q, want %q", got, "ping")
		}
		if w := after.Writes - before.Writes; w != 2 {
			t.Errorf("%d writes counted for one round trip, want 2", w)
		}
		if r := after.Reads - before.Reads; r < 2 {
			t.Errorf("%d reads counted for one round trip, want at least 2", r)
		}
	})
}

// Reads and writes that find the socket not ready (EAGAIN) are syscalls
// too, and counted.
func TestTCPCountsEAGAIN(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		if l.ring != nil {
			t.Skip("a Completer reads and writes without system calls that could find the socket not ready")
		}
		c := newTCPConn(l, fullSocket(t), &net.TCPAddr{})
		c.start(&testProto{data: func([]byte) { t.Error("DataReceived with nothing sent") }})
		defer c.ConnectionLost(ErrConnectionDone)
		before := l.Counters()
		_ = c.DoRead()
		c.Write([]byte("x"))
		_ = c.DoWrite()
		c.WriteSequence([][]byte{[]byte("y")})
		d := l.Counters()
		if r, w := d.Reads-before.Reads, d.Writes-before.Writes; r != 1 || w != 2 {
			t.Errorf("counted %d reads and %d writes, want 1 and 2 (WriteSequence on a full buffer only queues)", r, w)
		}
		if a := d.Again - before.Again; a != 3 {
			t.Errorf("counted %d calls that found the socket not ready, want 3", a)
		}
		if c.buffered() != 2 {
			t.Errorf("%d bytes buffered, want 2", c.buffered())
		}
	})
}

// A loop makes its read buffer with its first connection and lends it to
// every later one; another loop has its own.
func TestTCPReadBufferPerLoop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		if l.ring != nil {
			t.Skip("a Completer's connections share its buffer ring, not a read buffer")
		}
		if l.rbuf != nil {
			t.Fatal("a loop without connections holds a read buffer")
		}
		var conns []*tcpConn
		_, addr := listen(t, l, one(func() Protocol {
			p := &testProto{made: func(tr Transport) { conns = append(conns, tr.(*tcpConn)) }}
			p.data = func(b []byte) { p.t.Write(b) }
			return p
		}))
		serveWhile(t, l, func() {
			for range 2 {
				c := dial(t, addr)
				if c == nil {
					return
				}
				defer c.Close()
				if _, err := c.Write([]byte("x")); err != nil {
					t.Error(err)
				}
				var b [1]byte
				if _, err := io.ReadFull(c, b[:]); err != nil {
					t.Error(err)
				}
			}
		})
		if len(conns) != 2 || l.rbuf == nil || conns[0].rbuf != l.rbuf || conns[1].rbuf != l.rbuf {
			t.Fatalf("%d connections do not share the loop's read buffer", len(conns))
		}
		other := newTestLoop(t, name)
		if other.tcpReadBuffer() == l.rbuf {
			t.Error("two loops share one read buffer")
		}
	})
}
