package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/reactorbench/reactorbench/bench"
	"github.com/reactorbench/reactorbench/reactors"
	_ "github.com/reactorbench/reactorbench/reactors/all"
	"github.com/reactorbench/reactorbench/report"
)

func init() {
	register("run", "run the benchmark suite; write results and the HTML report", runRun)
}

// Default repeats: at least six samples per point for a median and a 95%
// confidence interval; two under -quick, which only smoke-tests.
const (
	defaultRepeats = 6
	quickRepeats   = 2
)

// runRun is "reactorbench run": every workload on every chosen backend and
// peer, then DIR/results.json, DIR/results.txt and the report in DIR.
func runRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "usage: reactorbench run [-reactor all|NAME,...] [-peers all|none|NAME,...] [-workloads all|NAME,...] [-quick] [-repeats N] [-out DIR] [-no-report]", stderr)
	var backends reactors.NamesFlag
	fs.Var(&backends, "reactor", "backends: all, default or NAME,... of "+strings.Join(reactors.Names(), ", ")+" (default all)")
	peers := fs.String("peers", "all", "peers: all, none or NAME,... of "+strings.Join(bench.PeerNames(), ", "))
	workloads := fs.String("workloads", "all", "workloads: all or NAME,... of "+strings.Join(bench.WorkloadNames(), ", "))
	quick := fs.Bool("quick", false, "smoke-test sizes and windows (well under a minute)")
	repeats := fs.Int("repeats", 0, fmt.Sprintf("samples per point (default %d, %d with -quick)", defaultRepeats, quickRepeats))
	out := fs.String("out", "reactorbench-results", "directory for results.json, results.txt and the report")
	noReport := fs.Bool("no-report", false, "write the results only, not the HTML report")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	bad := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "reactorbench run: "+format+"\n", args...)
		return 2
	}
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	if backends.Names == nil {
		if err := backends.Set("all"); err != nil {
			return bad("%v", err)
		}
	}
	peerNames, err := bench.ParsePeers(*peers)
	if err != nil {
		return bad("-peers: %v", err)
	}
	ws, err := bench.ParseWorkloads(*workloads)
	if err != nil {
		return bad("-workloads: %v", err)
	}
	if *repeats < 0 {
		return bad("-repeats %d: must be 1 or more (0 for the default)", *repeats)
	}
	if *repeats == 0 {
		*repeats = defaultRepeats
		if *quick {
			*repeats = quickRepeats
		}
	}
	if *out == "" {
		return bad("-out: need a directory")
	}

	o := bench.Options{Reactors: backends.Names, Peers: peerNames, Quick: *quick, Repeats: *repeats}
	total := bench.TotalPoints(&o, ws)
	prog := newProgress(stdout, total)
	o.Progress = prog.step
	o.Note = func(format string, args ...any) { prog.println(stderr, "note: "+fmt.Sprintf(format, args...)) }
	o.Skip = func(what, reason, hint string) {
		prog.println(stderr, fmt.Sprintf("skipped %s: %s (install: %s)", what, reason, hint))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f, runErr := bench.RunSuite(ctx, o, ws)
	prog.finish()
	f.Env.Command = "reactorbench run " + strings.Join(args, " ")
	if err := bench.WriteResults(*out, f); err != nil {
		fmt.Fprintln(stderr, "reactorbench run:", err)
		return 1
	}
	fmt.Fprintf(stdout, "results: %s/results.json, %s/results.txt (%d points)\n", *out, *out, len(f.Results))
	if runErr != nil {
		fmt.Fprintln(stderr, "reactorbench run: stopped:", runErr)
		return 1
	}
	code := 0
	for _, s := range f.Skipped {
		if strings.HasPrefix(s.What, "workload ") {
			fmt.Fprintf(stderr, "reactorbench run: %s failed: %s\n", s.What, s.Reason)
			code = 1
		}
	}
	if *noReport {
		return code
	}
	if err := report.Generate(*out, "", *out); err != nil {
		fmt.Fprintln(stderr, "reactorbench run: report:", err)
		return 1
	}
	fmt.Fprintf(stdout, "report: %s/index.html\n", *out)
	return code
}

// progress shows one step per measured point: a bar on a terminal, a
// plain line otherwise.
type progress struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	n     int
	total int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("reactorbench run"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func (p *progress) step(name string) {
	p.n++
	if p.bar != nil {
		p.bar.Describe(name)
		_ = p.bar.Add(1)
		return
	}
	fmt.Fprintf(p.w, "[%d/%d] %s\n", p.n, p.total, name)
}

// println writes a line to w without tearing the bar.
func (p *progress) println(w io.Writer, line string) {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintln(w, line)
	if p.bar != nil {
		_ = p.bar.RenderBlank()
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
