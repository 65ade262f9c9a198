package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/perf/benchfmt"

	"github.com/reactorbench/reactorbench/bench/results"
)

// benchPkg is the package line of results.txt: the same as `go test
// ./bench` prints, so benchstat puts the two in one table.
const benchPkg = "github.com/reactorbench/reactorbench/bench"

// WriteResults writes f to DIR/results.json (everything) and
// DIR/results.txt (the samples in Go's benchmark format, for benchstat),
// creating dir if needed.
func WriteResults(dir string, f *results.File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	out, err := os.Create(filepath.Join(dir, "results.txt"))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	if err := WriteBenchFormat(w, f); err != nil {
		out.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// WriteBenchFormat writes f as `go test -bench` would: the configuration
// lines `go test` prints (goos, goarch, pkg, cpu), benchstat's unit
// metadata (which way each unit is better), and one Benchmark line per
// sample with its iteration count and its metrics, headline unit first.
//
// The rest of the environment (commit, date, kernel, Go version, ...) is
// written as "# key: value" comments, which benchstat ignores: were they
// configuration, two runs of different commits would never share a table,
// and neither would a run and `go test ./bench`.
func WriteBenchFormat(w io.Writer, f *results.File) error {
	e := f.Env
	date := ""
	if !e.Date.IsZero() {
		date = e.Date.UTC().Format(time.RFC3339)
	}
	comments := [][2]string{
		{"commit", e.Commit}, {"date", date}, {"host", e.Hostname}, {"kernel", e.Kernel},
		{"cores", strconv.Itoa(e.Cores)}, {"go", e.GoVersion}, {"gomaxprocs", strconv.Itoa(e.GOMAXPROCS)},
		{"nofile", strconv.FormatUint(e.NoFileLimit, 10)}, {"pinning", e.Pinning},
		{"quick", strconv.FormatBool(e.Quick)}, {"repeats", strconv.Itoa(e.Repeats)}, {"command", e.Command},
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# reactorbench results; compare two runs with: benchstat old/results.txt new/results.txt")
	for _, kv := range comments {
		if v := oneLine(kv[1]); v != "" && v != "0" {
			fmt.Fprintf(bw, "# %s: %s\n", kv[0], v)
		}
	}
	fmt.Fprintln(bw)
	if err := bw.Flush(); err != nil {
		return err
	}

	bf := benchfmt.NewWriter(w)
	for _, u := range unitsOf(f) {
		if b := results.MetricOf(u).Better; b != results.NotCompared {
			md := &benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u, Key: "better"}, OrigUnit: u, Value: b.String()}
			if err := bf.Write(md); err != nil {
				return err
			}
		}
	}
	res := &benchfmt.Result{}
	for _, kv := range [][2]string{{"goos", e.OS}, {"goarch", e.Arch}, {"pkg", benchPkg}, {"cpu", e.CPUModel}} {
		if v := oneLine(kv[1]); v != "" {
			res.Config = append(res.Config, benchfmt.Config{Key: kv[0], Value: []byte(v), File: true})
		}
	}
	suffix := ""
	if e.GOMAXPROCS > 1 {
		suffix = "-" + strconv.Itoa(e.GOMAXPROCS) // as `go test` names a benchmark
	}
	for _, r := range f.Results {
		res.Name = benchfmt.Name(strings.Join(strings.Fields(r.Name), "_") + suffix)
		for _, s := range r.Samples {
			if s.Invalid != "" {
				continue // it measured something other than r's implementation
			}
			res.Values = res.Values[:0]
			for _, u := range sampleUnits(s) {
				res.Values = append(res.Values, benchfmt.Value{Value: sixDigits(s.Metrics[u]), Unit: u})
			}
			if len(res.Values) == 0 {
				continue
			}
			res.Iters = int(max(s.Iters, 1))
			if err := bf.Write(res); err != nil {
				return err
			}
		}
	}
	return nil
}

// sampleUnits lists the units of s that a benchmark line can hold
// (finite values, no white space in the unit), in results.Metrics order.
func sampleUnits(s results.Sample) []string {
	units := make([]string, 0, len(s.Metrics))
	for u, v := range s.Metrics {
		if !math.IsNaN(v) && !math.IsInf(v, 0) && u != "" && !strings.ContainsFunc(u, unicode.IsSpace) && !strings.Contains(u, "=") {
			units = append(units, u)
		}
	}
	sortUnits(units)
	return units
}

// unitsOf lists every unit any sample of f writes.
func unitsOf(f *results.File) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range f.Results {
		for _, s := range r.Samples {
			for _, u := range sampleUnits(s) {
				if !seen[u] {
					seen[u] = true
					out = append(out, u)
				}
			}
		}
	}
	sortUnits(out)
	return out
}

func sortUnits(units []string) {
	sort.Slice(units, func(i, j int) bool {
		ri, rj := results.MetricRank(units[i]), results.MetricRank(units[j])
		if ri != rj {
			return ri < rj
		}
		return units[i] < units[j]
	})
}

// sixDigits rounds v to six significant digits: more than any sample's
// noise allows, and a benchmark line stays readable.
func sixDigits(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	return r
}

// oneLine keeps a value on its line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
