package loadgen

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testServer serves each accepted connection with handle on 127.0.0.1:0
// until the test ends.
func testServer(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// echoHandler echoes, applying mangle to each chunk first.
func echoHandler(mangle func([]byte) []byte) func(net.Conn) {
	return func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				if _, err := c.Write(mangle(buf[:n])); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
}

func same(b []byte) []byte { return b }

func quickLoad(addr string, conns, size int) Config {
	return Config{Addr: addr, Conns: conns, Size: size, Warmup: 50 * time.Millisecond, Duration: 200 * time.Millisecond}
}

func TestLoadClosedLoop(t *testing.T) {
	addr := testServer(t, echoHandler(same))
	for _, conns := range []int{1, 10, 50} {
		for _, size := range []int{1, 64, 1024, 100 << 10} {
			r, err := Run(quickLoad(addr, conns, size))
			if err != nil {
				t.Fatal(err)
			}
			if r.RoundTrips == 0 || r.Error() != nil || r.Starved+r.Died+r.NeverConnected != 0 {
				t.Fatalf("conns=%d size=%d: %+v", conns, size, r)
			}
			if n := r.Hist().TotalCount(); n != r.RoundTrips {
				t.Fatalf("histogram holds %d values, want %d round trips", n, r.RoundTrips)
			}
			if r.Window <= 0 {
				t.Fatalf("window %v", r.Window)
			}
		}
	}
}

func TestLoadDetectsCorruptEcho(t *testing.T) {
	cases := map[string]func([]byte) []byte{
		"flipped byte": func(b []byte) []byte { b[len(b)-1] ^= 0x40; return b },
		"doubled":      func(b []byte) []byte { return append(append([]byte(nil), b...), b...) },
		"zeros":        func(b []byte) []byte { return make([]byte, len(b)) },
	}
	for name, mangle := range cases {
		t.Run(strings.ReplaceAll(name, " ", "-"), func(t *testing.T) {
			addr := testServer(t, echoHandler(mangle))
			r, err := Run(quickLoad(addr, 5, 64))
			if err != nil {
				t.Fatal(err)
			}
			if r.Corrupt != 5 || r.RoundTrips != 0 || r.Error() == nil {
				t.Fatalf("a wrong server was not caught: %+v", r)
			}
		})
	}
}

func TestLoadNeverConnected(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r, err := Run(quickLoad(addr, 3, 64))
	if err != nil {
		t.Fatal(err)
	}
	if r.NeverConnected != 3 || r.RoundTrips != 0 {
		t.Fatalf("%+v", r)
	}
}

func TestLoadStarvedAndDied(t *testing.T) {
	silent := testServer(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	r, err := Run(quickLoad(silent, 4, 64))
	if err != nil {
		t.Fatal(err)
	}
	if r.Starved != 4 || r.Died != 0 {
		t.Fatalf("silent server: %+v", r)
	}
	rude := testServer(t, func(c net.Conn) {})
	r, err = Run(quickLoad(rude, 4, 64))
	if err != nil {
		t.Fatal(err)
	}
	if r.Died != 4 || r.Starved != 0 {
		t.Fatalf("closing server: %+v", r)
	}
}

func TestLoadOpenLoop(t *testing.T) {
	addr := testServer(t, echoHandler(same))
	cfg := quickLoad(addr, 10, 64)
	cfg.Rate = 2000
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	limit := int64(cfg.Rate*(cfg.Warmup+cfg.Duration).Seconds()) + 1
	if r.RoundTrips == 0 || r.RoundTrips > limit || r.Error() != nil || r.Starved != 0 {
		t.Fatalf("open loop at %v/s: %+v (at most %d requests were due)", cfg.Rate, r, limit)
	}
}

// TestLoadOpenLoopCountsStalls checks that latency runs from the intended
// send time: a server that holds every echo for 50 ms must show at least
// that, even though the generator sends only when a connection is free.
func TestLoadOpenLoopCountsStalls(t *testing.T) {
	addr := testServer(t, echoHandler(func(b []byte) []byte { time.Sleep(50 * time.Millisecond); return b }))
	cfg := quickLoad(addr, 1, 64)
	cfg.Rate = 200 // a request every 5 ms, each answered after 50 ms: requests queue up
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := r.Hist()
	if h.TotalCount() == 0 || h.ValueAtQuantile(99) < int64(100*time.Millisecond) {
		t.Fatalf("queued requests' latency not counted from their due time: p99=%v n=%d", time.Duration(h.ValueAtQuantile(99)), h.TotalCount())
	}
}

// TestLoadOpenLoopCountsUnanswered checks that requests still unanswered
// as the window closes are in the histogram: a server that reads and never
// answers completes no round trip, yet every request due in the window
// has a latency.
func TestLoadOpenLoopCountsUnanswered(t *testing.T) {
	addr := testServer(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	cfg := quickLoad(addr, 4, 64)
	cfg.Rate = 1000
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	due := int64(cfg.Rate*cfg.Duration.Seconds()) + 1
	if r.RoundTrips != 0 || r.Unanswered == 0 || r.Unanswered > due || r.Hist().TotalCount() != r.Unanswered {
		t.Fatalf("silent server: %d round trips, %d unanswered (at most %d due), %d in the histogram", r.RoundTrips, r.Unanswered, due, r.Hist().TotalCount())
	}
}

func TestLoadCycle(t *testing.T) {
	addr := testServer(t, echoHandler(same))
	cfg := quickLoad(addr, 4, 64)
	cfg.Cycle = true
	cfg.Spread = true
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Cycles == 0 || r.Error() != nil || r.NeverConnected != 0 {
		t.Fatalf("%+v", r)
	}
}

func TestLoadSpreadsSources(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	addr := testServer(t, func(c net.Conn) {
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		mu.Lock()
		seen[host] = true
		mu.Unlock()
		echoHandler(same)(c)
	})
	cfg := quickLoad(addr, 20, 64)
	cfg.Spread = true
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if r.Starved+r.NeverConnected != 0 || len(seen) != 20 || seen["127.0.0.1"] {
		t.Fatalf("sources %v, result %+v", seen, r)
	}
}

func TestLoadPingAll(t *testing.T) {
	addr := testServer(t, echoHandler(same))
	g, err := New(quickLoad(addr, 30, 64))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Connect(); err != nil {
		t.Fatal(err)
	}
	n, err := g.PingAll(time.Minute)
	if err != nil || n != 30 {
		t.Fatalf("answered %d of 30, err %v", n, err)
	}
}

func TestLoadBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Addr: "127.0.0.1:1", Conns: 0, Size: 64, Duration: time.Second},
		{Addr: "127.0.0.1:1", Conns: 1, Size: 0, Duration: time.Second},
		{Addr: "127.0.0.1:1", Conns: 1, Size: 64},
		{Addr: "127.0.0.1:1", Conns: 1, Size: 64, Duration: time.Second, Rate: -1},
		{Addr: "127.0.0.1", Conns: 1, Size: 64, Duration: time.Second},
		{Addr: "127.0.0.1:99999", Conns: 1, Size: 64, Duration: time.Second},
		{Addr: "[::1]:80", Conns: 1, Size: 64, Duration: time.Second, Spread: true},
	} {
		if _, err := Run(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestLoadResultMerge(t *testing.T) {
	addr := testServer(t, echoHandler(same))
	a, err := Run(quickLoad(addr, 2, 64))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(quickLoad(addr, 3, 64))
	if err != nil {
		t.Fatal(err)
	}
	want := a.RoundTrips + b.RoundTrips
	a.Merge(b)
	if a.RoundTrips != want || a.Conns != 5 || a.Hist().TotalCount() != want {
		t.Fatalf("merged %+v, want %d round trips over 5 conns", a, want)
	}
}

// TestLoadWindowStretch checks that a closed-loop window stretches until a
// slowly served connection gets its echo, so it is not counted starved.
func TestLoadWindowStretch(t *testing.T) {
	var mu sync.Mutex
	n := 0
	addr := testServer(t, func(c net.Conn) {
		mu.Lock()
		n++
		slow := n%2 == 0
		mu.Unlock()
		if slow {
			time.Sleep(300 * time.Millisecond)
		}
		echoHandler(same)(c)
	})
	cfg := Config{Addr: addr, Conns: 6, Size: 64, Duration: 100 * time.Millisecond}
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Starved != 3 {
		t.Fatalf("without a stretch: %d starved, want 3", r.Starved)
	}
	cfg.MaxDuration = time.Minute
	var edges []bool
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	g.OnEdge = func(start bool) { edges = append(edges, start) }
	if err := g.Connect(); err != nil {
		t.Fatal(err)
	}
	r, err = g.Run()
	if err != nil {
		t.Fatal(err)
	}
	if r.Starved != 0 || r.RoundTrips == 0 || len(edges) != 2 || !edges[0] || edges[1] {
		t.Fatalf("with a stretch: %+v, edges %v", r, edges)
	}
}

// TestLoadWarmupWaitsForFirstEchoes: a server that answers half its
// connections only after 300 ms (as one still accepting C connections
// does) starves them in a short window that opens after a fixed warm-up;
// with MaxWarmup the warm-up waits for every first echo, the ramp says how
// long that took, and nothing starves. A connection never answered ends
// the wait at MaxWarmup, with no ramp, and starves.
func TestLoadWarmupWaitsForFirstEchoes(t *testing.T) {
	var mu sync.Mutex
	n := 0
	server := func(mute bool) string {
		return testServer(t, func(c net.Conn) {
			mu.Lock()
			n++
			k := n
			mu.Unlock()
			switch {
			case mute && k%6 == 1:
				_, _ = io.Copy(io.Discard, c) // never answers, until closed
				return
			case k%2 == 0:
				time.Sleep(300 * time.Millisecond)
			}
			echoHandler(same)(c)
		})
	}
	addr := server(false)
	cfg := Config{Addr: addr, Conns: 6, Size: 64, Warmup: 10 * time.Millisecond, Duration: 50 * time.Millisecond}
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Starved != 3 || r.Ramp != 0 {
		t.Fatalf("a fixed warm-up: %d starved, ramp %v; want 3 and none", r.Starved, r.Ramp)
	}
	cfg.MaxWarmup = time.Minute
	if r, err = Run(cfg); err != nil {
		t.Fatal(err)
	}
	if r.Starved != 0 || r.Ramp < 300*time.Millisecond || r.RoundTrips == 0 {
		t.Fatalf("a warm-up waiting for first echoes: %d starved, ramp %v, %d round trips; want 0, at least 300ms, some", r.Starved, r.Ramp, r.RoundTrips)
	}
	cfg.Addr, cfg.MaxWarmup = server(true), 400*time.Millisecond
	if r, err = Run(cfg); err != nil {
		t.Fatal(err)
	}
	if r.Starved != 1 || r.Ramp != 0 || r.RoundTrips == 0 {
		t.Fatalf("one connection never answered: %d starved, ramp %v, %d round trips; want 1, none, some", r.Starved, r.Ramp, r.RoundTrips)
	}
	a, b := Result{Ramp: time.Second}, Result{Ramp: 2 * time.Second}
	if a.Merge(&b); a.Ramp != 2*time.Second {
		t.Errorf("merged ramp %v, want the later 2s", a.Ramp)
	}
	if b.Merge(&Result{}); b.Ramp != 0 {
		t.Errorf("merged with a process that never ramped: %v, want none", b.Ramp)
	}
}

// TestLoadGenDoesNotAllocatePerRoundTrip counts the closed loop's heap
// allocations per round trip against an echo server in another process,
// so nothing but the generator allocates here: none at all, however busy
// the machine.
func TestLoadGenDoesNotAllocatePerRoundTrip(t *testing.T) {
	g, err := New(Config{Addr: childEchoServer(t), Conns: 4, Size: 64, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Connect(); err != nil || g.NeverConnected() != 0 {
		t.Fatalf("connect: %v, %d never connected", err, g.NeverConnected())
	}
	g.inWin, g.end = true, math.MaxInt64 // an open window: every round trip counts
	for i := range g.conns {
		g.send(i, g.now())
	}
	roundTrip := func() {
		want := g.res.RoundTrips + 1
		for g.res.RoundTrips < want && g.res.Died+g.res.Corrupt == 0 {
			n, err := unix.EpollWait(g.epfd, g.events, int(time.Minute/time.Millisecond))
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				panic(err)
			}
			for _, ev := range g.events[:n] {
				g.closedEvent(ev)
			}
		}
	}
	roundTrip() // the first may fill lazily made runtime state
	allocs := testing.AllocsPerRun(2000, roundTrip)
	if g.res.Died+g.res.Corrupt != 0 || g.res.RoundTrips < 2000 {
		t.Fatalf("the echo server failed: %+v", g.res)
	}
	if allocs != 0 {
		t.Fatalf("%v allocations per round trip, want 0", allocs)
	}
}

// echoChildEnv makes the test binary an echo server (see TestMain).
const echoChildEnv = "LOADGEN_TEST_ECHO_SERVER"

// TestMain lets the test binary serve echo in a child process, so tests can
// count the generator's own allocations.
func TestMain(m *testing.M) {
	if os.Getenv(echoChildEnv) == "1" {
		os.Exit(serveEchoChild())
	}
	os.Exit(m.Run())
}

// serveEchoChild prints its address, echoes every connection, and exits
// when stdin closes.
func serveEchoChild() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(ln.Addr())
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c) }()
		}
	}()
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// childEchoServer starts the test binary as an echo server and returns its
// address; it stops when the test ends.
func childEchoServer(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), echoChildEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("echo server child: %v", err)
	}
	return strings.TrimSpace(addr)
}

