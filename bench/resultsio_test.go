package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"

	"github.com/reactorbench/reactorbench/bench/results"
)

func sampleFile() *results.File {
	f := &results.File{Version: results.FormatVersion, Env: CaptureEnv(), Notes: []string{"a note"}}
	f.Env.Repeats = 2
	f.Skipped = []results.Skip{{What: "peer node", Reason: "node is not installed", Hint: "apt-get install nodejs"}}
	f.Results = []results.Result{{
		Name: "Echo/impl=epoll/conns=10/size=64", Workload: "echo", Impl: "epoll",
		Params: map[string]string{"conns": "10", "size": "64"},
		Samples: []results.Sample{
			{Metrics: map[string]float64{results.RoundTripsPerSec: 12345.5, results.P99Ns: 80000, results.ClientCPUPercent: 91,
				results.AllocsPerOp: 0, results.ServerCPUNsPerRT: 9000}, Iters: 123456},
			{Metrics: map[string]float64{results.RoundTripsPerSec: 12000, results.P99Ns: 81000, results.ClientCPUPercent: 89,
				results.AllocsPerOp: 0, results.ServerCPUNsPerRT: 9100}, Iters: 120000},
		},
	}}
	return f
}

func TestWriteResults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	f := sampleFile()
	if err := WriteResults(dir, f); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back results.File
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Results, f.Results) || back.Env.Kernel != f.Env.Kernel || len(back.Skipped) != 1 {
		t.Fatalf("round trip of results.json lost data:\n%+v\n%+v", back, *f)
	}

	bf, err := os.Open(filepath.Join(dir, "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer bf.Close()
	r := benchfmt.NewReader(bf, "results.txt")
	var got []float64
	better := map[string]string{}
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatal(rec)
		case *benchfmt.Result:
			base, parts := rec.Name.Parts()
			procs := ""
			for _, part := range parts {
				if bytes.HasPrefix(part, []byte("-")) {
					procs = string(part)
				}
			}
			if string(base) != "Echo" || !strings.HasPrefix(string(rec.Name), "Echo/impl=epoll/conns=10/size=64") || rec.GetConfig("goos") == "" || rec.GetConfig("pkg") != benchPkg {
				t.Fatalf("name %q, config %+v", rec.Name, rec.Config)
			}
			if f.Env.GOMAXPROCS > 1 && procs != fmt.Sprintf("-%d", f.Env.GOMAXPROCS) {
				t.Errorf("name %q lacks the -GOMAXPROCS suffix go test writes", rec.Name)
			}
			if rec.Values[0].OrigUnit != results.ServerCPUNsPerRT {
				t.Errorf("first unit %q, want the headline %s", rec.Values[0].OrigUnit, results.ServerCPUNsPerRT)
			}
			if rec.Iters != 123456 && rec.Iters != 120000 {
				t.Errorf("iterations %d, want the sample's", rec.Iters)
			}
			if v, ok := rec.Value("rt/s"); ok {
				got = append(got, v)
			}
		case *benchfmt.UnitMetadata:
			better[rec.OrigUnit] = rec.Value
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []float64{12345.5, 12000}) {
		t.Fatalf("rt/s values %v", got)
	}
	if better[results.RoundTripsPerSec] != "higher" || better[results.P99Ns] != "lower" || better[results.ClientCPUPercent] != "" {
		t.Errorf("unit metadata %v, want rt/s higher, p99-ns lower, client-cpu-%% none", better)
	}
}

// tableKeys reads a results.txt and returns the key of benchstat's
// default table projection (.config) of each result.
func tableKeys(t *testing.T, name string, data []byte) map[string]bool {
	t.Helper()
	var pp benchproc.ProjectionParser
	proj, err := pp.Parse(".config", nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	r := benchfmt.NewReader(bytes.NewReader(data), name)
	for r.Scan() {
		if rec, ok := r.Result().(*benchfmt.Result); ok {
			keys[proj.Project(rec).String()] = true
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

// Two runs of different commits on the same machine, and a `go test
// ./bench` run, land in one benchstat table: the commit, the date and the
// rest of the environment are comments, not configuration.
func TestBenchFormatComparesAcrossCommits(t *testing.T) {
	a, b := sampleFile(), sampleFile()
	b.Env.Commit, b.Env.Date = "0123456789ab", a.Env.Date.Add(26*time.Hour)
	a.Env.Commit = "fedcba987654"
	var ta, tb bytes.Buffer
	if err := WriteBenchFormat(&ta, a); err != nil {
		t.Fatal(err)
	}
	if err := WriteBenchFormat(&tb, b); err != nil {
		t.Fatal(err)
	}
	ka, kb := tableKeys(t, "old/results.txt", ta.Bytes()), tableKeys(t, "new/results.txt", tb.Bytes())
	if len(ka) != 1 || !reflect.DeepEqual(ka, kb) {
		t.Fatalf("the runs fall into different benchstat tables: %v vs %v\n%s", ka, kb, ta.String())
	}
	if !strings.Contains(ta.String(), "# commit: fedcba987654") {
		t.Errorf("the commit is not recorded as a comment:\n%s", ta.String())
	}
	goTest := fmt.Sprintf("goos: %s\ngoarch: %s\npkg: %s\ncpu: %s\nBenchmarkEcho/impl=epoll/conns=10/size=64-2 1 9000 server-cpu-ns/rt\n",
		a.Env.OS, a.Env.Arch, benchPkg, a.Env.CPUModel)
	if kg := tableKeys(t, "gotest.txt", []byte(goTest)); !reflect.DeepEqual(kg, ka) {
		t.Errorf("a go test run falls into another table: %v vs %v", kg, ka)
	}
}

func TestWriteResultsBadDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteResults(filepath.Join(file, "sub"), sampleFile()); err == nil {
		t.Fatal("writing under a regular file did not fail")
	}
}

func TestCaptureEnv(t *testing.T) {
	e := CaptureEnv()
	if e.Kernel == "" || e.Cores < 1 || e.GoVersion == "" || e.GOMAXPROCS < 1 || e.NoFileLimit == 0 || e.Date.IsZero() {
		t.Fatalf("%+v", e)
	}
}

// An invalid sample stays in results.json, with its reason, and out of
// results.txt, where benchstat would take it for a measurement.
func TestWriteResultsLeavesOutInvalidSamples(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	f := sampleFile()
	f.Results[0].Samples[1].Invalid = "started from a dirty state"
	if err := WriteResults(dir, f); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back results.File
	if err := json.Unmarshal(b, &back); err != nil || back.Results[0].Samples[1].Invalid != "started from a dirty state" {
		t.Errorf("results.json lost the invalid sample's reason (%v)", err)
	}
	txt, err := os.ReadFile(filepath.Join(dir, "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(txt), "\nBenchmarkEcho/"); n != 1 {
		t.Errorf("results.txt has %d benchmark lines, want the valid sample's only:\n%s", n, txt)
	}
}
