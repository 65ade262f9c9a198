package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/reactors"
)

// buildReactorbench compiles the command into a temporary directory.
func buildReactorbench(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "reactorbench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Bad flags, workloads, reactors and addresses exit 2 with a message that
// says what is valid.
func TestServeBadUsage(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-bogus"}, "flag provided but not defined"},
		{[]string{"-workload", "nope"}, "valid: echo, lines"},
		{[]string{"-reactor", "nope"}, "valid: default"},
		{[]string{"-addr", "127.0.0.1"}, "missing port"},
		{[]string{"-addr", "127.0.0.1:99999"}, "bad port"},
		{[]string{"-addr", busy.Addr().String()}, "address already in use"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"-sndbuf", "-1"}, "out of range"},
		{[]string{"-loops", "-1"}, "want 0 (GOMAXPROCS) to"},
		{[]string{"-loops", "100000"}, "want 0 (GOMAXPROCS) to"},
		{[]string{"-accept", "random"}, "unknown accept strategy"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := dispatch(append([]string{"serve"}, c.args...), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("serve %q: exit %d, stderr %q; want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := dispatch([]string{"serve", "-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-workload") {
		t.Errorf("serve -h: exit %d, %q", code, stderr.String())
	}
}

// served is a running `reactorbench serve`.
type served struct {
	cmd    *exec.Cmd
	addr   string // HOST:PORT from its "listening on" line
	stderr bytes.Buffer
}

// startServe starts `bin serve` with the backend, the workload and the
// extra flags on 127.0.0.1:0 and reads the address it listens on. The
// process is killed when the test ends, if still running.
func startServe(t *testing.T, bin, reactor, workload string, extra ...string) *served {
	t.Helper()
	args := append([]string{"serve", "-reactor", reactor, "-workload", workload, "-addr", "127.0.0.1:0"}, extra...)
	s := &served{cmd: exec.Command(bin, args...)}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = &s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.cmd.Process.Kill() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok || strings.HasSuffix(addr, ":0") {
		t.Fatalf("first line %q, %v; want 'listening on HOST:PORT' (stderr %s)", line, err, s.stderr.String())
	}
	s.addr = addr
	return s
}

// terminate sends SIGTERM and expects exit status 0.
func (s *served) terminate(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v (stderr %s)", err, s.stderr.String())
	}
}

// The built command serves each workload on each backend, prints the real
// port, and exits 0 on SIGTERM after closing its connections.
func TestServeBinary(t *testing.T) {
	bin := buildReactorbench(t)
	if out, err := exec.Command(bin, "serve", "-reactor", "nope").CombinedOutput(); exitCode(err) != 2 {
		t.Errorf("binary with a bad reactor: %v, %s; want exit 2", err, out)
	}
	for _, name := range reactors.Names() {
		for _, w := range []struct{ workload, send, want string }{
			{"echo", "any bytes\x00\xff", "any bytes\x00\xff"},
			{"lines", "one\r\ntwo\r\npartial", "one\r\ntwo\r\n"},
		} {
			t.Run(name+"/"+w.workload, func(t *testing.T) {
				s := startServe(t, bin, name, w.workload)
				c, err := net.Dial("tcp", s.addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(20 * time.Second))
				if _, err := c.Write([]byte(w.send)); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, len(w.want))
				if _, err := io.ReadFull(c, got); err != nil || string(got) != w.want {
					t.Errorf("got %q, %v; want %q", got, err, w.want)
				}
				s.terminate(t)
				if rest, err := io.ReadAll(c); err != nil && !isReset(err) || len(rest) > 0 {
					t.Errorf("after SIGTERM the connection read %q, %v; want it closed", rest, err)
				}
			})
		}
	}
}

// With several loops the command serves on all of them, and says on exit
// how many connections each loop took.
func TestServeLoops(t *testing.T) {
	bin := buildReactorbench(t)
	for _, accept := range []string{"default", "roundrobin", "leastconn"} {
		t.Run(accept, func(t *testing.T) {
			s := startServe(t, bin, "default", "echo", "-loops", "2", "-accept", accept)
			for range 4 {
				c, err := net.Dial("tcp", s.addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(20 * time.Second))
				if _, err := c.Write([]byte("ping")); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, make([]byte, 4)); err != nil {
					t.Fatal(err)
				}
			}
			s.terminate(t)
			out := s.stderr.String()
			for _, loop := range []string{"loop 0 (", "loop 1 ("} {
				if !strings.Contains(out, loop) {
					t.Errorf("stderr %q does not report %s", out, loop)
				}
			}
			if accept != "default" && strings.Count(out, ": 2 connections accepted") != 2 {
				t.Errorf("%s: stderr %q, want 2 connections on each loop", accept, out)
			}
		})
	}
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// A client that sends a request, shuts its write side (as nc -N does),
// waits and then reads gets its whole echo back, from both workloads on
// every backend, although its small receive window keeps most of the reply
// in the server when the end of the request arrives.
func TestServeHalfClosingPeerGetsWholeReply(t *testing.T) {
	bin := buildReactorbench(t)
	for _, name := range reactors.Names() {
		for _, workload := range []string{"echo", "lines"} {
			t.Run(name+"/"+workload, func(t *testing.T) {
				s := startServe(t, bin, name, workload, "-sndbuf", "8192")
				for _, size := range []int{20 << 10, 200 << 10} {
					var req bytes.Buffer
					for i := 0; req.Len() < size; i++ {
						fmt.Fprintf(&req, "request line %d of %d\r\n", i, size)
					}
					got := halfCloseExchange(t, s.addr, req.Bytes())
					if !bytes.Equal(got, req.Bytes()) {
						t.Errorf("%d bytes sent: %d came back (equal prefix %d)", req.Len(), len(got), commonPrefix(got, req.Bytes()))
					}
				}
				s.terminate(t)
			})
		}
	}
}

// halfCloseExchange sends req from a client with a 4 KiB receive buffer,
// half-closes, waits 200 ms and reads until the server closes.
func halfCloseExchange(t *testing.T, addr string, req []byte) []byte {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	go func() {
		if _, err := c.Write(req); err == nil {
			_ = c.(*net.TCPConn).CloseWrite()
		}
	}()
	// The wait lets the end of the request reach the server first; the
	// reply must survive either order.
	time.Sleep(200 * time.Millisecond)
	got, err := io.ReadAll(c)
	if err != nil {
		t.Errorf("read: %v", err)
	}
	return got
}

func commonPrefix(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// SIGTERM sent the moment `listening on` is printed stops the server
// cleanly (exit 0) every time: its handlers exist before it says it is
// ready.
func TestServeSIGTERMRightAfterListening(t *testing.T) {
	bin := buildReactorbench(t)
	names := reactors.Names()
	for i := range 200 {
		name := names[i%len(names)]
		s := startServe(t, bin, name, "echo")
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := s.cmd.Wait(); err != nil {
			t.Fatalf("try %d (%s): exit after SIGTERM: %v (stderr %s)", i, name, err, s.stderr.String())
		}
	}
}

// With stderr a pipe nobody reads any more, the server's last log line
// fails instead of killing it with SIGPIPE: exit 0 after SIGTERM.
func TestServeSurvivesClosedStderr(t *testing.T) {
	bin := buildReactorbench(t)
	cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || !strings.HasPrefix(line, "listening on ") {
		t.Fatalf("first line %q, %v", line, err)
	}
	_ = stderr.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM with stderr closed: %v; want 0", err)
	}
}
