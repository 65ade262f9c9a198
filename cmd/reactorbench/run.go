package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
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
	fs := newFlagSet("run", "usage: reactorbench run [-reactor all|NAME,...] [-peers all|none|NAME,...] [-workloads all|NAME,...] [-loops N,...] [-conns C,...] [-quick] [-repeats N] [-largest-c] [-out DIR] [-profile DIR] [-no-report]", stderr)
	var backends reactors.NamesFlag
	fs.Var(&backends, "reactor", "backends: all, default or NAME,... of "+strings.Join(reactors.Names(), ", ")+" (default all)")
	peers := fs.String("peers", "all", "peers: all, none or NAME,... of "+strings.Join(bench.PeerNames(), ", "))
	workloads := fs.String("workloads", "all", "workloads: all or NAME,... of "+strings.Join(bench.WorkloadNames(), ", "))
	loops := fs.String("loops", "1", fmt.Sprintf("server loop counts for the network workloads, N,... from 1 to %d: reactor backends on a group of N loops, Go net at GOMAXPROCS=N, netpoll with N pollers (Node.js and Twisted stay at one loop)", bench.MaxLoops))
	conns := fs.String("conns", "", "closed-loop echo connection counts C,... instead of the default ladder (each clamped to the descriptor limit)")
	quick := fs.Bool("quick", false, "smoke-test sizes and windows (a few minutes)")
	repeats := fs.Int("repeats", 0, fmt.Sprintf("samples per point, 1 or more (when not given: %d, or %d with -quick)", defaultRepeats, quickRepeats))
	out := fs.String("out", "reactorbench-results", "directory for results.json, results.txt and the report")
	noReport := fs.Bool("no-report", false, "write the results only, not the HTML report")
	profileDir := fs.String("profile", "", "after the measured run, a separate run recording a CPU profile (pprof, and SVG when graphviz is installed) of each Go server per workload and C into DIR; its numbers are discarded")
	largest := fs.Bool("largest-c", false, "echo: measure only the connection ladder's largest C, the point at scale")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	bad := func(format string, args ...any) int { return usageError(stderr, "run", format, args...) }
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	if backends.Names == nil {
		if err := backends.Set(reactors.AllNames); err != nil {
			return failure(stderr, "run", "%v", err)
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
	loopCounts, err := bench.ParseLoops(*loops)
	if err != nil {
		return bad("-loops: %v", err)
	}
	var connCounts []int
	if *conns != "" {
		if connCounts, err = bench.ParseConns(*conns); err != nil {
			return bad("-conns: %v", err)
		}
	}
	if flagGiven(fs, "repeats") && *repeats < 1 {
		return bad("-repeats %d: must be 1 or more (leave it out for %d, or %d with -quick)", *repeats, defaultRepeats, quickRepeats)
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
	if err := checkWritable(*out); err != nil {
		return bad("-out %s: %v", *out, err)
	}
	if flagGiven(fs, "profile") {
		if *profileDir == "" {
			return bad("-profile: need a directory")
		}
		if err := checkWritable(*profileDir); err != nil {
			return bad("-profile %s: %v", *profileDir, err)
		}
	}

	o := bench.Options{Reactors: backends.Names, Peers: peerNames, Loops: loopCounts, Conns: connCounts, Quick: *quick, Repeats: *repeats, LargestC: *largest}
	total := bench.TotalPoints(&o, ws)
	prog := newProgress(stdout, total)
	o.Progress = prog.step
	o.Note = func(format string, args ...any) { prog.println(stderr, "note: "+fmt.Sprintf(format, args...)) }
	o.Skip = func(what, reason, hint string) {
		prog.println(stderr, fmt.Sprintf("skipped %s: %s (install: %s)", what, reason, hint))
	}

	ctx, stop := runContext()
	defer stop()
	f, runErr := bench.RunSuite(ctx, o, ws)
	prog.finish()
	f.Env.Command = "reactorbench run " + strings.Join(args, " ")
	if err := bench.WriteResults(*out, f); err != nil {
		return failure(stderr, "run", "%v", err)
	}
	fmt.Fprintf(stdout, "results: %s/results.json, %s/results.txt (%d points)\n", *out, *out, len(f.Results))
	if runErr != nil {
		fmt.Fprintf(stderr, "reactorbench run: stopped (%v) after %d of %d points; the partial results are kept. Render them with:\n  reactorbench report -in %s\n",
			runErr, len(f.Results), total, shellQuote(*out))
		return 1
	}
	code := 0
	for _, s := range f.Skipped {
		if strings.HasPrefix(s.What, "workload ") {
			fmt.Fprintf(stderr, "reactorbench run: %s failed: %s\n", s.What, s.Reason)
			code = 1
		}
	}
	if *profileDir != "" {
		if err := profileRun(ctx, o, ws, *profileDir, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "reactorbench run: profiled run stopped (%v); the results are kept\n", err)
			return 1
		}
	}
	if *noReport {
		return code
	}
	if _, err := report.Render(report.Options{In: *out, Out: *out, Gate: report.DefaultGate, Profiles: *profileDir}); err != nil {
		return failure(stderr, "run", "report: %v", err)
	}
	fmt.Fprintf(stdout, "report: %s/index.html\n", *out)
	return code
}

// profileRun is the separate profiled run of `run -profile DIR`: the Go
// servers of the network workloads, one repeat, each recording a CPU
// profile into dir, which is then drawn as SVG when graphviz is there.
// Its measurements never leave bench.ProfileSuite.
func profileRun(ctx context.Context, o bench.Options, ws []bench.Workload, dir string, stdout, stderr io.Writer) error {
	po, pws := bench.ProfilePlan(o, ws)
	if len(pws) == 0 || len(po.Reactors)+len(po.Peers) == 0 {
		fmt.Fprintln(stderr, "note: -profile: no Go server in a network workload was selected, so nothing was profiled")
		return nil
	}
	prog := newProgress(stdout, bench.TotalPoints(&po, pws))
	po.Progress = func(step string) { prog.step("profile " + step) }
	po.Note = func(format string, args ...any) { prog.println(stderr, "note: profile: "+fmt.Sprintf(format, args...)) }
	po.Skip = func(string, string, string) {}
	stems, err := bench.ProfileSuite(ctx, po, pws, dir)
	prog.finish()
	n, svgErr := bench.RenderSVG(ctx, dir, stems)
	fmt.Fprintf(stdout, "profiles: %d in %s (%d drawn as SVG)\n", len(stems), dir, n)
	if svgErr != nil {
		fmt.Fprintf(stderr, "note: profile: %v\n", svgErr)
	}
	return err
}

// runContext is the suite's context: cancelled by SIGINT or SIGTERM, so
// that the results so far are written. Tests replace it.
var runContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// flagGiven reports whether the command line set the named flag.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// checkWritable makes dir and writes and removes a file in it, so that a
// directory the results cannot go to is found before the first sample,
// not after the whole suite; the results' own names must not be
// directories.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	probe, err := os.CreateTemp(dir, ".reactorbench-probe-*")
	if err != nil {
		return err
	}
	name := probe.Name()
	err = probe.Close()
	if rmErr := os.Remove(name); err == nil {
		err = rmErr
	}
	if err != nil {
		return err
	}
	for _, f := range []string{"results.json", "results.txt", "index.html"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil && st.IsDir() {
			return fmt.Errorf("%s is a directory", f)
		}
	}
	return nil
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain
// path characters.
func shellQuote(s string) string {
	unsafe := func(r rune) bool {
		return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+,:@", r)
	}
	if s != "" && strings.IndexFunc(s, unsafe) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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
