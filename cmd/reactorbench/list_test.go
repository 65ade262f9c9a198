package main

import (
	"bytes"
	"strings"
	"testing"

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
