// Package interop runs the clients of the interoperability tests, programs
// no one on the project wrote the networking of (Twisted on its select and
// epoll reactors, Node.js net), against a server's address. The client
// scripts live in core/protocols/testdata; each checks every byte it gets back and
// prints "ok" when all is well.
package interop

import (
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/internal/testenv"
)

// EchoSize is how many varied bytes each echo client sends.
const EchoSize = 200 << 10

// LineCount is how many lines, of varied length and bytes, each line
// client sends.
const LineCount = 700

// Client is one foreign client program.
type Client struct {
	// Name tells the client apart in test names, e.g. "twisted-epoll".
	Name string
	what string // the runtime, for a skip message
	hint string
	err  error    // why the runtime is unavailable
	argv []string // the command line before HOST PORT
	n    int      // the last argument: bytes or lines to send
}

// EchoClients are the clients that send EchoSize bytes in pieces to an
// echo server and check every byte comes back. dir is core/protocols/testdata,
// relative to the calling test's directory.
func EchoClients(dir string) []Client {
	py, pyErr := testenv.Python3Twisted()
	node, nodeErr := testenv.Node()
	script := filepath.Join(dir, "twisted_echo_client.py")
	// -B: the scripts import twisted_peer.py from beside them, and leave
	// no bytecode in the source tree.
	return []Client{
		{"twisted-select", "Twisted", testenv.TwistedHint, pyErr, []string{py, "-B", script, "select"}, EchoSize},
		{"twisted-epoll", "Twisted", testenv.TwistedHint, pyErr, []string{py, "-B", script, "epoll"}, EchoSize},
		{"node", "Node.js", testenv.NodeHint, nodeErr, []string{node, filepath.Join(dir, "node_echo_client.js")}, EchoSize},
	}
}

// LineClients are the clients (Twisted's LineReceiver) that send LineCount
// "\r\n"-terminated lines in pieces to a line echo server and check every
// line comes back. dir is as for EchoClients.
func LineClients(dir string) []Client {
	py, err := testenv.Python3Twisted()
	script := filepath.Join(dir, "twisted_lines_client.py")
	return []Client{
		{"twisted-lines-select", "Twisted", testenv.TwistedHint, err, []string{py, "-B", script, "select"}, LineCount},
		{"twisted-lines-epoll", "Twisted", testenv.TwistedHint, err, []string{py, "-B", script, "epoll"}, LineCount},
	}
}

// Require skips t, or fails it under REACTORBENCH_REQUIRE_ALL=1, when the
// client's runtime is missing.
func (c Client) Require(t testing.TB) {
	t.Helper()
	testenv.Require(t, c.what+" ("+c.Name+" client)", c.hint, c.err)
}

// Run runs the client against addr (HOST:PORT) and returns an error, with
// what the client printed, unless it saw everything come back. It may be
// called from any goroutine.
func (c Client) Run(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s client: %w", c.Name, err)
	}
	args := append(c.argv[1:len(c.argv):len(c.argv)], host, port, strconv.Itoa(c.n))
	out, err := exec.Command(c.argv[0], args...).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		return fmt.Errorf("%s client against %s: %v\n%s", c.Name, addr, err, out)
	}
	return nil
}
