package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/reactorbench/reactorbench/bench/peers"
	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/protocols"
	"github.com/reactorbench/reactorbench/internal/peerenv"
	"github.com/reactorbench/reactorbench/reactors"
)

// echoReadSize is the read size of every Go echo server, the same as
// core's transports use, so each does equal work per event.
const echoReadSize = 64 << 10

// peer is a server the suite compares the reactor backends against. A
// new peer is one entry here plus the file of its server.
type peer struct {
	name, doc string
	// runtime returns the interpreter the peer needs, or an error saying
	// why the peer cannot run here; nil for peers that always can.
	runtime func() (string, error)
	missing string // the reason to give when runtime fails; its error when empty
	// goRuntime marks a server written in Go, which a profiled run
	// records with pprof.
	goRuntime bool
	hint      string // how to install what runtime did not find
	// serve runs the echo server in this (child) process on the loops
	// asked: it prints "addr HOST:PORT" on out and stops when in closes.
	serve func(loops int, in io.Reader, out io.Writer) error
	// loops is set for a peer that serves on N loops when asked (Go net
	// with GOMAXPROCS=N, netpoll with N pollers); oneLoop says why a peer
	// without it stays at one.
	loops   bool
	oneLoop string
}

var peerTable = []peer{
	{name: "gonet", doc: "Go net, a goroutine per connection", serve: serveGoNet, goRuntime: true, loops: true},
	{name: "netpoll", doc: "cloudwego/netpoll event loop", runtime: netpollMissing, serve: serveNetpoll, goRuntime: true, loops: true},
	{name: "node", doc: "Node.js net module", runtime: peerenv.Node, missing: "node is not installed", hint: peerenv.NodeHint,
		serve:   scriptServer(peerenv.Node, "echo.js"),
		oneLoop: "libuv's one loop; N loops would be N processes under its cluster module, a different server"},
	twistedPeer("select"),
	twistedPeer("poll"),
	twistedPeer("epoll"),
}

// twistedPeer is Twisted's echo server on one of its reactors.
func twistedPeer(reactor string) peer {
	return peer{name: "twisted-" + reactor, doc: "Twisted, " + reactor + " reactor", runtime: peerenv.Python3Twisted,
		missing: "python3 cannot import twisted", hint: peerenv.TwistedHint,
		serve:   scriptServer(peerenv.Python3Twisted, "echo_twisted.py", reactor),
		oneLoop: "Twisted's one reactor, behind Python's global interpreter lock"}
}

// PeerNames lists every peer the suite knows.
func PeerNames() []string {
	names := make([]string, len(peerTable))
	for i, p := range peerTable {
		names[i] = p.name
	}
	return names
}

// PeerStatus is a peer as this machine can run it.
type PeerStatus struct {
	Name, Doc string
	Runtime   string // the interpreter it runs on here; "" for Go peers
	Missing   string // why it cannot run here; "" when it can
	Hint      string // how to install what is missing
}

// Peers returns every peer with the runtime it would use here.
func Peers() []PeerStatus {
	st := make([]PeerStatus, len(peerTable))
	for i, p := range peerTable {
		st[i] = PeerStatus{Name: p.name, Doc: p.doc}
		if p.runtime == nil {
			continue
		}
		if rt, err := p.runtime(); err == nil {
			st[i].Runtime = rt
		} else {
			st[i].Missing, st[i].Hint, _ = peerMissing(p.name)
		}
	}
	return st
}

