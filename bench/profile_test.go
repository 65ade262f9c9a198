package bench

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/bench/results"
)

// TestProfiledServerWritesOnStop checks that each Go server child writes
// a complete CPU profile (a gzip stream pprof reads) when stopped cleanly.
func TestProfiledServerWritesOnStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, impl := range []string{"epoll", "gonet", "netpoll"} {
		path := filepath.Join(t.TempDir(), impl+".pprof")
		srv, err := startWarmServer(ctx, impl, path, 1)
		if err != nil {
			t.Fatal(err)
		}
		srv.stop()
		if st := srv.cmd.ProcessState; st == nil || !st.Success() {
			t.Fatalf("%s: profiled server did not exit cleanly: %v%s", impl, st, srv.stderr())
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", impl, err)
		}
		zr, err := gzip.NewReader(f)
		if err == nil {
			_, err = io.Copy(io.Discard, zr)
		}
		f.Close()
		if err != nil {
			t.Errorf("%s: the profile is not a whole gzip stream: %v", impl, err)
		}
	}
}

func TestStartProfileRefuses(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "x.pprof")
	for _, c := range []struct{ impl, path string }{
		{"node", abs}, {"twisted-epoll", abs}, {"gonet", "x.pprof"}, {"gonet", filepath.Join(t.TempDir(), "x.txt")},
	} {
		if _, err := startProfile(c.impl, c.path); err == nil {
			t.Errorf("profile of %s into %q started", c.impl, c.path)
		}
	}
	stop, err := startProfile("node", "")
	if err != nil || stop() != nil {
		t.Errorf("no profile asked for: %v", err)
	}
}

// TestProfileSuiteRunsGoServersOnly checks what a profiled run measures:
// the network workloads on the Go servers, one profile per workload, impl
// and C, and no result anywhere.
func TestProfileSuiteRunsGoServersOnly(t *testing.T) {
	ws, err := ParseWorkloads("echo-open")
	if err != nil {
		t.Fatal(err)
	}
	ws = append(ws, Workload{Name: "in-process", Points: func(*Options) int { return 1 },
		Run: func(context.Context, *Options, func(results.Result)) error {
			t.Error("a workload without servers ran in a profiled run")
			return nil
		}})
	o := Options{Reactors: []string{"epoll"}, Peers: []string{"gonet", "node", "twisted-epoll"}, Quick: true, Repeats: 3}
	po, pws := ProfilePlan(o, ws)
	if !slices.Equal(po.Peers, []string{"gonet"}) || po.Repeats != 1 || len(pws) != 1 {
		t.Fatalf("plan: peers %v, repeats %d, %d workloads", po.Peers, po.Repeats, len(pws))
	}
	dir := t.TempDir()
	stems, err := ProfileSuite(context.Background(), o, ws, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"echo-open-epoll-c10", "echo-open-gonet-c10"}
	slices.Sort(stems)
	if !slices.Equal(stems, want) {
		t.Fatalf("profiles %v, want %v", stems, want)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".pprof" {
			t.Errorf("profiled run wrote %s", e.Name())
		}
	}
}
