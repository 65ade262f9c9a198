package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	out := t.TempDir()
	twoSamples := t.TempDir()
	const file = `{"version": 1, "results": [{"name": "Echo/impl=epoll/conns=10/size=64", "workload": "echo", "impl": "epoll",
		"params": {"conns": "10", "size": "64"}, "samples": [{"metrics": {"server-cpu-ns/rt": 1000}}, {"metrics": {"server-cpu-ns/rt": 3000}}]}]}`
	if err := os.WriteFile(filepath.Join(twoSamples, "results.json"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no -in", []string{"report", "-out", out}, 2, "-in DIR is required"},
		{"bad flag", []string{"report", "-bogus"}, 2, "flag provided but not defined: -bogus"},
		{"extra argument", []string{"report", "-in", "x", "y"}, 2, `unexpected argument "y"`},
		{"missing file", []string{"report", "-in", filepath.Join(out, "none"), "-out", out}, 1, "no such file"},
		{"corrupt file", []string{"report", "-in", "../../report/testdata/corrupt", "-out", out}, 1, "testdata/corrupt/results.json:6:3"},
		{"corrupt baseline", []string{"report", "-in", "../../report/testdata/partial", "-baseline", "../../report/testdata/badtype", "-out", out}, 1, "baseline"},
		{"gate without baseline", []string{"report", "-in", "../../report/testdata/full", "-fail-on-regression", "-out", out}, 2, "needs -baseline"},
		{"bad threshold", []string{"report", "-in", "x", "-threshold", "lots"}, 2, "want a percentage"},
		{"bad alpha", []string{"report", "-in", "x", "-alpha", "2"}, 2, "-alpha 2"},
		{"regression", []string{"report", "-in", "../../report/testdata/full", "-baseline", "../../report/testdata/base", "-out", out, "-fail-on-regression"}, 1,
			"regression: Echo/impl=node/conns=9900/size=64 starved"},
		{"regressions under a lower threshold", []string{"report", "-in", "../../report/testdata/full", "-baseline", "../../report/testdata/base", "-out", out,
			"-fail-on-regression", "-threshold", "3%"}, 1, "17 significant regressions of 3% or more"},
		{"no regression", []string{"report", "-in", "../../report/testdata/full", "-baseline", "../../report/testdata/full", "-out", out, "-fail-on-regression"}, 0, ""},
		{"too few samples", []string{"report", "-in", twoSamples, "-baseline", twoSamples, "-out", out, "-fail-on-regression"}, 1, "too few for any change"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := dispatch(tc.args, &stdout, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
		})
	}
	t.Run("ok", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		args := []string{"report", "-in", "../../report/testdata/partial", "-baseline", "../../report/testdata/partial", "-out", out}
		if code := dispatch(args, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d; stderr: %s", code, stderr.String())
		}
		index := filepath.Join(out, "index.html")
		if !strings.Contains(stdout.String(), index) {
			t.Errorf("stdout %q does not name %s", stdout.String(), index)
		}
		if _, err := os.Stat(index); err != nil {
			t.Error(err)
		}
	})
	t.Run("help", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if code := dispatch([]string{"report", "-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-baseline") {
			t.Errorf("-h: exit %d, usage %q", code, stderr.String())
		}
	})
}
