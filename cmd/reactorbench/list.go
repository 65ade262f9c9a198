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
		fmt.Fprintf(stderr, "reactorbench list: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	def, err := reactors.Lookup(reactors.DefaultName)
	if err != nil {
		fmt.Fprintln(stderr, "reactorbench list:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, name := range reactors.Names() {
		info, err := reactors.Lookup(name)
		if err != nil {
			fmt.Fprintln(stderr, "reactorbench list:", err)
			return 1
		}
		mark := ""
		if name == def.Name {
			mark = reactors.DefaultName
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, mark, info.Doc)
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintln(stderr, "reactorbench list:", err)
		return 1
	}
	return 0
}
