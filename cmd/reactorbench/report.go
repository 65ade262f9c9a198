package main

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/reactorbench/reactorbench/report"
)

func init() {
	register("report", "render DIR/results.json as an HTML report with PNG/SVG figures; with -baseline, compare and gate", runReport)
}

// percentFlag is a percentage given as "10%" or "10".
type percentFlag struct{ v float64 }

func (p *percentFlag) String() string { return strconv.FormatFloat(p.v, 'g', -1, 64) + "%" }

func (p *percentFlag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1000 {
		return fmt.Errorf("want a percentage from 0 to 1000, such as 10%%")
	}
	p.v = v
	return nil
}

// runReport is "reactorbench report -in DIR [-baseline DIR] [-out DIR]
// [-fail-on-regression [-threshold P%] [-alpha A]]".
func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("report", "usage: reactorbench report -in DIR [-baseline DIR [-fail-on-regression] [-threshold 10%] [-alpha 0.05]] [-profiles DIR] [-out DIR]", stderr)
	in := fs.String("in", "", "directory holding the run's results.json (required)")
	baseline := fs.String("baseline", "", "directory holding a baseline run's results.json to compare against")
	out := fs.String("out", "", "directory to write index.html and the figures into (default: the -in directory)")
	gate := fs.Bool("fail-on-regression", false, "with -baseline: exit 1 when a metric got significantly worse by -threshold or more, or allocations grew at all")
	threshold := percentFlag{report.DefaultGate.Threshold}
	fs.Var(&threshold, "threshold", "with -fail-on-regression: the smallest regression that fails")
	profiles := fs.String("profiles", "", "directory of a profiled run's CPU profiles (run -profile DIR) to link from the report")
	alpha := fs.Float64("alpha", report.DefaultGate.Alpha, "significance level of the comparison (Mann-Whitney U test)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := func(msg string) int {
		fmt.Fprintln(stderr, "reactorbench report:", msg)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usageErr(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	case *in == "":
		return usageErr("-in DIR is required (the directory of a run's results.json)")
	case *gate && *baseline == "":
		return usageErr("-fail-on-regression needs -baseline DIR")
	case !(*alpha > 0 && *alpha < 1):
		return usageErr(fmt.Sprintf("-alpha %v: want a level between 0 and 1, such as 0.05", *alpha))
	}
	if *out == "" {
		*out = *in
	}
	g := report.Gate{Alpha: *alpha, Threshold: threshold.v}
	c, err := report.Render(report.Options{In: *in, Baseline: *baseline, Out: *out, Gate: g, Profiles: *profiles})
	if err != nil {
		fmt.Fprintln(stderr, "reactorbench", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*out, "index.html"))
	if c == nil {
		return 0
	}
	fmt.Fprintln(stdout, c.Summary())
	if !*gate {
		return 0
	}
	if len(c.Rows) == 0 {
		fmt.Fprintln(stderr, "reactorbench report: -fail-on-regression: the two runs share no metric to compare")
		return 1
	}
	if c.Undetectable == len(c.Rows) {
		fmt.Fprintln(stderr, "reactorbench report: -fail-on-regression: the samples are too few for any change to be significant; run 4 or more repeats on each side")
		return 1
	}
	regs := c.Regressions(g)
	for _, r := range regs {
		fmt.Fprintf(stderr, "regression: %s %s %+.1f%% (p=%.3f)\n", r.Name, r.Metric, r.Change.Pct, r.Change.P)
	}
	if len(regs) > 0 {
		fmt.Fprintf(stderr, "reactorbench report: %d significant regressions of %v or more (or allocation increases) at p < %g\n", len(regs), &threshold, g.Alpha)
		return 1
	}
	return 0
}
