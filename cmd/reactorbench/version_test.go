package main

import (
	"bytes"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch([]string{"version"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"github.com/reactorbench/reactorbench", "commit", runtime.Version()} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version output lacks %q:\n%s", want, out.String())
		}
	}
	if code := dispatch([]string{"version", "extra"}, &out, &errb); code != 2 {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}

func TestVersionText(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Path: "github.com/reactorbench/reactorbench", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-12-01T00:00:00Z"}}}
	got := versionText(bi)
	for _, want := range []string{"v1.2.3", "abc123+dirty (2026-12-01T00:00:00Z)", "go1.26"} {
		if !strings.Contains(got, want) {
			t.Errorf("versionText lacks %q:\n%s", want, got)
		}
	}
	if got := versionText(&debug.BuildInfo{}); !strings.Contains(got, "(devel)") || !strings.Contains(got, "unknown") {
		t.Errorf("without build settings:\n%s", got)
	}
}

// TestHelpCommand checks that "help COMMAND" prints that command's flags
// on stdout, and that a bad value is one line, not the usage.
func TestHelpCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch([]string{"help", "run"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "-repeats") || !strings.Contains(out.String(), "-workloads") {
		t.Fatalf("help run: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := dispatch([]string{"help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "version") {
		t.Errorf("help: exit %d, stdout %q", code, out.String())
	}
	errb.Reset()
	if code := dispatch([]string{"help", "bogus"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "bogus") {
		t.Errorf("help bogus: exit %d, stderr %q", code, errb.String())
	}
}

// TestBinaryDoesNotLinkTesting keeps package testing (and its flags) out of
// the shipped command: what tests need lives apart from what it needs.
func TestBinaryDoesNotLinkTesting(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "testing" {
			t.Fatal("reactorbench links package testing")
		}
	}
}
