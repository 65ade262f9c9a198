package report

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/reactorbench/reactorbench/bench/results"
)

// page is what the HTML template renders.
type page struct {
	Title     string
	Subtitle  string
	Warnings  []string
	Missing   []string
	Lead      string
	Headlines []Headline
	Losses    []string
	EchoRuns  bool // the run has echo results, so "nothing lost" means something
	Env       [][2]string
	Figures   []figView
	Notes     []string
	Skipped   []results.Skip
	Compare   *compareView
	Profiles  *profileView
	// SetAside lists the invalid samples kept out of every median and
	// ranking, with their reasons; Flagged the samples that sit far from
	// their siblings, kept in.
	SetAside []string
	Flagged  []string
}

type figView struct {
	ID, Title, Text string
	PNG             template.URL
	Notes           []string
	Table           table
}

type table struct {
	Head []string
	Rows [][]cell
	Foot []string
}

type cell struct {
	Text, Sub, Title, Class string
}

type compareView struct {
	Machine   []string
	Summary   string
	Groups    []GroupChange // those with a verdict
	Steady    int           // workload metrics without one
	Top       []CompareRow
	Rows      []CompareRow
	Sig       []CompareRow
	BaseLabel string
	Alpha     float64 // the significance level
}

// unitOf is how a metric's values print, from the results' metric table.
func unitOf(metric string) unit {
	switch results.MetricOf(metric).Format {
	case results.Duration:
		return unitNs
	case results.Rate:
		return unitRate
	case results.Bytes:
		return unitBytes
	case results.Percent:
		return unitPct
	}
	return unitCount
}

// figureTable is the table under a line or bar figure: one row per x value
// (or category), one column per implementation; each cell has the median,
// its interval and the ratio to the reference.
func figureTable(f *Figure) table {
	if f.entry != nil && f.entry.table != nil {
		return f.entry.table(f)
	}
	return medianTable(f)
}

// medianTable is the default figureTable.
func medianTable(f *Figure) table {
	xl := f.XLabel
	if xl == "" {
		xl = "group"
	}
	t := table{Head: []string{xl}}
	for _, s := range f.Series {
		t.Head = append(t.Head, displayName(s.Impl))
	}
	var xs []float64
	if f.Bars {
		for i := range f.Categories {
			xs = append(xs, float64(i))
		}
	} else {
		xs = f.xs()
	}
	bound, rangeUsed, lost, late, spreads := false, false, false, false, false
	for _, x := range xs {
		row := []cell{{Text: f.xLabelOf(x), Class: "x"}}
		for i := range f.Series {
			s := &f.Series[i]
			p, ok := s.at(x)
			if !ok {
				row = append(row, cell{Text: "–", Class: "none"})
				continue
			}
			c := cell{Text: f.YUnit.format(p.Y.Median) + mark(p)}
			lost = lost || p.Lost > 0
			if p.Behind {
				c.Text += " §"
				c.Class = "bound"
				late = true
			}
			sub := p.Y.PctString()
			if p.Y.Range {
				sub = "range " + sub
				rangeUsed = true
			}
			if _, rp, ok := f.refPoint(s.Impl, x); ok && rp.Y.Median != 0 {
				if separated(p.Y, rp.Y) {
					sub += " · " + relative(p.Y.Median, rp.Y.Median)
				} else {
					sub += " · ~"
				}
			}
			if p.Y.Spread != "" {
				c.Text += " ¶"
				spreads = true
			}
			c.Sub = sub
			kind := "95% CI of the median"
			if p.Y.Range {
				kind = "range (min..max; too few runs for a 95% CI)"
			}
			c.Title = fmt.Sprintf("%s %s .. %s, n=%d", kind, f.YUnit.format(p.Y.Lo), f.YUnit.format(p.Y.Hi), p.Y.N)
			if p.Y.Spread != "" {
				c.Title += "; runs disagree: " + p.Y.Spread
			}
			if p.ClientBound {
				c.Class = "bound"
				bound = true
			}
			row = append(row, c)
		}
		t.Rows = append(t.Rows, row)
	}
	t.Foot = append(t.Foot, "Each cell: median over the runs; ± is the 95% confidence interval of the median as benchstat computes it (hover for its bounds)"+refFoot(f)+".")
	if rangeUsed {
		t.Foot = append(t.Foot, "range: fewer than 6 runs, so ± is the range (min..max), not a confidence interval.")
	}
	if spreads {
		t.Foot = append(t.Foot, "¶: the runs disagree: two clusters of values (bimodal) or one run far from the rest (outlier, by the quartiles' fences or the median absolute deviation); its median is less certain than its interval says (hover for which).")
	}
	if lost {
		t.Foot = append(t.Foot, "‡: the server lost connections at this point (starved, dropped or never connected; see the fairness figure), so its numbers describe only the connections it served.")
	}
	if late {
		t.Foot = append(t.Foot, "§: the offered rate was not reached (under 90% of it): the server, or the load generator, fell behind, so latency here includes queueing that grows without bound.")
	}
	if bound {
		t.Foot = append(t.Foot, fmt.Sprintf("†: client-bound: the load generator used over %d%% of its core, so this point measures the client's ceiling, not the server.", results.ClientBoundPercent))
	}
	return t
}

