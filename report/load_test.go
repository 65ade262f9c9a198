package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
			results.RoundTripsPerSec: {0, 0}, results.P99Ns: {1e300, 1e300}, results.ServerCPUNsPerRT: {-1, 0, 2}}),
		res("echo", "", map[string]string{"conns": "0", "size": "64"}, map[string][]float64{results.RoundTripsPerSec: {1}}),
		res("idle-memory", "epoll", nil, map[string][]float64{results.BytesPerConn: {0}}),
		res("callbacks", "twisted", map[string]string{"shape": "x"}, map[string][]float64{results.NsPerOp: {0}}),
		res("callbacks", "epoll", map[string]string{"shape": "x"}, map[string][]float64{results.NsPerOp: {4}}),
		{Name: "Connect/impl=epoll", Workload: "connect", Impl: "epoll", Samples: []results.Sample{{}}},
	}}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	in := t.TempDir()
	if err := os.WriteFile(filepath.Join(in, "results.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Generate(in, "", t.TempDir()); err != nil {
		t.Fatalf("Generate: %v", err)
	}
}
