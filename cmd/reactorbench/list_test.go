package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench"
	"github.com/reactorbench/reactorbench/internal/peerenv"
	"github.com/reactorbench/reactorbench/reactors"
)

func TestList(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch([]string{"list"}, &out, &errb); code != 0 {
		t.Fatalf("list: exit %d, stderr %q", code, errb.String())
	}
	def, err := reactors.Lookup(reactors.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	names := reactors.Names()
	if len(lines) != len(names) {
		t.Fatalf("list printed %d lines for %d backends:\n%s", len(lines), len(names), out.String())
	}
	for i, name := range names {
		info, _ := reactors.Lookup(name)
		f := strings.Fields(lines[i])
		if len(f) < 2 || f[0] != name || !strings.HasSuffix(lines[i], info.Doc) {
			t.Errorf("line %d = %q, want %s and its Doc %q", i, lines[i], name, info.Doc)
		}
		if marked := f[1] == reactors.DefaultName; marked != (name == def.Name) {
			t.Errorf("line %q: default mark is %v, want %v", lines[i], marked, name == def.Name)
		}
	}
}

func TestListBadUsage(t *testing.T) {
	for _, args := range [][]string{{"-bogus"}, {"extra"}} {
		var out, errb bytes.Buffer
		if code := dispatch(append([]string{"list"}, args...), &out, &errb); code != 2 || !strings.HasPrefix(errb.String(), "reactorbench list: ") || strings.Contains(errb.String(), "usage:") {
			t.Errorf("list %q: exit %d, stderr %q; want 2 and one line, not the usage", args, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := dispatch([]string{"list", "-h"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "usage") {
		t.Errorf("list -h: exit %d, stderr %q", code, errb.String())
	}
}

// TestListPeers checks that list -peers names every peer and, for the
// Twisted ones, the interpreter the suite runs them on.
func TestListPeers(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch([]string{"list", "-peers"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	py, pyErr := peerenv.Python3Twisted()
	for _, name := range bench.PeerNames() {
		var line string
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, name+" ") {
				line = l
			}
		}
		switch {
		case line == "":
			t.Errorf("no line for %s:\n%s", name, out.String())
		case strings.HasPrefix(name, "twisted") && pyErr == nil && !strings.HasSuffix(line, py):
			t.Errorf("%q does not end with the interpreter %s", line, py)
		case strings.HasPrefix(name, "twisted") && pyErr != nil && !strings.Contains(line, "missing: "):
			t.Errorf("%q does not say Twisted is missing", line)
		}
	}
}