func refFoot(f *Figure) string {
	switch {
	case f.Ref == "raw":
		return "; \"Nx higher/lower\" compares with the backend's own raw floor (the same system calls without the reactor) at the same N, ~ where their intervals overlap"
	case f.Ref != "" && f.series(f.Ref) != nil:
		return "; \"Nx higher/lower\" compares with " + displayName(f.Ref) + " at the same point, ~ where their intervals overlap"
	}
	return ""
}

// fairnessTable lists every point where connections were lost; none is
// left out and none averaged with another.
func fairnessTable(f *Figure) table {
	t := table{Head: []string{"implementation", "connections (C)", "served", "lost", "starved", "dropped", "never connected", "worst run lost"}}
	for _, l := range f.Lossy {
		p := l.P
		t.Rows = append(t.Rows, []cell{
			{Text: displayName(l.Impl), Class: "x"},
			{Text: commas(int64(p.X))},
			{Text: commas(int64(p.X - p.Y.Median))},
			{Text: commas(int64(p.Y.Median)), Class: "bad"},
			{Text: commas(int64(p.Starved))},
			{Text: commas(int64(p.Dropped))},
			{Text: commas(int64(p.NeverConnected))},
			{Text: commas(int64(p.WorstLost)), Class: "bad"},
		})
	}
	t.Foot = []string{"Medians over the runs, and the worst single run. Only points where some run lost a connection are listed."}
	return t
}

// latencyTable lists each implementation's quantiles from its merged
// histogram.
func latencyTable(f *Figure) table {
	t := table{Head: []string{"quantile"}}
	for _, s := range f.Series {
		t.Head = append(t.Head, displayName(s.Impl))
	}
	for i, q := range quantiles {
		name := "p" + trimZeros(fmt.Sprintf("%.1f", q*100))
		if q == 1 {
			name = "max"
		}
		row := []cell{{Text: name, Class: "x"}}
		for _, s := range f.Series {
			c := cell{Text: unitNs.format(f.Latency[s.Impl][i])}
			if ref := f.Latency[f.Ref]; ref != nil && s.Impl != f.Ref && ref[i] > 0 {
				c.Sub = relative(f.Latency[s.Impl][i], ref[i])
			}
			row = append(row, c)
		}
		t.Rows = append(t.Rows, row)
	}
	t.Foot = []string{"Upper bounds of the histogram buckets holding each quantile, over all runs merged" + refFoot(f) + "."}
	return t
}

// envRows is the environment block.
func envRows(e results.Env) [][2]string {
	date := ""
	if !e.Date.IsZero() {
		date = e.Date.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	rows := [][2]string{
		{"date", date},
		{"host", e.Hostname},
		{"OS / arch", strings.Trim(e.OS+" / "+e.Arch, " /")},
		{"kernel", e.Kernel},
		{"CPU", e.CPUModel},
		{"cores", intOrEmpty(e.Cores)},
		{"Go", e.GoVersion},
		{"GOMAXPROCS", intOrEmpty(e.GOMAXPROCS)},
		{"open-file limit (RLIMIT_NOFILE)", intOrEmpty(int(e.NoFileLimit))},
		{"pinning", e.Pinning},
		{"commit", e.Commit},
		{"command", e.Command},
		{"repeats", intOrEmpty(e.Repeats)},
		{"quick mode", fmt.Sprint(e.Quick)},
	}
	for i := range rows {
		if rows[i][1] == "" {
			rows[i][1] = "not recorded"
		}
	}
	return rows
}

func intOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return commas(int64(n))
}

