package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/reactorbench/reactorbench/report"
)

func init() {
	register("report", "render DIR/results.json as an HTML report with PNG/SVG figures", runReport)
}

// runReport is "reactorbench report -in DIR [-baseline DIR] [-out DIR]".
func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("report", "usage: reactorbench report -in DIR [-baseline DIR] [-out DIR]", stderr)
	in := fs.String("in", "", "directory holding the run's results.json (required)")
	baseline := fs.String("baseline", "", "directory holding a baseline run's results.json to compare against")
	out := fs.String("out", "", "directory to write index.html and the figures into (default: the -in directory)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "reactorbench report: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *in == "" {
		fmt.Fprintln(stderr, "reactorbench report: -in DIR is required (the directory of a run's results.json)")
		fs.Usage()
		return 2
	}
	if *out == "" {
		*out = *in
	}
	if err := report.Generate(*in, *baseline, *out); err != nil {
		fmt.Fprintln(stderr, "reactorbench:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*out, "index.html"))
	return 0
}
