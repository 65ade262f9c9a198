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
	register("serve", "serve a workload (echo, lines) on one reactor backend", runServe)
}

// serveWorkloads are the protocols `serve` can run, by -workload name.
var serveWorkloads = map[string]core.Factory{
	"echo":  protocols.EchoFactory,
	"lines": protocols.LineEchoFactory,
}

// runServe listens with the chosen workload and backend until SIGINT or
// SIGTERM, which close the connections and exit 0.
func runServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "usage: reactorbench serve [-reactor NAME] [-workload echo|lines] [-addr HOST:PORT] [-sndbuf BYTES]", stderr)
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
	poller, err := backend.Info.New()
	if err != nil {
		return failure(stderr, "serve", "opening the %s backend: %v", backend.Info.Name, err)
	}
	loop := core.NewLoop(poller)
	defer loop.Close()
	// Handlers first: a supervisor may stop the server as soon as it says
	// it listens. A closed stdout or stderr must not kill it either: with
	// SIGPIPE ignored, a failed write only returns EPIPE.
	loop.HandleSignals(true)
	signal.Ignore(syscall.SIGPIPE)
	port, err := loop.ListenTCP(*addr, factory)
	if err != nil {
		return usageError(stderr, "serve", "%s", plain(err))
	}
	port.SetSendBuffer(*sndbuf)
	fmt.Fprintf(stdout, "listening on %s\n", port.GetHost())
	if err := loop.Run(); err != nil {
		return failure(stderr, "serve", "%v", plain(err))
	}
	if sig := loop.ExitSignal(); sig != nil {
		fmt.Fprintf(stderr, "reactorbench serve: stopped by %v\n", sig)
	}
	return 0
}
