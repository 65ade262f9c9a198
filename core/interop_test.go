package core

import (
	"bufio"
	"bytes"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/internal/interop"
	"github.com/reactorbench/reactorbench/internal/testenv"
)

// Our client (ConnectTCP) sends 200 KiB in pieces to a Twisted echo server
// and gets every byte back, on every backend.
func TestInteropOurClientTwistedServer(t *testing.T) {
	py, err := testenv.Python3Twisted()
	testenv.Require(t, "Twisted", testenv.TwistedHint, err)
	srv := exec.Command(py, "protocols/testdata/twisted_echo_server.py")
	stdin, err := srv.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	srv.Stderr = &stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close() // the server stops when its stdin closes
		if err := srv.Wait(); err != nil {
			t.Errorf("Twisted server: %v\n%s", err, stderr.String())
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("Twisted server did not print its port: %v\n%s", err, stderr.String())
	}
	addr := net.JoinHostPort("127.0.0.1", strings.TrimSpace(line))
	want := pattern(interop.EchoSize, 11)
	forEachBackend(t, func(t *testing.T, name string) {
		l := newTestLoop(t, name)
		var got bytes.Buffer
		var lost, failed error
		f := &testClientFactory{
			build: func() Protocol {
				p := &testProto{}
				p.made = func(tr Transport) {
					for i, step := 0, 1; i < len(want); i, step = i+step, step*3%4099+1 {
						tr.Write(want[i:min(i+step, len(want))])
					}
				}
				p.data = func(b []byte) {
					if got.Write(b); got.Len() >= len(want) {
						p.t.LoseConnection()
					}
				}
				return p
			},
			failed: func(_ *Connector, err error) { failed = err; _ = l.Stop() },
			lost:   func(_ *Connector, err error) { lost = err; _ = l.Stop() },
		}
		if _, err := l.ConnectTCP(addr, f, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		runTestLoop(t, l)
		if failed != nil {
			t.Fatalf("connect to Twisted: %v", failed)
		}
		checkBytes(t, "echo from Twisted", got.Bytes(), want)
		if lost == nil {
			t.Error("ClientConnectionLost was not called")
		}
	})
}
