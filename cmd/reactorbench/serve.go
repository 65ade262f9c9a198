package main

import (
	"fmt"
	"io"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/protocols"
	"github.com/reactorbench/reactorbench/reactors"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

func init() {
	register("serve", "serve a workload (echo, lines) on one reactor backend, on one or more loops", runServe)
}

// serveWorkloads are the protocols `serve` can run, by -workload name.
var serveWorkloads = map[string]core.Factory{
	"echo":  protocols.EchoFactory,
	"lines": protocols.LineEchoFactory,
}

// runServe listens with the chosen workload and backend until SIGINT or
// SIGTERM, which close the connections and exit 0; with several loops it
// then prints each loop's connections and events on stderr.
func runServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "usage: reactorbench serve [-reactor NAME] [-workload echo|lines] [-addr HOST:PORT] [-sndbuf BYTES] [-loops N] [-accept STRATEGY] [-lock-os-thread]", stderr)
	backends := strings.Join(append([]string{reactors.DefaultName}, reactors.Names()...), ", ")
	workloads := make([]string, 0, len(serveWorkloads))
	for w := range serveWorkloads {
		workloads = append(workloads, w)
	}
	sort.Strings(workloads)
	backend, err := reactors.NewBackendFlag(reactors.DefaultName)
	if err != nil {
		return failure(stderr, "serve", "%v", err)
	}
	fs.Var(backend, "reactor", "reactor backend: "+backends)
	workload := fs.String("workload", "echo", "what to serve: "+strings.Join(workloads, ", ")+
		" (lines sends back every \\r\\n-terminated line)")
	addr := fs.String("addr", "127.0.0.1:0", "HOST:PORT to listen on; port 0 picks a free one, printed on stdout")
	sndbuf := fs.Int("sndbuf", 0, "kernel send buffer of each connection in bytes, to mimic a slow link (0: the kernel's default)")
	loops := fs.Int("loops", 1, fmt.Sprintf("event loops, each on its own goroutine with its own poller (0: GOMAXPROCS, at most %d)", core.MaxGroupLoops))
	accept := fs.String("accept", "default", "how connections spread over the loops: reuseport (one listening socket per loop, Linux), roundrobin or leastconn (one acceptor hands them out); default is reuseport on Linux, roundrobin elsewhere")
	lockThreads := fs.Bool("lock-os-thread", false, "lock each loop to an OS thread of its own")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *sndbuf < 0 || *sndbuf > 1<<30 {
		fmt.Fprintf(stderr, "serve: -sndbuf %d is out of range (0 to %d)\n", *sndbuf, 1<<30)
		return 2
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "serve", "unexpected argument %q", fs.Arg(0))
	}
	factory, ok := serveWorkloads[*workload]
	if !ok {
		return usageError(stderr, "serve", "-workload: unknown workload %q (valid: %s)", *workload, strings.Join(workloads, ", "))
	}
	if *loops < 0 || *loops > core.MaxGroupLoops {
		return usageError(stderr, "serve", "-loops %d: want 0 (GOMAXPROCS) to %d", *loops, core.MaxGroupLoops)
	}
	strategy, err := core.ParseAcceptStrategy(*accept)
	if err != nil {
		return usageError(stderr, "serve", "-accept: %s", plain(err))
	}
	group, err := core.OpenGroup(core.GroupConfig{Backend: backend.Info.Name, Loops: *loops, Accept: strategy, LockOSThread: *lockThreads})
	if err != nil {
		return failure(stderr, "serve", "opening %d loops on the %s backend: %v", *loops, backend.Info.Name, plain(err))
	}
	defer group.Close()
	// Handlers first: a supervisor may stop the server as soon as it says
	// it listens. A closed stdout or stderr must not kill it either: with
	// SIGPIPE ignored, a failed write only returns EPIPE.
	group.HandleSignals(true)
	signal.Ignore(syscall.SIGPIPE)
	port, err := group.ListenTCP(*addr, func(*core.Loop) core.Factory { return factory })
	if err != nil {
		return usageError(stderr, "serve", "%s", plain(err))
	}
	port.SetSendBuffer(*sndbuf)
	fmt.Fprintf(stdout, "listening on %s\n", port.GetHost())
	if err := group.Run(); err != nil {
		return failure(stderr, "serve", "%v", plain(err))
	}
	if sig := group.ExitSignal(); sig != nil {
		fmt.Fprintf(stderr, "reactorbench serve: stopped by %v\n", sig)
	}
	if group.Len() > 1 {
		counts, _ := group.Counters() // not running: read at once
		for i, c := range counts {
			fmt.Fprintf(stderr, "reactorbench serve: loop %d (%s accept): %d connections accepted, %d events, %d reads, %d writes\n",
				i, group.Accept(), c.Accepted, c.Events, c.Reads, c.Writes)
		}
	}
	return 0
}
