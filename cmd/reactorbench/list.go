package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/reactorbench/reactorbench/reactors"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

func init() {
	register("list", "list the reactor backends available on this system", runList)
}

// runList is "reactorbench list": one line per backend with what it is,
// the one "-reactor default" opens marked.
func runList(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("list", "usage: reactorbench list\nLists the reactor backends available here, for -reactor NAME; \"default\" opens the marked one.", stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "list", "unexpected argument %q", fs.Arg(0))
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
