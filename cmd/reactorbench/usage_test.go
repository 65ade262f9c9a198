package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestBadValuesOneLine checks every command's bad values: exit 2 and one
// message in one prefix style ("reactorbench CMD: ..."), with no doubled
// prefix and no usage dump.
func TestBadValuesOneLine(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "-reactor", "nope"},
		{"serve", "-reactor", ""},
		{"serve", "-addr", "bogus"},
		{"serve", "-workload", "nope"},
		{"run", "-reactor", "nope"},
		{"run", "-reactor", ""},
		{"run", "-reactor", "epoll,"},
		{"run", "-workloads", ""},
		{"run", "-workloads", "nope"},
		{"run", "-peers", ""},
		{"run", "-repeats", "0"},
		{"run", "-repeats", "-1"},
		{"run", "-repeats", "many"},
		{"run", "-out", ""},
		{"load", "-addr", "127.0.0.1:1", "-rate", "NaN"},
		{"list", "extra"},
		{"version", "-bogus"},
	} {
		var out, errb bytes.Buffer
		code := dispatch(args, &out, &errb)
		msg := errb.String()
		first, _, _ := strings.Cut(msg, "\n")
		switch {
		case code != 2:
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, msg)
		case !strings.HasPrefix(first, "reactorbench "+args[0]+": "):
			t.Errorf("%q: %q does not start with %q", args, first, "reactorbench "+args[0]+": ")
		case strings.Contains(msg, "core: "), strings.Contains(msg, "-reactor: -reactor"), strings.Contains(msg, "usage:"), strings.Count(msg, "\n") > 2:
			t.Errorf("%q: stderr %q: a doubled prefix or a usage dump", args, msg)
		}
	}
}
