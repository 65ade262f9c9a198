package bench

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/bench/loadgen"
	"github.com/reactorbench/reactorbench/internal/testenv"
	"github.com/reactorbench/reactorbench/reactors"
)

func TestParsePeers(t *testing.T) {
	if all, err := ParsePeers("all"); err != nil || len(all) != len(PeerNames()) {
		t.Fatalf("all: %v %v", all, err)
	}
	if none, err := ParsePeers("none"); err != nil || len(none) != 0 {
		t.Fatalf("none: %v %v", none, err)
	}
	if ps, err := ParsePeers("node, gonet,node"); err != nil || strings.Join(ps, ",") != "node,gonet" {
		t.Fatalf("list: %v %v", ps, err)
	}
	for _, bad := range []string{"gonet,nginx", "", " ", "gonet,"} {
		_, err := ParsePeers(bad)
		if err == nil || !strings.Contains(err.Error(), "twisted-epoll") {
			t.Errorf("%q: %v, want an error listing the peers", bad, err)
		}
	}
}

// requireImpl skips (or fails under REACTORBENCH_REQUIRE_ALL) when impl's
// runtime is missing.
func requireImpl(t *testing.T, impl string) {
	t.Helper()
	p, ok := lookupPeer(impl)
	if ok && p.runtime != nil {
		_, err := p.runtime()
		testenv.Require(t, impl, p.hint, err)
	}
}

// TestServers runs every backend's and every peer's echo server in a child
// process and checks it echoes, is pinned, and (for backends) reports its
// loop's counters.
func TestServers(t *testing.T) {
	for _, impl := range append(reactors.Names(), PeerNames()...) {
		t.Run(impl, func(t *testing.T) {
			requireImpl(t, impl)
			ctx := context.Background()
			srv, err := startServer(ctx, impl, "", 1)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.stop()
			r, err := loadgen.Run(loadgen.Config{Addr: srv.addr, Conns: 20, Size: 1024, Duration: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if r.Error() != nil || r.RoundTrips == 0 || r.NeverConnected+r.Died != 0 {
				t.Fatalf("%+v", r)
			}
			if cpu, err := srv.cpu(); err != nil || cpu <= 0 {
				t.Fatalf("server cpu %v, %v", cpu, err)
			}
			if runtime.NumCPU() >= 2 {
				if got, _ := statusField(srv.pid, "Cpus_allowed_list"); got != "0" {
					t.Errorf("server allowed on cpus %q, want 0", got)
				}
			}
			if srv.isReactor() {
				c, err := srv.counters(ctx)
				if err != nil || c.Events+c.Completions == 0 || c.Reads == 0 || c.Writes == 0 {
					t.Fatalf("counters %+v, %v", c, err)
				}
			}
		})
	}
}

// statusField returns a field of /proc/PID/status as text.
func statusField(pid int, field string) (string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", os.ErrNotExist
}

func TestUnknownServer(t *testing.T) {
	if _, err := startServer(context.Background(), "nginx", "", 1); err == nil || !strings.Contains(err.Error(), "unknown server") {
		t.Fatalf("got %v", err)
	}
}

func TestMissingPeerIsSkippedWithReason(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var skips []string
	o := &Options{Reactors: []string{"x"}, Peers: []string{"gonet", "node"}, Skip: func(what, reason, hint string) {
		skips = append(skips, what+": "+reason+": "+hint)
	}}
	impls := availableImpls(o, "echo")
	if strings.Join(impls, ",") != "x,gonet" || len(skips) != 1 || !strings.Contains(skips[0], "node is not installed") || !strings.Contains(skips[0], testenv.NodeHint) {
		t.Fatalf("impls %v, skips %q", impls, skips)
	}
	if implCount(o) != 2 {
		t.Fatalf("implCount %d", implCount(o))
	}
}

func TestProcReaders(t *testing.T) {
	if cpu, err := procCPU(os.Getpid()); err != nil || cpu <= 0 {
		t.Fatalf("cpu %v %v", cpu, err)
	}
	if rss, err := procStatus(os.Getpid(), "VmRSS"); err != nil || rss <= 0 {
		t.Fatalf("rss %v %v", rss, err)
	}
	if _, err := procStatus(os.Getpid(), "NoSuchField"); err == nil {
		t.Fatal("missing field gave no error")
	}
}
