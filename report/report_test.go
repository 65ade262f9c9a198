package report

import (
	"flag"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.txt from the current output")

// outline reduces a page to its structure: headings, warnings, figure
// sections and images, and each table's header and row count, so the
// golden files follow what a reader sees, not the markup's details.
func outline(page string) string {
	token := regexp.MustCompile(`(?s)<h[1-3][^>]*>.*?</h[1-3]>|<section id="[^"]*"|<div class="warn"[^>]*>|<table.*?</table>|<img [^>]*>|<details>`)
	tag := regexp.MustCompile(`<[^>]+>`)
	attr := func(s, name string) string {
		m := regexp.MustCompile(name + `="([^"]*)"`).FindStringSubmatch(s)
		if m == nil {
			return ""
		}
		return html.UnescapeString(m[1])
	}
	var b strings.Builder
	for _, t := range token.FindAllString(page, -1) {
		switch {
		case strings.HasPrefix(t, "<h"):
			fmt.Fprintf(&b, "%s %s\n", t[1:3], html.UnescapeString(tag.ReplaceAllString(t, "")))
		case strings.HasPrefix(t, "<section"):
			fmt.Fprintf(&b, "section %s\n", attr(t, "id"))
		case strings.HasPrefix(t, "<div"):
			fmt.Fprintf(&b, "warning %s\n", attr(t, "id"))
		case strings.HasPrefix(t, "<img"):
			fmt.Fprintf(&b, "img %q\n", attr(t, "alt"))
		case strings.HasPrefix(t, "<details"):
			b.WriteString("details\n")
		default:
			var head []string
			for _, th := range regexp.MustCompile(`(?s)<th>(.*?)</th>`).FindAllStringSubmatch(t, -1) {
				head = append(head, html.UnescapeString(th[1]))
			}
			rows := strings.Count(t, "<tr") - 1
			if len(head) == 0 {
				rows++
			}
			fmt.Fprintf(&b, "table rows=%d: %s\n", rows, strings.Join(head, " | "))
		}
	}
	return b.String()
}

func generate(t testing.TB, in, baseline string) (dir, page string) {
	t.Helper()
	dir = t.TempDir()
	if err := Generate(in, baseline, dir); err != nil {
		t.Fatalf("Generate(%q, %q): %v", in, baseline, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, string(data)
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct{ name, in, baseline string }{
		{"full", "testdata/full", ""},
		{"partial", "testdata/partial", ""},
		{"compare-other", "testdata/full", "testdata/other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, page := generate(t, tc.in, tc.baseline)
			got := outline(page)
			golden := filepath.Join("testdata", "golden", tc.name+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./report -run TestGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("outline differs from %s (rerun with -update if the change is intended):\n%s", golden, diff(string(want), got))
			}
		})
	}
}

// diff lists the lines that differ, with their line numbers.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

func TestGenerateFiles(t *testing.T) {
	dir, page := generate(t, "testdata/full", "")
	figs := figures(mustLoad(t, "testdata/full"))
	if len(figs) != 24 {
		t.Errorf("%d figures, want 24: %v", len(figs), ids(figs))
	}
	for _, f := range figs {
		for _, ext := range []string{".png", ".svg"} {
			data, err := os.ReadFile(filepath.Join(dir, f.ID+ext))
			if err != nil {
				t.Fatal(err)
			}
			if ext == ".png" && !strings.HasPrefix(string(data), "\x89PNG") {
				t.Errorf("%s%s is not a PNG", f.ID, ext)
			}
			if ext == ".svg" && !strings.Contains(string(data), "<svg") {
				t.Errorf("%s%s is not an SVG", f.ID, ext)
			}
		}
		if !strings.Contains(page, `id="fig-`+f.ID+`"`) {
			t.Errorf("page lacks figure %s", f.ID)
		}
	}
	if n := strings.Count(page, `src="data:image/png;base64,`); n != len(figs) {
		t.Errorf("%d embedded images, want %d", n, len(figs))
	}
	if regexp.MustCompile(`src="(http|file|/)`).MatchString(page) {
		t.Error("page loads an image from outside itself")
	}
	for _, w := range []string{
		"Twisted select served 997 and lost 8,902 at C=9,900",
		"epoll shows no change its intervals can tell from noise",
		"peer twisted-kqueue", "run on FreeBSD or macOS",
		"connection ladder clamped to 9,900",
		"Intel(R) Xeon(R) CPU @ 2.20GHz", "6.1.0-28-amd64", "server cpu 0, load generator cpu 1", "3f2c1ab",
		"reactorbench run -out /tmp/rb", "20,000",
	} {
		if !strings.Contains(html.UnescapeString(page), w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if strings.Contains(page, `id="partial"`) || strings.Contains(page, "another machine") {
		t.Error("a full run without baseline shows a partial-run or machine warning")
	}
}

func mustLoad(t testing.TB, dir string) *results.File {
	t.Helper()
	f, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestPartialRun(t *testing.T) {
	_, page := generate(t, "testdata/partial", "")
	page = html.UnescapeString(page)
	for _, w := range []string{
		`id="partial"`,
		"no results for the connect workload", "no results for the callbacks workload",
		"1 result(s) have no samples: Echo/impl=gonet/conns=1000/size=64",
		"the environment was not recorded",
		"exec: \"node\": executable file not found in $PATH", "apt-get install nodejs",
	} {
		if !strings.Contains(page, w) {
			t.Errorf("partial page lacks %q", w)
		}
	}
}

func TestCompareBaseline(t *testing.T) {
	base, cur := mustLoad(t, "testdata/base"), mustLoad(t, "testdata/full")
	c := compareFiles(base, cur, 0.05)
	if len(c.Machine) != 0 {
		t.Errorf("same machine reported as different: %v", c.Machine)
	}
	row := func(name, metric string) CompareRow {
		for _, r := range c.Rows {
			if r.Name == name && r.Metric == metric {
				return r
			}
		}
		t.Fatalf("no comparison row %s %s", name, metric)
		return CompareRow{}
	}
	// The baseline's epoll echo server cost 12% more: an improvement.
	if r := row("Echo/impl=epoll/conns=1000/size=64", "server-cpu-ns/rt"); r.Verdict != "better" || r.Change.Pct > -8 || r.Change.Pct < -14 {
		t.Errorf("epoll echo cpu: %s %+.1f%%, want better by about 11%%", r.Verdict, r.Change.Pct)
	}
	// Its poll dispatch scan was 5% cheaper: a regression now.
	if r := row("Dispatch/impl=poll/fds=16384/active=1", "ns/event"); r.Verdict != "worse" || r.Change.Pct < 3 {
		t.Errorf("poll dispatch: %s %+.1f%%, want worse by about 5%%", r.Verdict, r.Change.Pct)
	}
	if r := row("Echo/impl=gonet/conns=1000/size=64", "rt/s"); r.Verdict == "worse" && r.Change.Pct > 0 {
		t.Error("more round trips per second called worse")
	}
	verdicts := map[string]string{}
	for _, g := range c.groups() {
		verdicts[g.Workload+" "+g.Metric] = g.Verdict
	}
	for k, want := range map[string]string{"echo server-cpu-ns/rt": "better", "dispatch ns/event": "worse", "echo rt/s": "same"} {
		if verdicts[k] != want {
			t.Errorf("%s: verdict %q, want %q", k, verdicts[k], want)
		}
	}
	if c.Better == 0 || c.Worse == 0 || c.Same == 0 {
		t.Errorf("better %d worse %d same %d, want some of each", c.Better, c.Worse, c.Same)
	}
	_, page := generate(t, "testdata/full", "testdata/base")
	for _, w := range []string{`id="compare-summary"`, "significant regressions", `id="compare"`, `class="worse"`, `class="better"`} {
		if !strings.Contains(page, w) {
			t.Errorf("comparison page lacks %q", w)
		}
	}
	if strings.Contains(page, "machine-warning") {
		t.Error("same-machine baseline shows the other-machine warning")
	}
}

func TestCompareOtherMachine(t *testing.T) {
	c := compareFiles(mustLoad(t, "testdata/other"), mustLoad(t, "testdata/full"), 0.05)
	got := strings.Join(c.Machine, "; ")
	for _, w := range []string{`CPU: baseline "AMD Ryzen 7 5800U"`, "kernel:", "host:", "cores:"} {
		if !strings.Contains(got, w) {
			t.Errorf("machine differences %q lack %q", got, w)
		}
	}
	_, page := generate(t, "testdata/full", "testdata/other")
	if !strings.Contains(page, `id="machine-warning"`) || !strings.Contains(page, "another machine") {
		t.Error("other-machine baseline renders without a visible warning")
	}
}

func BenchmarkGenerate(b *testing.B) {
	out := b.TempDir()
	for b.Loop() {
		if err := Generate("testdata/full", "testdata/base", out); err != nil {
			b.Fatal(err)
		}
	}
}

// twoRuns is a baseline and a run of one echo result with n samples each;
// the run's server CPU is scaled by cpu and its allocations are allocs.
func twoRuns(n int, cpu, allocs float64) (base, cur *results.File) {
	mk := func(scale, alloc float64) *results.File {
		var cpuVals, rts, allocVals, client []float64
		for i := range n {
			cpuVals = append(cpuVals, scale*(1000+float64(i)))
			rts = append(rts, (50000+float64(i))/scale)
			allocVals = append(allocVals, alloc)
			client = append(client, 50*scale)
		}
		return &results.File{Version: 1, Results: []results.Result{res("echo", "epoll", map[string]string{"conns": "10", "size": "64"},
			map[string][]float64{results.ServerCPUNsPerRT: cpuVals, results.RoundTripsPerSec: rts, results.AllocsPerOp: allocVals,
				results.ClientCPUPercent: client, "made-up/s": client})}}
	}
	return mk(1, 0), mk(cpu, allocs)
}

func TestCompareDirectionFromMetricTable(t *testing.T) {
	base, cur := twoRuns(6, 0.5, 0) // half the CPU, twice the round trips
	c := compareFiles(base, cur, 0.05)
	for _, r := range c.Rows {
		if r.Verdict != "better" && r.Metric != results.AllocsPerOp { // 0 -> 0 allocations
			t.Errorf("%s: %s, want better", r.Metric, r.Verdict)
		}
		if r.Metric == results.ClientCPUPercent || r.Metric == "made-up/s" {
			t.Errorf("%s is compared, but the table says it is not", r.Metric)
		}
	}
}

func TestGate(t *testing.T) {
	for _, tc := range []struct {
		name        string
		n           int
		cpu, allocs float64
		gate        Gate
		want        []string // failing metrics
	}{
		{"slower beyond threshold", 6, 1.2, 0, DefaultGate, []string{results.RoundTripsPerSec, results.ServerCPUNsPerRT}},
		{"slower within threshold", 6, 1.05, 0, DefaultGate, nil},
		{"lower threshold", 6, 1.05, 0, Gate{Alpha: 0.05, Threshold: 2}, []string{results.RoundTripsPerSec, results.ServerCPUNsPerRT}},
		{"faster", 6, 0.5, 0, DefaultGate, nil},
		{"allocations from zero", 6, 1, 1, DefaultGate, []string{results.AllocsPerOp}},
		{"too few samples", 2, 2, 1, DefaultGate, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, cur := twoRuns(tc.n, tc.cpu, tc.allocs)
			c := compareFiles(base, cur, tc.gate.Alpha)
			var got []string
			for _, r := range c.Regressions(tc.gate) {
				got = append(got, r.Metric)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("regressions %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCompareTooFewSamples(t *testing.T) {
	base, cur := twoRuns(2, 3, 5)
	c := compareFiles(base, cur, 0.05)
	if s := c.Summary(); !strings.Contains(s, "Too few samples to detect any change") || !strings.Contains(s, "2+2 samples") {
		t.Errorf("summary %q does not say 2+2 samples cannot show a change", s)
	}
	base, cur = twoRuns(6, 3, 5)
	if s := compareFiles(base, cur, 0.05).Summary(); strings.Contains(s, "Too few") {
		t.Errorf("summary %q claims too few samples with 6+6", s)
	}
	for _, tc := range []struct {
		n, m int
		want float64
	}{{2, 2, 1.0 / 3}, {3, 3, 0.1}, {4, 4, 2.0 / 70}, {0, 5, 1}} {
		if got := minPValue(tc.n, tc.m); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("minPValue(%d, %d) = %g, want %g", tc.n, tc.m, got, tc.want)
		}
	}
}

func TestRenderAlpha(t *testing.T) {
	dir := t.TempDir()
	c, err := Render(Options{In: "testdata/full", Baseline: "testdata/base", Out: dir, Gate: Gate{Alpha: 0.01, Threshold: 10}})
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Alpha != 0.01 || !strings.Contains(string(page), "p &lt; 0.01") || strings.Contains(string(page), "p &lt; 0.05 (as benchstat)") {
		t.Error("the page does not use the comparison's alpha")
	}
	for _, r := range c.Rows {
		if r.Verdict != "same" && r.Change.P >= 0.01 {
			t.Errorf("%s %s significant at p=%.3f with alpha 0.01", r.Name, r.Metric, r.Change.P)
		}
	}
}
