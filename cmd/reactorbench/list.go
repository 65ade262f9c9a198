package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/reactorbench/reactorbench/bench"
	"github.com/reactorbench/reactorbench/reactors"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

func init() {
	register("list", "list the reactor backends available on this system", runList)
}

// runList is "reactorbench list": one line per backend with what it is,
// the one "-reactor default" opens marked.
func runList(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("list", "usage: reactorbench list [-peers]\nLists the reactor backends available here, for -reactor NAME; \"default\" opens the marked one.", stderr)
	peers := fs.Bool("peers", false, "list the suite's peers instead, each with the runtime it uses here (the python3 the Twisted peers and harness run on) or what is missing")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "list", "unexpected argument %q", fs.Arg(0))
	}
	if *peers {
		return listPeers(stdout, stderr)
	}
	def, err := reactors.Lookup(reactors.DefaultName)
	if err != nil {
		return failure(stderr, "list", "%v", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, name := range reactors.Names() {
		info, err := reactors.Lookup(name)
		if err != nil {
			return failure(stderr, "list", "%v", err)
		}
		mark := ""
		if name == def.Name {
			mark = reactors.DefaultName
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, mark, info.Doc)
	}
	if err := tw.Flush(); err != nil {
		return failure(stderr, "list", "%v", err)
	}
	return 0
}

// listPeers is "reactorbench list -peers": one line per peer with what it
// is and the runtime it runs on here, or what is missing and how to
// install it.
func listPeers(stdout, stderr io.Writer) int {
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, p := range bench.Peers() {
		where := p.Runtime
		switch {
		case p.Missing != "":
			where = "missing: " + p.Missing + " (install: " + p.Hint + ")"
		case where == "":
			where = "built in"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Name, p.Doc, where)
	}
	if err := tw.Flush(); err != nil {
		return failure(stderr, "list", "%v", err)
	}
	return 0
}
