package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/perf/benchfmt"

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
			{Metrics: map[string]float64{results.RoundTripsPerSec: 12345.5, results.P99Ns: 80000, results.ClientCPUPercent: 91}},
			{Metrics: map[string]float64{results.RoundTripsPerSec: 12000, results.P99Ns: 81000, results.ClientCPUPercent: 89}},
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
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatal(rec)
		case *benchfmt.Result:
			if string(rec.Name) != "Echo/impl=epoll/conns=10/size=64" || rec.GetConfig("kernel") != f.Env.Kernel || rec.GetConfig("goos") == "" {
				t.Fatalf("name %q, config %+v", rec.Name, rec.Config)
			}
			if v, ok := rec.Value("rt/s"); ok {
				got = append(got, v)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []float64{12345.5, 12000}) {
		t.Fatalf("rt/s values %v", got)
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