// ParsePeers turns a -peers value ("all", "none" or NAME,...) into peer
// names; an empty or unknown name is an error listing the valid ones.
func ParsePeers(value string) ([]string, error) {
	value = strings.TrimSpace(value)
	switch value {
	case "all":
		return PeerNames(), nil
	case "none":
		return nil, nil
	}
	var names []string
	seen := map[string]bool{}
	for _, n := range strings.Split(value, ",") {
		n = strings.TrimSpace(n)
		if _, ok := lookupPeer(n); !ok || n == "" {
			return nil, fmt.Errorf("unknown peer %q (valid: all, none, %s)", n, strings.Join(PeerNames(), ", "))
		}
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return names, nil
}

func lookupPeer(name string) (peer, bool) {
	for _, p := range peerTable {
		if p.name == name {
			return p, true
		}
	}
	return peer{}, false
}

// peerMissing returns why a peer cannot run here and how to fix it, or ok.
func peerMissing(name string) (reason, hint string, ok bool) {
	p, known := lookupPeer(name)
	if !known {
		return "unknown peer", "valid: " + strings.Join(PeerNames(), ", "), false
	}
	if p.runtime == nil {
		return "", "", true
	}
	if _, err := p.runtime(); err != nil {
		if p.missing != "" {
			return p.missing, p.hint, false
		}
		return err.Error(), p.hint, false
	}
	return "", "", true
}

// availableImpls returns the backends and the peers of o that can run,
// recording a skip for each peer that cannot (once per workload).
func availableImpls(o *Options, workload string) []string {
	impls := append([]string(nil), o.Reactors...)
	for _, p := range o.Peers {
		if reason, hint, ok := peerMissing(p); !ok {
			o.skip(workload+" peer "+p, reason, hint)
			continue
		}
		impls = append(impls, p)
	}
	return impls
}

// implCount is how many of o's backends and peers can run here.
func implCount(o *Options) int {
	n := len(o.Reactors)
	for _, p := range o.Peers {
		if _, _, ok := peerMissing(p); ok {
			n++
		}
	}
	return n
}

// serverChild runs the echo server impl in this (child) process, pinned to
// the server CPU: it prints "addr HOST:PORT", answers "counters" for the
// reactor backends, and exits when stdin closes, writing the CPU profile
// it was asked for (see profileEnv) on the way out.
func serverChild(impl string, in io.Reader, out io.Writer) error {
	loops, err := childLoops()
	if err != nil {
		return err
	}
	if err := pin(layoutFor(loops, runtime.NumCPU()).server, loops); err != nil {
		return err
	}
	stop, err := startProfile(impl, os.Getenv(profileEnv))
	if err != nil {
		return err
	}
	err = serveImpl(impl, loops, in, out)
	if perr := stop(); err == nil {
		err = perr
	}
	return err
}

// serveImpl serves echo as impl on loops loops until stdin closes.
func serveImpl(impl string, loops int, in io.Reader, out io.Writer) error {
	if info, err := reactors.Lookup(impl); err == nil {
		return serveReactor(info, loops, in, out)
	}
	if p, ok := lookupPeer(impl); ok {
		return p.serve(loops, in, out)
	}
	return fmt.Errorf("unknown server %q (valid: %s, %s)", impl, strings.Join(reactors.Names(), ", "), strings.Join(PeerNames(), ", "))
}

// scriptServer returns a peer's serve that replaces the child with the
// embedded script run by its interpreter.
func scriptServer(runtime func() (string, error), script string, args ...string) func(int, io.Reader, io.Writer) error {
	return func(int, io.Reader, io.Writer) error { return execPeer(runtime, script, args...) }
}

// execPeer replaces this process with the script's interpreter, so the
// parent measures the interpreter itself under the same pid and pinning.
func execPeer(runtime func() (string, error), script string, args ...string) error {
	exe, err := runtime()
	if err != nil {
		return err
	}
	text, err := peers.Script(script)
	if err != nil {
		return err
	}
	var argv []string
	if strings.HasSuffix(script, ".js") {
		argv = append([]string{filepath.Base(exe), "-e", text, "--"}, args...)
	} else {
		argv = append([]string{filepath.Base(exe), "-c", text}, args...)
	}
	env := os.Environ()
	for i, kv := range env {
		if strings.HasPrefix(kv, childEnv+"=") {
			env = append(env[:i], env[i+1:]...)
			break
		}
	}
	return syscall.Exec(exe, argv, env)
}

// serveReactor serves echo on a core loop over the backend.
func serveReactor(backend reactors.Info, loops int, in io.Reader, out io.Writer) error {
	group, err := core.OpenGroup(core.GroupConfig{Backend: backend.Name, Loops: loops})
	if err != nil {
		return err
	}
	defer group.Close()
	port, err := group.ListenTCP("127.0.0.1:0", func(*core.Loop) core.Factory { return protocols.EchoFactory })
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, "%s%s\n", addrPrefix, port.GetHost()); err != nil {
		return err
	}
	go func() {
		enc := json.NewEncoder(out)
		s := bufio.NewScanner(in)
		for s.Scan() {
			if s.Text() != cmdCounters {
				continue
			}
			cs, err := group.Counters()
			if err != nil {
				break
			}
			_ = enc.Encode(sumCounters(cs))
		}
		_ = group.Stop()
	}()
	return group.Run()
}