func dataURL(png []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}

var funcs = template.FuncMap{
	"fmtChange": func(r CompareRow) string {
		u := unitOf(r.Metric)
		return fmt.Sprintf("%s → %s", u.format(r.Change.Old.Median), u.format(r.Change.New.Median))
	},
	"pct": func(r CompareRow) string {
		if r.Change.Old.Median == 0 {
			return "?"
		}
		return fmt.Sprintf("%+.1f%%", r.Change.Pct)
	},
	"pval": func(r CompareRow) string {
		s := fmt.Sprintf("p=%.3f n=%d+%d", r.Change.P, r.Change.Old.N, r.Change.New.N)
		if r.Change.Note != "" {
			s += " (" + r.Change.Note + ")"
		}
		return s
	},
}

var tmpl = template.Must(template.New("report").Funcs(funcs).Parse(pageHTML))

func writePage(w io.Writer, p *page) error { return tmpl.Execute(w, p) }

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a; max-width: 1280px; margin: 0 auto; padding: 1em 1.5em 4em; }
h1 { margin-bottom: .1em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { margin-top: 1.8em; }
.sub { color: #555; margin-top: 0; }
.warn { background: #fff3cd; border: 2px solid #e0a800; padding: .6em 1em; border-radius: 4px; margin: 1em 0; }
.warn h2, .warn h3 { margin: 0 0 .3em; border: 0; }
table { border-collapse: collapse; margin: .6em 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: right; vertical-align: top; white-space: nowrap; }
.scroll { overflow-x: auto; }
table.wins td, table.wins th { text-align: left; white-space: normal; } table.wins tr.tie td { color: #555; }
th { background: #f3f3f3; } td.x, th:first-child { text-align: left; font-weight: 600; }
td small { display: block; color: #666; white-space: nowrap; }
td.bound { background: #fdf2e6; } td.none { color: #aaa; text-align: center; }
td.bad { color: #b00020; font-weight: 700; }
tr.worse td { background: #fde7e9; } tr.better td { background: #e6f4ea; }
.env td:first-child { text-align: left; font-weight: 600; } .env td { text-align: left; }
table.text td, table.text th { text-align: left; white-space: normal; }
figure { margin: .5em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 13px; color: #555; }
.foot { font-size: 12px; color: #555; margin: .2em 0; }
.note { font-size: 13px; color: #7a4d00; }
.lead { font-size: 16px; }
ul.losses li { color: #b00020; }
code { background: #f3f3f3; padding: 0 3px; }
nav a { margin-right: .8em; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="sub">{{.Subtitle}}</p>
{{range .Warnings}}<div class="warn"><strong>Warning:</strong> {{.}}</div>
{{end}}{{if .Compare}}{{if .Compare.Machine}}<div class="warn" id="machine-warning"><h3>The baseline was measured on another machine</h3>
<p>Changes below mix the code's effect with the machine's; treat them as indicative only.</p>
<ul>{{range .Compare.Machine}}<li>{{.}}</li>{{end}}</ul></div>
{{end}}{{end}}{{if .Missing}}<div class="warn" id="partial"><h3>Some results are missing</h3>
<ul>{{range .Missing}}<li>{{.}}</li>{{end}}</ul></div>
{{end}}
<h2 id="summary">Summary: who wins where</h2>
{{if .Headlines}}<p class="lead">{{.Lead}}</p>
<table class="wins">
<tr><th>figure</th><th>at</th><th>best</th><th>runner-up (against the best)</th><th>best vs reference</th></tr>
{{range .Headlines}}<tr{{if .Tie}} class="tie"{{end}}><td class="x"><a href="#fig-{{.FigureID}}">{{.Figure}}</a></td><td>{{.At}}</td><td><strong>{{.Winner}}</strong> {{.Value}}</td><td>{{.Next}}{{if .Tie}} <em>{{if .TooFew}}too few runs to call{{else}}too close to call{{if .Few}} (few runs){{end}}{{end}}</em>{{end}}</td><td>{{.VsRef}}</td></tr>
{{end}}</table>
<p class="foot">Medians over the runs. <em>too close to call</em>: the runner-up's 95% confidence interval overlaps the best's (with fewer than 6 runs: their ranges overlap, or the Mann-Whitney U test between them does not reach p &lt; 0.05, which takes 4 runs each); <em>too few runs to call</em>: their ranges do not overlap, but with so few runs (3 each) no test can tell; either counts as nobody's win. † marks a client-bound point (the load generator, not the server, was the limit); ‡ a point where the server lost connections, which ranks after every point that lost none; ◊ a point with a run far from its siblings (see Samples set aside and flagged).</p>
{{else}}<p>No results to summarize.</p>{{end}}
{{if .Losses}}<p class="lead"><strong>Connections lost</strong> (starved, dropped or never connected):</p>
<ul class="losses">{{range .Losses}}<li>{{.}}</li>{{end}}</ul>
{{else if .EchoRuns}}<p class="lead">No implementation lost a connection in any echo run.</p>{{end}}
{{if or .SetAside .Flagged}}<div class="warn" id="set-aside"><h3>Samples set aside and flagged</h3>
{{if .SetAside}}<p>Set aside: these samples measured something other than the implementation (a dirty start, TCP memory pressure, or a saturated load generator that never read echoes the server had sent, so those starved connections were the client's), and no median or ranking on this page includes them.</p>
<ul>{{range .SetAside}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Flagged}}<p>Flagged (◊): these samples' costs sit far from their siblings'; they stay in the medians, which resist one of them.</p>
<ul>{{range .Flagged}}<li>{{.}}</li>{{end}}</ul>{{end}}</div>
{{end}}
{{with .Compare}}<p class="lead" id="compare-summary"><strong>Against the baseline</strong> ({{.BaseLabel}}): {{.Summary}} <a href="#compare">details</a></p>
{{if .Groups}}<table>
<tr class="text"><th>workload</th><th>metric</th><th>change (geometric mean)</th><th>significantly better</th><th>significantly worse</th><th>results</th></tr>
{{range .Groups}}<tr class="{{.Verdict}}"><td class="x">{{.Workload}}</td><td>{{.Metric}}</td><td>{{printf "%+.1f%%" .GeoPct}}</td><td>{{.Better}}</td><td>{{.Worse}}</td><td>{{.N}}</td></tr>
{{end}}</table>{{end}}
<p class="foot">{{if .Groups}}Workload metrics where significant changes one way outnumber the other way and the false positives expected at p &lt; {{.Alpha}}. {{end}}{{.Steady}} other workload metrics show no consistent change.</p>
{{if .Top}}<p>The largest significant changes:</p>
<table class="text">
<tr><th>result</th><th>metric</th><th>baseline → this run</th><th>change</th><th>verdict</th><th>significance</th></tr>
{{range .Top}}<tr class="{{.Verdict}}"><td class="x">{{.Name}}</td><td>{{.Metric}}</td><td>{{fmtChange .}}</td><td>{{pct .}}</td><td>{{.Verdict}}</td><td>{{pval .}}</td></tr>
{{end}}</table>{{end}}{{end}}
<nav>{{range .Figures}}<a href="#fig-{{.ID}}">{{.Title}}</a> {{end}}</nav>

<h2 id="environment">Environment</h2>
<table class="env">
{{range .Env}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td></tr>
{{end}}</table>

<h2 id="figures">Figures</h2>
{{range .Figures}}<section id="fig-{{.ID}}">
<h3>{{.Title}}</h3>
<p>{{.Text}}</p>
<figure><img src="{{.PNG}}" alt="{{.Title}}" width="880" height="495">
<figcaption>Error bars: 95% confidence interval of the median (min..max when fewer than 6 runs). Files: <a href="{{.ID}}.png">{{.ID}}.png</a>, <a href="{{.ID}}.svg">{{.ID}}.svg</a></figcaption></figure>
{{range .Notes}}<p class="note">{{.}}</p>
{{end}}{{with .Table}}{{if .Head}}<div class="scroll"><table>
<tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}{{if .Title}} title="{{.Title}}"{{end}}>{{.Text}}{{if .Sub}}<small>{{.Sub}}</small>{{end}}</td>{{end}}</tr>
{{end}}</table></div>
{{range .Foot}}<p class="foot">{{.}}</p>
{{end}}{{end}}{{end}}</section>
{{end}}
{{with .Compare}}<h2 id="compare">Comparison with the baseline</h2>
<p>Every metric both runs measured. Change is the difference of the medians; a change is significant when the Mann-Whitney U test gives p &lt; {{.Alpha}} (as benchstat); others are shown as ~.</p>
<h3>Significant changes</h3>
{{if .Sig}}<details{{if le (len .Sig) 40}} open{{end}}><summary>{{len .Sig}} significant changes</summary>
<table class="text">
<tr><th>result</th><th>metric</th><th>baseline → this run</th><th>change</th><th>verdict</th><th>significance</th></tr>
{{range .Sig}}<tr class="{{.Verdict}}"><td class="x">{{.Name}}</td><td>{{.Metric}}</td><td>{{fmtChange .}}</td><td>{{pct .}}</td><td>{{.Verdict}}</td><td>{{pval .}}</td></tr>
{{end}}</table></details>{{else}}<p>None.</p>{{end}}
<details><summary>All {{len .Rows}} compared metrics</summary>
<table class="text">
<tr><th>result</th><th>metric</th><th>baseline → this run</th><th>change</th><th>significance</th></tr>
{{range .Rows}}<tr class="{{.Verdict}}"><td class="x">{{.Name}}</td><td>{{.Metric}}</td><td>{{fmtChange .}}</td><td>{{if eq .Verdict "same"}}~{{else}}{{pct .}}{{end}}</td><td>{{pval .}}</td></tr>
{{end}}</table></details>
{{end}}
{{with .Profiles}}<h2 id="profiles">CPU profiles (a separate run)</h2>
<p>Recorded by <code>reactorbench run -profile {{.Dir}}</code> in a run of their own, one per Go server, workload and C: profiling slows a server, so that run's numbers are in none of these figures and profiled runs are never compared. Open one with <code>go tool pprof -http=: FILE.pprof</code>.</p>
{{if .Rows}}<table class="text">
<tr><th>workload</th><th>C</th><th>implementation</th><th>profile</th></tr>
{{range .Rows}}<tr><td class="x">{{.Workload}}</td><td>{{.Conns}}</td><td>{{.Impl}}</td><td><a href="{{.PProf}}">pprof</a>{{if .SVG}} · <a href="{{.SVG}}">SVG</a>{{end}}</td></tr>
{{end}}</table>
{{if .NoSVG}}<p class="foot">A profile without an SVG link has no drawing: <code>go tool pprof -svg</code> needs graphviz's dot, which was not installed when it was recorded (scripts/install-peers.sh installs it); <code>go tool pprof -svg FILE.pprof &gt; FILE.svg</code> draws one.</p>{{end}}
{{else}}<p>No profile in that directory matches a workload, implementation and C of these results.</p>{{end}}{{end}}
<h2 id="notes">Notes from the run</h2>
{{if .Notes}}<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{else}}<p>The suite recorded no notes.</p>{{end}}
<h2 id="skipped">Skipped</h2>
{{if .Skipped}}<table class="text">
<tr><th>what</th><th>why</th><th>to install</th></tr>
{{range .Skipped}}<tr><td class="x">{{.What}}</td><td>{{.Reason}}</td><td><code>{{.Hint}}</code></td></tr>
{{end}}</table>{{else}}<p>Nothing was skipped.</p>{{end}}
<h2 id="reading">How to read this report</h2>
<p>Each figure shows the median of the repeated runs with its 95% confidence interval as error bars. Our backends are solid lines; raw floors (the same system calls without the reactor) are dashed in their backend's color; peers have their own color and dash pattern in every figure. For echo, server CPU per round trip is the headline: on a small machine the load generator saturates before a fast server does, so round trips per second can be the client's ceiling (such points are drawn as rings and marked †). Log axes leave out zero and negative values, with a note under the figure.</p>
</body>
</html>
`
