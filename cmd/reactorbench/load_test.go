package main

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// echoServer serves echo on 127.0.0.1:0, passing every chunk through mangle.
func echoServer(t *testing.T, mangle func([]byte)) string {
	return serveEach(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				mangle(buf[:n])
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	})
}

func TestLoadCommand(t *testing.T) {
	addr := echoServer(t, func([]byte) {})
	for _, extra := range [][]string{nil, {"-rate", "1000"}, {"-spread", "-size", "1024"}} {
		var out, errb bytes.Buffer
		args := append([]string{"load", "-addr", addr, "-conns", "5", "-duration", "200ms", "-warmup", "50ms"}, extra...)
		if code := dispatch(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, errb.String())
		}
		for _, want := range []string{"round trips/s", "p99", "client cpu", "starved 0", "wrong echo 0"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: output lacks %q:\n%s", extra, want, out.String())
			}
		}
	}
}

func TestLoadCommandCatchesWrongEcho(t *testing.T) {
	addr := echoServer(t, func(b []byte) { b[0]++ })
	var out, errb bytes.Buffer
	code := dispatch([]string{"load", "-addr", addr, "-conns", "3", "-duration", "100ms", "-warmup", "0s"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "wrong echoed bytes") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

func TestLoadCommandNoServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var errb bytes.Buffer
	if code := dispatch([]string{"load", "-addr", addr, "-duration", "50ms", "-warmup", "0s"}, io.Discard, &errb); code != 1 || !strings.Contains(errb.String(), "no connection") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

// TestLoadCommandFailsWhenNothingServed checks that a run in which no
// connection was served (each closed by the server, each left unanswered, or
// the server gone mid-run) does not exit 0.
func TestLoadCommandFailsWhenNothingServed(t *testing.T) {
	closing := serveEach(t, func(c net.Conn) {})
	silent := serveEach(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	dying := serveEach(t, func(c net.Conn) {
		// echo for a while, then go away as a crashed server would
		_ = c.SetDeadline(time.Now().Add(150 * time.Millisecond))
		_, _ = io.Copy(c, c)
	})
	for name, addr := range map[string]string{"closing": closing, "silent": silent, "dying": dying} {
		var out, errb bytes.Buffer
		code := dispatch([]string{"load", "-addr", addr, "-conns", "3", "-duration", "300ms", "-warmup", "50ms"}, &out, &errb)
		if code != 1 || !strings.HasPrefix(errb.String(), "reactorbench load: ") {
			t.Errorf("%s server: exit %d, stdout %q, stderr %q; want 1 and why", name, code, out.String(), errb.String())
		}
	}
}

// serveEach serves every connection on 127.0.0.1:0 with handle, closing it
// after.
func serveEach(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

func TestLoadBadUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-addr"},
		{[]string{"-addr", "127.0.0.1:1", "-conns", "0"}, "-conns"},
		{[]string{"-addr", "127.0.0.1:1", "-size", "0"}, "-size"},
		{[]string{"-addr", "127.0.0.1:1", "-size", "2000000"}, "-size"},
		{[]string{"-addr", "127.0.0.1:1", "-duration", "0s"}, "-duration"},
		{[]string{"-addr", "127.0.0.1:1", "-duration", "soon"}, "invalid value"},
		{[]string{"-addr", "127.0.0.1:1", "-warmup", "-1s"}, "-warmup"},
		{[]string{"-addr", "127.0.0.1:1", "-rate", "-5"}, "-rate"},
		{[]string{"-addr", "127.0.0.1:1", "-rate", "Inf"}, "-rate +Inf"},
		{[]string{"-addr", "127.0.0.1:1", "-rate", "1e12"}, "-rate 1e+12"},
		{[]string{"-addr", "127.0.0.1:1", "-rate", "NaN"}, "-rate NaN"},
		{[]string{"-addr", "127.0.0.1:1", "-conns", "2000000000"}, "open-file limit"},
		{[]string{"-addr", "127.0.0.1:1", "-duration", "100000h"}, "-duration"},
		{[]string{"-addr", "127.0.0.1:1", "x"}, "unexpected argument"},
	} {
		var errb bytes.Buffer
		code := make(chan int, 1)
		go func() { code <- dispatch(append([]string{"load"}, tc.args...), io.Discard, &errb) }()
		select {
		case c := <-code:
			if c != 2 || !strings.HasPrefix(errb.String(), "reactorbench load: ") || !strings.Contains(errb.String(), tc.want) || strings.Contains(errb.String(), "usage:") {
				t.Errorf("%v: exit %d, stderr %q, want 2 and one line with %q", tc.args, c, errb.String(), tc.want)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%v: still running after a minute", tc.args)
		}
	}
	var errb bytes.Buffer
	if code := dispatch([]string{"load", "-addr", "no-port"}, io.Discard, &errb); code != 1 || !strings.Contains(errb.String(), "no-port") {
		t.Errorf("bad address: exit %d, %q", code, errb.String())
	}
}
