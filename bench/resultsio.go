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

	"github.com/reactorbench/reactorbench/bench/results"
)

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
	WriteBenchFormat(w, f)
	if err := w.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// WriteBenchFormat writes f's environment as "key: value" configuration
// lines and one Benchmark line per sample, one iteration each, with every
// metric as a value-unit pair.
func WriteBenchFormat(w io.Writer, f *results.File) {
	e := f.Env
	cfg := [][2]string{
		{"goos", e.OS}, {"goarch", e.Arch}, {"pkg", "github.com/reactorbench/reactorbench/bench"},
		{"cpu", e.CPUModel}, {"cores", strconv.Itoa(e.Cores)}, {"kernel", e.Kernel},
		{"go", e.GoVersion}, {"gomaxprocs", strconv.Itoa(e.GOMAXPROCS)},
		{"nofile", strconv.FormatUint(e.NoFileLimit, 10)}, {"pinning", e.Pinning},
		{"commit", e.Commit}, {"date", e.Date.UTC().Format(time.RFC3339)},
		{"quick", strconv.FormatBool(e.Quick)}, {"repeats", strconv.Itoa(e.Repeats)},
	}
	for _, kv := range cfg {
		if kv[1] != "" {
			fmt.Fprintf(w, "%s: %s\n", kv[0], oneLine(kv[1]))
		}
	}
	fmt.Fprintln(w)
	for _, r := range f.Results {
		name := "Benchmark" + strings.ReplaceAll(r.Name, " ", "_")
		for _, s := range r.Samples {
			units := make([]string, 0, len(s.Metrics))
			for u, v := range s.Metrics {
				if !math.IsNaN(v) && !math.IsInf(v, 0) && !strings.ContainsAny(u, " \t") {
					units = append(units, u)
				}
			}
			if len(units) == 0 {
				continue
			}
			sort.Strings(units)
			fmt.Fprintf(w, "%s\t1", name)
			for _, u := range units {
				fmt.Fprintf(w, "\t%s %s", strconv.FormatFloat(s.Metrics[u], 'g', 6, 64), u)
			}
			fmt.Fprintln(w)
		}
	}
}

// oneLine keeps a configuration value on its line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
