package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/bench/results"
)

func TestLoadBadInput(t *testing.T) {
	empty := t.TempDir()
	truncated := t.TempDir()
	if err := os.WriteFile(filepath.Join(truncated, "results.json"), []byte("{\n \"version\": 1,\n \"env\": {"), 0o644); err != nil {
		t.Fatal(err)
	}
	blank := t.TempDir()
	if err := os.WriteFile(filepath.Join(blank, "results.json"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir string
		want      []string // substrings of the error
	}{
		{"missing", empty, []string{filepath.Join(empty, "results.json"), "no such file"}},
		{"syntax", "testdata/corrupt", []string{"testdata/corrupt/results.json:6:3:", "malformed JSON"}},
		{"type", "testdata/badtype", []string{"testdata/badtype/results.json:5:", "cores", "string"}},
		{"truncated", truncated, []string{"results.json:3:", "unexpected end of JSON input"}},
		{"blank", blank, []string{"results.json:1:1:"}},
		{"version", "testdata/badversion", []string{"testdata/badversion/results.json", "version 2", "reads version 1"}},
		{"no version", "testdata/noversion", []string{"testdata/noversion/results.json", "no \"version\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.dir)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncd\nef")
	for _, tc := range []struct {
		off       int64
		line, col int
	}{{0, 1, 1}, {1, 1, 1}, {2, 1, 2}, {4, 2, 1}, {5, 2, 2}, {8, 3, 2}, {99, 3, 2}} {
		l, c := lineCol(data, tc.off)
		if l != tc.line || c != tc.col {
			t.Errorf("lineCol(%d) = %d:%d, want %d:%d", tc.off, l, c, tc.line, tc.col)
		}
	}
}

func TestGenerateBadInput(t *testing.T) {
	out := t.TempDir()
	if err := Generate("testdata/corrupt", "", out); err == nil || !strings.Contains(err.Error(), "results.json:6:3") {
		t.Errorf("Generate(corrupt) = %v, want the file and line", err)
	}
	if err := Generate("testdata/full", "testdata/corrupt", out); err == nil ||
		!strings.Contains(err.Error(), "baseline") || !strings.Contains(err.Error(), "results.json:6:3") {
		t.Errorf("Generate(baseline corrupt) = %v, want a baseline error with the file and line", err)
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err == nil {
		t.Error("index.html written despite bad input")
	}
}

// TestGenerateDegenerate renders data a real run should not produce but a
// hand-edited or foreign file may hold: zeros and negatives on log axes, a
// single point, non-numeric parameters, empty samples, huge values.
func TestGenerateDegenerate(t *testing.T) {
	f := &results.File{Version: results.FormatVersion, Results: []results.Result{
		res("dispatch", "epoll", map[string]string{"fds": "1", "active": "1"}, map[string][]float64{results.NsPerEvent: {0}}),
		res("dispatch", "poll", map[string]string{"fds": "2", "active": "1"}, map[string][]float64{results.NsPerEvent: {-5, 3}}),
		res("dispatch", "select", map[string]string{"fds": "many", "active": "1"}, map[string][]float64{results.NsPerEvent: {5}}),
		res("echo", "epoll", map[string]string{"conns": "10", "size": "64"}, map[string][]float64{
			results.RoundTripsPerSec: {0, 0}, results.P99Ns: {1e14, 1e14}, results.ServerCPUNsPerRT: {-1, 0, 2}}),
		res("echo", "", map[string]string{"conns": "0", "size": "64"}, map[string][]float64{results.RoundTripsPerSec: {1}}),
		res("idle-memory", "epoll", nil, map[string][]float64{results.BytesPerConn: {0}}),
		res("callbacks", "twisted", map[string]string{"shape": "x"}, map[string][]float64{results.NsPerOp: {0}}),
		res("callbacks", "epoll", map[string]string{"shape": "x"}, map[string][]float64{results.NsPerOp: {4}}),
		{Name: "Connect/impl=epoll", Workload: "connect", Impl: "epoll", Samples: []results.Sample{{}}},
	}}
	if err := Generate(writeFile(t, f), "", t.TempDir()); err != nil {
		t.Fatalf("Generate: %v", err)
	}
}

func writeFile(t *testing.T, f *results.File) string {
	t.Helper()
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	in := t.TempDir()
	if err := os.WriteFile(filepath.Join(in, "results.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return in
}

// withWatchdog fails the test if fn does not return within a generous
// minute: the inputs below once spun or grew for minutes.
func withWatchdog(t *testing.T, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("did not return within a minute")
		return nil
	}
}

// A results file is someone else's data: its parameters must never name
// a file outside -out.
func TestGenerateNoPathFromResults(t *testing.T) {
	evil := "x/../../../../../../../../tmp/PWNED"
	f := &results.File{Version: results.FormatVersion}
	for _, impl := range []string{"epoll", "gonet"} {
		for _, c := range []string{"10", "100"} {
			f.Results = append(f.Results,
				res("echo", impl, map[string]string{"conns": c, "size": evil}, map[string][]float64{results.ServerCPUNsPerRT: {1000, 1100}, results.P99Ns: {5000, 5100}}),
				res("dispatch", impl, map[string]string{"fds": c, "active": evil}, map[string][]float64{results.NsPerEvent: {1000, 1100}}))
		}
	}
	in := writeFile(t, f)
	root := t.TempDir()
	out := filepath.Join(root, "a", "b", "c", "out")
	if err := Generate(in, "", out); err != nil {
		t.Logf("Generate: %v", err)
	}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(path, out+string(filepath.Separator)) {
			t.Errorf("wrote %s outside -out", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.Contains(e.Name(), "PWNED") {
			t.Errorf("a file under -out is named from the results: %s", e.Name())
		}
	}
}

func TestLoadRejectsAbsurdValues(t *testing.T) {
	huge := func(m string) *results.File {
		f := &results.File{Version: results.FormatVersion}
		for _, impl := range []string{"epoll", "gonet"} {
			f.Results = append(f.Results, res("echo", impl, map[string]string{"conns": "10", "size": "64"}, map[string][]float64{
				m: {1.7e308, 1.7e308}, results.P99Ns: {1.7e308, 1.7e308}, results.RoundTripsPerSec: {1.7e308, 1.7e308}}))
		}
		return f
	}
	for _, tc := range []struct {
		name string
		f    *results.File
		want string
	}{
		{"every metric", huge(results.ServerCPUNsPerRT), `"echo/impl=epoll"`},
		{"one sample", &results.File{Version: 1, Results: []results.Result{
			res("echo", "epoll", map[string]string{"conns": "10", "size": "64"}, map[string][]float64{results.P99Ns: {5000, 1e300, 5000}})}}, "sample 1"},
		{"parameter", &results.File{Version: 1, Results: []results.Result{
			res("echo", "epoll", map[string]string{"conns": "1e300", "size": "64"}, map[string][]float64{results.P99Ns: {5000}})}}, "conns=1e300"},
		{"histogram", &results.File{Version: 1, Results: []results.Result{{Name: "Echo/x", Workload: "echo", Impl: "epoll",
			Params:  map[string]string{"conns": "10", "size": "64"},
			Samples: []results.Sample{{Metrics: map[string]float64{results.P99Ns: 1}, Latency: &results.Histogram{Buckets: []results.Bucket{{UpperNs: 10, Count: -1}}}}}}}}, "latency bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := writeFile(t, tc.f)
			err := withWatchdog(t, func() error { return Generate(in, "", t.TempDir()) })
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "out of range") {
				t.Errorf("Generate = %v, want an out-of-range error naming %s", err, tc.want)
			}
		})
	}
}

func TestLoadCapsWhatItReads(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "results.json")); err != nil {
		t.Fatal(err)
	}
	err := withWatchdog(t, func() error { _, err := Load(dir); return err })
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Load(/dev/zero) = %v, want a refusal", err)
	}
	big := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(big, make([]byte, 2048), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readCapped(big, 1024); err == nil || !strings.Contains(err.Error(), "more than the 1024") {
		t.Errorf("readCapped over the limit = %v, want an error", err)
	}
	if data, err := readCapped(big, 4096); err != nil || len(data) != 2048 {
		t.Errorf("readCapped under the limit = %d bytes, %v", len(data), err)
	}
}
