package main

import (
	"bytes"
	"errors"
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
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if !strings.Contains(l, "not available: ") {
			lines = append(lines, l)
		}
	}
	names := reactors.Names()
	if len(lines) != len(names) {
		t.Fatalf("list printed %d backend lines for %d backends:\n%s", len(lines), len(names), out.String())
	}
	for i, name := range names {
		info, _ := reactors.Lookup(name)
		f := strings.Fields(lines[i])
		if len(f) < 3 || f[0] != name || !strings.HasSuffix(lines[i], info.Doc) {
			t.Errorf("line %d = %q, want %s and its Doc %q", i, lines[i], name, info.Doc)
			continue
		}
		marked := f[1] == reactors.DefaultName
		if marked != (name == def.Name) {
			t.Errorf("line %q: default mark is %v, want %v", lines[i], marked, name == def.Name)
		}
		status := f[1]
		if marked {
			status = f[2]
		}
		if want := map[bool]string{true: "yes", false: "no"}[reactors.Available(name) == nil]; status != want {
			t.Errorf("line %q: status %q, want %q", lines[i], status, want)
		}
	}
}

// TestListUnavailable: a backend this system cannot run is listed as such,
// with the reason on the line after it.
func TestListUnavailable(t *testing.T) {
	infos := []reactors.Info{
		{Name: "epoll", Doc: "runs"},
		{Name: "uring-poll", Doc: "io_uring poll", Available: func() error {
			return errors.New("io_uring_setup: blocked by a seccomp filter: operation not permitted")
		}},
	}
	var out bytes.Buffer
	if err := writeList(&out, infos, "epoll"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), out.String())
	}
	if f := strings.Fields(lines[0]); len(f) < 3 || f[0] != "epoll" || f[1] != "default" || f[2] != "yes" {
		t.Errorf("line %q: want epoll default yes", lines[0])
	}
	if f := strings.Fields(lines[1]); len(f) < 2 || f[0] != "uring-poll" || f[1] != "no" {
		t.Errorf("line %q: want uring-poll no", lines[1])
	}
	if !strings.Contains(lines[2], "not available: io_uring_setup: blocked by a seccomp filter") {
		t.Errorf("line %q: want the reason", lines[2])
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
