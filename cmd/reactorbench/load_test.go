package main

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
)

// echoServer serves echo on 127.0.0.1:0, passing every chunk through mangle.
func echoServer(t *testing.T, mangle func([]byte)) string {
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
			}()
		}
	}()
	return ln.Addr().String()
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
		{[]string{"-addr", "127.0.0.1:1", "x"}, "unexpected argument"},
	} {
		var errb bytes.Buffer
		if code := dispatch(append([]string{"load"}, tc.args...), io.Discard, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
	var errb bytes.Buffer
	if code := dispatch([]string{"load", "-addr", "no-port"}, io.Discard, &errb); code != 1 || !strings.Contains(errb.String(), "no-port") {
		t.Errorf("bad address: exit %d, %q", code, errb.String())
	}
}
