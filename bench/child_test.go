package bench

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/bench/loadgen"
	"github.com/reactorbench/reactorbench/bench/results"
)

// TestLoadSplitAcrossProcesses runs one sample with the connections split
// over three load generator processes, as the suite does when one process
// would run out of descriptors.
func TestLoadSplitAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	srv, err := startServer(ctx, "gonet", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	cfg := loadgen.Config{Addr: srv.addr, Conns: 20, Size: 64, Warmup: 50 * time.Millisecond, Duration: 200 * time.Millisecond}
	procs, err := loadProcs(ctx, cfg, 7, srv.layout.load)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range procs {
		c.stop()
	}
	if len(procs) != 3 {
		t.Fatalf("%d processes for 20 connections at 7 each, want 3", len(procs))
	}
	s, err := echoSample(ctx, srv, cfg, 7, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := s.Metrics
	if m[results.RoundTripsPerSec] <= 0 || m[results.NeverConnected]+m[results.Dropped] != 0 || s.Latency == nil {
		t.Fatalf("%v", m)
	}
}

func TestChildBadRole(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for role, want := range map[string]string{"bogus": "unknown child role", roleLoad: "bad configuration"} {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), childEnv+"="+role)
		cmd.Stdin = strings.NewReader("{not json\n")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("role %s: err %v, output %q, want %q", role, err, out, want)
		}
	}
}

func TestChildReportsExit(t *testing.T) {
	c, err := startChild(roleServer, "server bogus", implEnv+"=bogus")
	if err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	if _, err := c.recv(context.Background()); err == nil || !strings.Contains(err.Error(), "unknown server") {
		t.Fatalf("got %v", err)
	}
}