// TestLoadOpenLoopAtMaxRateEnds checks that the fastest rate allowed ends
// with its window against a server that never answers: the catch-up loop
// stops at the window's end and the queues overflow into Overrun.
func TestLoadOpenLoopAtMaxRateEnds(t *testing.T) {
	silent := testServer(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	cfg := quickLoad(silent, 2, 64)
	cfg.Rate = MaxRate
	done := make(chan error, 1)
	go func() {
		r, err := Run(cfg)
		if err == nil && (r.Overrun == 0 || r.Failed() == nil) {
			err = fmt.Errorf("want overrun requests and a failed run: %+v", r)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("an open loop at MaxRate still running a minute after its 250 ms")
	}
}

// A round trip that completes while the window is open counts, even when
// the batch of events it came in runs past the window's planned end (a
// stretched window moves that end 10 ms at a time, and one batch of 4096
// connections can take longer): the window's length runs to the end of
// the batch too, so leaving the round trip out would charge the server
// for time without the work done in it.
func TestLoadCountsRoundTripsPastPlannedEnd(t *testing.T) {
	g, err := New(Config{Addr: testServer(t, echoHandler(same)), Conns: 2, Size: 64, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Connect(); err != nil || g.NeverConnected() != 0 {
		t.Fatalf("connect: %v, %d never connected", err, g.NeverConnected())
	}
	g.tick(g.now()) // the window opens, with both connections unserved
	g.end = g.now() // and its planned end has already passed
	g.send(0, g.now())
	waitReadable(t, g.conns[0].fd)
	if !g.receive(0) {
		t.Fatal("the echo did not complete a round trip")
	}
	if g.res.RoundTrips != 1 || g.unserved != 1 || g.hist.TotalCount() != 1 {
		t.Fatalf("round trips %d, unserved %d, latencies %d; want 1, 1, 1", g.res.RoundTrips, g.unserved, g.hist.TotalCount())
	}
}

// A starved connection is the server's when nothing of its echo arrived,
// and the client's when the echo waits unread in its receive queue.
func TestLoadSaysWhoseStarvingItWas(t *testing.T) {
	answer := make(chan bool, 2)
	answer <- true  // the first connection is answered
	answer <- false // the second never is
	addr := testServer(t, func(c net.Conn) {
		if <-answer {
			echoHandler(same)(c)
			return
		}
		_, _ = io.Copy(io.Discard, c)
	})
	g, err := New(Config{Addr: addr, Conns: 2, Size: 64, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Connect(); err != nil || g.NeverConnected() != 0 {
		t.Fatalf("connect: %v, %d never connected", err, g.NeverConnected())
	}
	g.tick(g.now())
	for i := range g.conns {
		g.send(i, g.now())
	}
	answered := -1
	for answered < 0 { // the generator, saturated, never reads the answer
		for i := range g.conns {
			if waiting(g.conns[i].fd) {
				answered = i
			}
		}
		time.Sleep(time.Millisecond)
	}
	g.tally()
	if g.res.StarvedByClient != 1 || g.res.Starved != 1 {
		t.Fatalf("starved by the client %d and by the server %d, want 1 and 1 (connection %d was answered)", g.res.StarvedByClient, g.res.Starved, answered)
	}
}

// waitReadable waits, with a generous watchdog, for fd to be readable.
func waitReadable(t *testing.T, fd int) {
	t.Helper()
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(time.Minute/time.Millisecond))
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			t.Fatalf("the echo never came: %v", err)
		}
		return
	}
}
