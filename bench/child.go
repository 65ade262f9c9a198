package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// The suite runs every server and load generator in a process of its own by
// re-executing its own binary with childEnv set to the role; the parent
// talks to a child over its stdin and stdout, one line per message.
const (
	childEnv    = "REACTORBENCH_CHILD"
	roleServer  = "server"
	roleLoad    = "load"
	implEnv     = "REACTORBENCH_IMPL" // the server a server child runs
	addrPrefix  = "addr "             // a server's first line: "addr HOST:PORT"
	cmdCounters = "counters"          // server: print the loop's counters as JSON
	cmdRun      = "run"               // load: run warm-up and window, print the result
	cmdPing     = "ping"              // load: one round trip per connection, then hold them
	replyTimout = 120 * time.Second   // the longest a child may take to answer
)

// MaybeChild runs the child role named in the environment, if any, and
// exits; otherwise it returns at once. Commands and test binaries that run
// the suite call it first thing in main (or TestMain).
func MaybeChild() {
	role := os.Getenv(childEnv)
	if role == "" {
		return
	}
	var err error
	switch role {
	case roleServer:
		err = serverChild(os.Getenv(implEnv), os.Stdin, os.Stdout)
	case roleLoad:
		err = loadChild(os.Stdin, os.Stdout)
	default:
		err = fmt.Errorf("unknown child role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "reactorbench %s child: %v\n", role, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// edgeMsg is a load child's word that its window starts or ends.
type edgeMsg struct {
	Edge string `json:"edge"`
}

// The edges of a load child's window.
const (
	edgeStart = "start"
	edgeEnd   = "end"
)

// loadReady is a load child's answer to its configuration, and to ping.
type loadReady struct {
	Connected int    `json:"connected"`
	Failed    int    `json:"failed"`
	Answered  int    `json:"answered"`
	Err       string `json:"err,omitempty"`
}

// jsonLine encodes v as one line of JSON (without the newline).
func jsonLine(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// child is a running child process seen from the parent.
type child struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	lines  chan string
	exited chan struct{} // closed once the child has exited and been reaped
	errb   *tailBuffer
	name   string
	// grace is how long stop waits, after closing stdin, for the child to
	// exit by itself before killing it: a load generator closes its
	// connections with resets on the way out, leaving no TIME_WAIT.
	grace time.Duration
}

// startChild re-executes this binary in role with extra environment.
func startChild(role, name string, env ...string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(append(os.Environ(), childEnv+"="+role), env...)
	return startCmd(cmd, name)
}

// startCmd starts cmd with its stdin and stdout as the message channel.
func startCmd(cmd *exec.Cmd, name string) (*child, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outp, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, in: in, lines: make(chan string, 4), exited: make(chan struct{}), errb: &tailBuffer{}, name: name}
	cmd.Stderr = c.errb
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	go func() {
		s := bufio.NewScanner(outp)
		s.Buffer(make([]byte, 64<<10), 16<<20)
		for s.Scan() {
			c.lines <- s.Text()
		}
		close(c.lines)
		_ = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// send writes one line to the child.
func (c *child) send(line string) error {
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		return fmt.Errorf("%s: %w%s", c.name, err, c.stderr())
	}
	return nil
}

// recv reads the child's next line, failing when the child exits, ctx ends
// or the reply timeout passes.
func (c *child) recv(ctx context.Context) (string, error) {
	t := time.NewTimer(replyTimout)
	defer t.Stop()
	select {
	case l, ok := <-c.lines:
		if !ok {
			<-c.exited
			return "", fmt.Errorf("%s exited: %v%s", c.name, c.cmd.ProcessState, c.stderr())
		}
		return l, nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-t.C:
		return "", fmt.Errorf("%s: no answer in %v%s", c.name, replyTimout, c.stderr())
	}
}

// recvJSON reads the next line into v.
func (c *child) recvJSON(ctx context.Context, v any) error {
	l, err := c.recv(ctx)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(l), v); err != nil {
		return fmt.Errorf("%s: bad answer %q: %w", c.name, l, err)
	}
	return nil
}

func (c *child) stderr() string {
	if s := strings.TrimSpace(c.errb.String()); s != "" {
		return " (stderr: " + s + ")"
	}
	return ""
}

// stop closes the child's stdin, gives it its grace period to exit, then
// kills it, and reaps it.
func (c *child) stop() {
	_ = c.in.Close()
	go func() {
		for range c.lines { // unblock the reader, so it can reap the child
		}
	}()
	t := time.NewTimer(c.grace)
	defer t.Stop()
	select {
	case <-c.exited:
		return
	case <-t.C:
	}
	_ = c.cmd.Process.Kill()
	<-c.exited
}

// tailBuffer keeps the last 2 KiB written to it: a child's stderr, for
// error messages.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 2048 {
		t.b = t.b[len(t.b)-2048:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