// serveGoNet is the idiomatic Go server: a goroutine per connection, on
// as many Ps as loops (serverChild sets GOMAXPROCS).
func serveGoNet(_ int, in io.Reader, out io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, "%s%s\n", addrPrefix, ln.Addr()); err != nil {
		return err
	}
	go func() {
		_, _ = io.Copy(io.Discard, in)
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			time.Sleep(5 * time.Millisecond) // out of descriptors: back off, as net/http does
			continue
		}
		go func() {
			defer c.Close()
			buf := make([]byte, echoReadSize)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// server is a running server child seen from the parent.
type server struct {
	*child
	impl string
	addr string
	pid  int
	// kernelErr is why the kernel's count of this server's system calls
	// failed in its last sample, if it did.
	kernelErr string
	// baseFDs is how many descriptors the server held before any
	// connection (-1 when unknown).
	baseFDs int
	loops   int
	layout  cpuLayout // its CPUs and its load generators'
	// profileConns is the C a profiled server records its profile for.
	profileConns int
}

// drainSlack is how many descriptors above its base a drained server may
// hold (a runtime's lazily opened files, a pending accept).
const drainSlack = 16

// drained reports whether the server has closed the last sample's
// connections, as far as its descriptor count tells.
func (s *server) drained() bool {
	n := fdCount(s.pid)
	return n < 0 || s.baseFDs < 0 || n <= s.baseFDs+drainSlack
}

// heldConns is how many descriptors the server holds above its base.
func (s *server) heldConns() int {
	n := fdCount(s.pid)
	if n < 0 || s.baseFDs < 0 {
		return 0
	}
	return max(n-s.baseFDs, 0)
}

// fdCount is how many descriptors process pid holds, -1 when unknown.
func fdCount(pid int) int {
	d, err := os.Open(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	defer d.Close()
	n := 0
	for {
		names, err := d.Readdirnames(4096)
		n += len(names)
		if err != nil {
			return n
		}
	}
}

// startServer starts impl in a child process and waits for its address;
// with a profile file, the server records its CPU profile there and is
// given the time to write it when stopped.
func startServer(ctx context.Context, impl, profile string, loops int) (*server, error) {
	env := []string{implEnv + "=" + impl, fmt.Sprintf("%s=%d", loopsEnv, loops)}
	if profile != "" {
		env = append(env, profileEnv+"="+profile)
	}
	c, err := startChild(roleServer, fmt.Sprintf("server %s (loops=%d)", impl, loops), env...)
	if err != nil {
		return nil, err
	}
	if profile != "" {
		c.grace = profileGrace
	}
	l, err := c.recv(ctx)
	if err != nil {
		c.stop()
		return nil, err
	}
	addr, ok := strings.CutPrefix(l, addrPrefix)
	if !ok {
		c.stop()
		return nil, fmt.Errorf("server %s: expected %q, got %q%s", impl, addrPrefix+"HOST:PORT", l, c.stderr())
	}
	return &server{child: c, impl: impl, addr: addr, pid: c.cmd.Process.Pid, baseFDs: -1, loops: loops, layout: layoutFor(loops, runtime.NumCPU())}, nil
}

// isReactor reports whether the server is a core loop (it has counters).
func (s *server) isReactor() bool {
	_, err := reactors.Lookup(s.impl)
	return err == nil
}

// counters asks a reactor server for its loop's counters.
func (s *server) counters(ctx context.Context) (serverCounters, error) {
	var c serverCounters
	if err := s.send(cmdCounters); err != nil {
		return c, err
	}
	err := s.recvJSON(ctx, &c)
	return c, err
}

// cpu is the server's CPU time so far: the sum of its threads' run time
// from schedstat (ns), or user+system from stat (clock ticks) when
// schedstat is unavailable.
func (s *server) cpu() (time.Duration, error) {
	return procCPU(s.pid)
}

func procCPU(pid int) (time.Duration, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err == nil {
		var sum int64
		ok := true
		for _, t := range tasks {
			b, err := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
			if err != nil {
				continue // the thread exited
			}
			f := strings.Fields(string(b))
			if len(f) == 0 {
				ok = false
				break
			}
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				ok = false
				break
			}
			sum += n
		}
		if ok && sum > 0 {
			return time.Duration(sum), nil
		}
	}
	user, sys, err := procTimes(pid)
	return user + sys, err
}

// procTimes is a process's user and system CPU time from /proc/PID/stat,
// in clock ticks (10 ms): the kernel's only split of the two, sampled at
// each tick.
func procTimes(pid int) (user, sys time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || ut < 0 || st < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	const tick = time.Second / 100
	return time.Duration(ut) * tick, time.Duration(st) * tick, nil
}

// procStatus reads a "kB" field of /proc/PID/status (VmRSS, VmHWM) in bytes.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			f := strings.Fields(v)
			if len(f) < 1 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				break
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
}
