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
