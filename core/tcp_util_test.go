package core

import (
	"bytes"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// serveWhile runs l on the test goroutine while client runs on another;
// the loop stops once client returns. Protocol callbacks therefore run on
// the test goroutine, and their state may be read after serveWhile.
func serveWhile(t *testing.T, l *Loop, client func()) {
	t.Helper()
	go func() {
		defer l.CallFromThread(func() { _ = l.Stop() })
		client()
	}()
	runTestLoop(t, l)
}

// testProto is a Protocol made of optional functions.
type testProto struct {
	t    Transport
	made func(t Transport)
	data func(b []byte)
	lost func(reason error)
}

func (p *testProto) ConnectionMade(t Transport) {
	p.t = t
	if p.made != nil {
		p.made(t)
	}
}

func (p *testProto) DataReceived(b []byte) {
	if p.data != nil {
		p.data(b)
	}
}

func (p *testProto) ConnectionLost(reason error) {
	if p.lost != nil {
		p.lost(reason)
	}
}

// halfProto is a testProto that opts in to half-close.
type halfProto struct {
	testProto
	readLost  func()
	writeLost func()
}

func (p *halfProto) ReadConnectionLost() {
	if p.readLost != nil {
		p.readLost()
	}
}

func (p *halfProto) WriteConnectionLost() {
	if p.writeLost != nil {
		p.writeLost()
	}
}

// one is a Factory that serves every connection with the protocol new
// returns.
func one(build func() Protocol) Factory {
	return FactoryFunc(func(net.Addr) Protocol { return build() })
}

// listen listens on 127.0.0.1:0 and returns the port and its address.
func listen(t *testing.T, l *Loop, f Factory) (*Port, string) {
	t.Helper()
	p, err := l.ListenTCP("127.0.0.1:0", f)
	if err != nil {
		t.Fatalf("ListenTCP: %v", err)
	}
	return p, p.GetHost().String()
}

// dial connects a blocking Go client, with a deadline as watchdog.
func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Errorf("dial %s: %v", addr, err)
		return nil
	}
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return c.(*net.TCPConn)
}

// readAll dials addr and reads until the server closes; ok is false when
// the dial failed (already reported).
func readAll(t *testing.T, addr string) (got []byte, ok bool) {
	t.Helper()
	c := dial(t, addr)
	if c == nil {
		return nil, false
	}
	defer c.Close()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Errorf("read: %v", err)
	}
	return got, true
}

// pattern returns n bytes that differ from position to position, so a
// lost, repeated or reordered chunk shows.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7+i>>8) ^ seed
	}
	return b
}

func checkBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s: got %d bytes, want %d; first difference at %d", what, len(got), len(want), i)
	}
}

// openFDs counts the process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	return len(ents)
}

// settledGoroutines waits (briefly) for goroutines to exit and returns how
// many remain, so a count is not taken while exiting ones linger.
func settledGoroutines(limit int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 200 && n > limit; i++ {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}
