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
	register("list", "list the reactor backends built in, and whether this system can run each", runList)
}

// runList is "reactorbench list": one line per backend with whether this
// system can run it, the one "-reactor default" opens marked, and what it
// is; an unavailable backend gets a second line saying why.
func runList(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("list", "usage: reactorbench list [-peers]\nLists the reactor backends, for -reactor NAME, with whether this system can run each\nand why not; \"default\" opens the marked one.", stderr)
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
	var infos []reactors.Info
	for _, name := range reactors.Names() {
		info, err := reactors.Lookup(name)
		if err != nil {
			return failure(stderr, "list", "%v", err)
		}
		infos = append(infos, info)
	}
	if err := writeList(stdout, infos, def.Name); err != nil {
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

// writeList renders infos, marking def.
func writeList(w io.Writer, infos []reactors.Info, def string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, info := range infos {
		mark := ""
		if info.Name == def {
			mark = reactors.DefaultName
		}
		var why error
		if info.Available != nil {
			why = info.Available()
		}
		status := "yes"
		if why != nil {
			status = "no"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", info.Name, mark, status, info.Doc)
		if why != nil {
			fmt.Fprintf(tw, "\t\t\tnot available: %v\n", why)
		}
	}
	return tw.Flush()
}
