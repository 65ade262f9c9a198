package main

import (
	"fmt"
	"io"
	"text/tabwriter"

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
	fs := newFlagSet("list", "usage: reactorbench list\nLists the reactor backends, for -reactor NAME, with whether this system can run each\nand why not; \"default\" opens the marked one.", stderr)
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
	var infos []reactors.Info
	for _, name := range reactors.Names() {
		info, err := reactors.Lookup(name)
		if err != nil {
			fmt.Fprintln(stderr, "reactorbench list:", err)
			return 1
		}
		infos = append(infos, info)
	}
	if err := writeList(stdout, infos, def.Name); err != nil {
		fmt.Fprintln(stderr, "reactorbench list:", err)
		return 1
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
