// Package report renders a benchmark run (DIR/results.json, written by the
// suite) as one self-contained HTML page with its figures embedded, plus
// each figure as PNG and SVG beside it; given a baseline run, it says what
// changed and whether the change is significant.
//
// It reads result files only: it never imports the reactor or a backend.
package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/reactorbench/reactorbench/bench/results"
)

// Generate reads inDir/results.json (and baselineDir/results.json unless
// baselineDir is empty) and writes outDir/index.html and each figure as
// outDir/ID.png and outDir/ID.svg, comparing with DefaultGate's alpha.
func Generate(inDir, baselineDir, outDir string) error {
	_, err := Render(Options{In: inDir, Baseline: baselineDir, Out: outDir, Gate: DefaultGate})
	return err
}

// Options is what Render reads, where it writes and how it compares.
type Options struct {
	In, Baseline, Out string
	Gate              Gate // its Alpha is the comparison's significance level
	// Profiles, when set, is the directory of a profiled run's CPU
	// profiles (`run -profile DIR`); the report links those of its results.
	Profiles string
}

// Render is Generate with options. It returns the comparison with the
// baseline (nil without one), so a caller can apply o.Gate to it.
func Render(o Options) (*Comparison, error) {
	inDir, baselineDir, outDir := o.In, o.Baseline, o.Out
	// The two files are tens of megabytes of histograms: read them at once.
	var base *results.File
	var baseErr error
	var wg sync.WaitGroup
	if baselineDir != "" {
		wg.Go(func() { base, baseErr = Load(baselineDir) })
	}
	cur, err := Load(inDir)
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if baseErr != nil {
		return nil, fmt.Errorf("report: baseline: %w", baseErr)
	}
	cur, aside, flagged := setAside(cur)
	if base != nil {
		base, _, _ = setAside(base)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	figs := figures(cur)
	pngs, err := renderAll(figs, outDir)
	if err != nil {
		return nil, err
	}
	var cmp *Comparison
	if base != nil {
		cmp = compareFiles(base, cur, o.Gate.Alpha)
	}
	p := buildPage(cur, base, cmp, baselineDir, figs, pngs)
	p.Profiles = profileLinks(cur, o.Profiles, outDir)
	p.SetAside, p.Flagged = aside, flagged
	var buf bytes.Buffer
	if err := writePage(&buf, p); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(outDir, "index.html"), buf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return cmp, nil
}

// renderAll draws every figure, in parallel, writes its PNG and SVG files
// and returns the PNGs for embedding.
func renderAll(figs []*Figure, outDir string) ([][]byte, error) {
	pngs := make([][]byte, len(figs))
	errs := make([]error, len(figs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs[i] = renderOne(figs[i], outDir, &pngs[i])
			}
		}()
	}
	for i := range figs {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return pngs, nil
}

// figureID is what a figure's ID, a file name stem under -out, may be.
var figureID = regexp.MustCompile(`^[a-z][a-z0-9.-]{0,80}$`)

func renderOne(fig *Figure, outDir string, png *[]byte) error {
	if !figureID.MatchString(fig.ID) {
		return fmt.Errorf("report: figure ID %q is not a safe file name", fig.ID)
	}
	p, s, err := render(fig)
	if err != nil {
		return err
	}
	*png = p
	if err := os.WriteFile(filepath.Join(outDir, fig.ID+".png"), p, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(outDir, fig.ID+".svg"), s, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// buildPage assembles what the template shows.
func buildPage(cur, base *results.File, c *Comparison, baselineDir string, figs []*Figure, pngs [][]byte) *page {
	hs := headlines(figs)
	p := &page{
		Title:     "reactorbench report",
		Headlines: hs,
		Lead:      lead(hs),
		Losses:    losses(figs),
		EchoRuns:  len(newIndex(cur)["echo"]) > 0,
		Env:       envRows(cur.Env),
		Notes:     cur.Notes,
		Skipped:   cur.Skipped,
		Missing:   missing(cur),
	}
	var sub []string
	if !cur.Env.Date.IsZero() {
		sub = append(sub, cur.Env.Date.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if cur.Env.Hostname != "" {
		sub = append(sub, cur.Env.Hostname)
	}
	if cur.Env.CPUModel != "" {
		sub = append(sub, fmt.Sprintf("%s, %d cores", cur.Env.CPUModel, cur.Env.Cores))
	}
	if c := cur.Env.Commit; c != "" {
		sub = append(sub, "commit "+c[:min(len(c), 12)])
	}
	if cur.Env.Quick {
		p.Warnings = append(p.Warnings, "this is a -quick run (short windows, few repeats): use it to check that everything runs, not to compare.")
	}
	p.Subtitle = strings.Join(sub, " · ")
	for i, f := range figs {
		p.Figures = append(p.Figures, figView{ID: f.ID, Title: f.Title, Text: f.Text, PNG: dataURL(pngs[i]),
			Notes: f.Notes, Table: figureTable(f)})
	}
	if c != nil {
		cv := &compareView{Machine: c.Machine, Rows: c.Rows, BaseLabel: baselineDir, Alpha: c.Alpha,
			Top: append(c.top("worse", 5), c.top("better", 5)...)}
		for _, r := range c.Rows {
			if r.Verdict != "same" {
				cv.Sig = append(cv.Sig, r)
			}
		}
		for _, g := range c.groups() {
			if g.Verdict == "same" {
				cv.Steady++
			} else {
				cv.Groups = append(cv.Groups, g)
			}
		}
		cv.Summary = c.Summary()
		if !base.Env.Date.IsZero() {
			cv.BaseLabel += ", " + base.Env.Date.UTC().Format("2006-01-02 15:04 UTC")
		}
		if base.Env.Commit != "" {
			cv.BaseLabel += ", commit " + base.Env.Commit
		}
		p.Compare = cv
	}
	return p
}

// missing says what a partial run lacks: workloads with no result (and
// not skipped with a reason) and results without samples.
func missing(f *results.File) []string {
	have := map[string]bool{}
	var empty []string
	for _, r := range f.Results {
		if len(r.Samples) == 0 {
			empty = append(empty, r.Name)
			continue
		}
		have[r.Workload] = true
	}
	skipped := map[string]bool{}
	for _, s := range f.Skipped {
		skipped[s.What] = true
		skipped["workload "+s.What] = true
	}
	var out []string
	for _, w := range expectedWorkloads() {
		if !have[w] && !skipped["workload "+w] {
			out = append(out, fmt.Sprintf("no results for the %s workload (not selected, or the run stopped before it)", w))
		}
	}
	sort.Strings(empty)
	if len(empty) > 0 {
		show := empty
		if len(show) > 10 {
			show = show[:10]
		}
		more := ""
		if len(empty) > len(show) {
			more = fmt.Sprintf(" and %d more", len(empty)-len(show))
		}
		out = append(out, fmt.Sprintf("%d result(s) have no samples: %s%s", len(empty), strings.Join(show, ", "), more))
	}
	if f.Env.Kernel == "" && f.Env.CPUModel == "" && f.Env.GoVersion == "" {
		out = append(out, "the environment was not recorded")
	}
	return out
}
