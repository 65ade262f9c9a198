package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/bench/loadgen"
	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/reactors"
)

// runWorkload runs the named workload under o and returns what it emitted,
// the notes and the skips.
func runWorkload(t *testing.T, name string, o Options) (*results.File, []results.Result) {
	t.Helper()
	ws, err := ParseWorkloads(name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := RunSuite(context.Background(), o, ws)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range f.Skipped {
		if s.What == "workload "+name {
			t.Fatalf("workload failed: %+v", s)
		}
	}
	return f, f.Results
}

// validSamples returns r's valid samples. A sample the suite marked
// invalid (the machine, not the server, held it back, after its retries)
// carries its reason and is left out, as the report leaves it out; the
// behaviour checked is that the suite never passes such a sample as valid.
func validSamples(t *testing.T, r results.Result) []results.Sample {
	t.Helper()
	var ok []results.Sample
	for _, s := range r.Samples {
		if s.Invalid == "" {
			ok = append(ok, s)
		} else {
			t.Logf("%s: a sample set aside: %s", r.Name, s.Invalid)
		}
	}
	return ok
}

func TestEchoGoNet(t *testing.T) {
	f, rs := runWorkload(t, "echo", Options{Peers: []string{"gonet"}, Quick: true, Repeats: 2})
	if len(rs) != len(planEcho(&Options{Quick: true}).points()) {
		t.Fatalf("got %d results: %+v (notes %q)", len(rs), rs, f.Notes)
	}
	for _, r := range rs {
		if r.Workload != "echo" || r.Impl != "gonet" || len(r.Samples) != 2 {
			t.Fatalf("%+v", r)
		}
		for _, s := range validSamples(t, r) {
			m := s.Metrics
			for _, k := range []string{results.RoundTripsPerSec, results.ServerCPUNsPerRT, results.P99Ns, results.ServerPeakRSS, results.ClientCPUPercent} {
				if m[k] <= 0 {
					t.Errorf("%s: %s = %v", r.Name, k, m[k])
				}
			}
			if m[results.Starved]+m[results.Dropped]+m[results.NeverConnected] != 0 || s.Latency == nil {
				t.Errorf("%s: %v", r.Name, m)
			}
		}
	}
}

// TestEchoBackends runs the quick echo workload on every backend.
func TestEchoBackends(t *testing.T) {
	_, rs := runWorkload(t, "echo", Options{Reactors: runnableReactors(), Quick: true, Repeats: 1})
	if len(rs) != len(runnableReactors())*len(planEcho(&Options{Quick: true}).points()) {
		t.Fatalf("got %d results", len(rs))
	}
	for _, r := range rs {
		for _, s := range validSamples(t, r) {
			if m := s.Metrics; m[results.RoundTripsPerSec] <= 0 || m[results.SyscallsPerEvent] <= 0 || m[results.ServerCPUNsPerRT] <= 0 {
				t.Errorf("%s: %v", r.Name, m)
			}
		}
	}
}

func TestEchoOpen(t *testing.T) {
	_, rs := runWorkload(t, "echo-open", Options{Peers: []string{"gonet"}, Quick: true, Repeats: 1})
	if len(rs) != len(planOpen(&Options{Quick: true}).rates) {
		t.Fatalf("got %d results", len(rs))
	}
	r := rs[0]
	if r.Workload != "echo-open" || r.Params["rate"] == "" || r.Params["mode"] != "open" {
		t.Fatalf("%+v", r)
	}
	for _, s := range validSamples(t, r) {
		if m := s.Metrics; m[results.RoundTripsPerSec] <= 0 || m[results.P99Ns] <= 0 {
			t.Fatalf("%v", m)
		}
	}
}

func TestConnect(t *testing.T) {
	_, rs := runWorkload(t, "connect", Options{Reactors: runnableReactors(), Peers: []string{"gonet"}, Quick: true, Repeats: 1})
	if len(rs) != len(reactors.Names())+1 {
		t.Fatalf("got %d results", len(rs))
	}
	for _, r := range rs {
		for _, s := range validSamples(t, r) {
			if m := s.Metrics; m[results.ConnsPerSec] <= 0 || m[serverCPUNsPerConn] <= 0 || m[results.NeverConnected] != 0 {
				t.Errorf("%s: %v", r.Name, m)
			}
		}
	}
}

func TestIdleMemory(t *testing.T) {
	_, rs := runWorkload(t, "idle-memory", Options{Reactors: runnableReactors(), Peers: []string{"gonet"}, Quick: true, Repeats: 1})
	if len(rs) != len(reactors.Names())+1 {
		t.Fatalf("got %d results", len(rs))
	}
	for _, r := range rs {
		m := r.Samples[0].Metrics
		if _, ok := m[results.BytesPerConn]; !ok || m["rss-base-bytes"] <= 0 || m[results.Starved] != 0 {
			t.Errorf("%s: %v", r.Name, m)
		}
	}
}

// TestPlanEchoClamps lowers the descriptor limit and checks the ladder ends
// at what it allows, with the note saying so.
func TestPlanEchoClamps(t *testing.T) {
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	defer unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	limit := func(lower unix.Rlimit) {
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lower); err != nil {
			t.Skipf("cannot lower RLIMIT_NOFILE: %v", err)
		}
	}
	limit(unix.Rlimit{Cur: 3000, Max: old.Max})
	p := planEcho(&Options{Repeats: 6})
	want := []int{1, 10, 100, 1000, 3000 - loadgen.FDSlack}
	if fmt.Sprint(p.ladder) != fmt.Sprint(want) || p.wide[2900] || !p.wide[1000] || p.wide[100] {
		t.Fatalf("ladder %v wide %v, want %v", p.ladder, p.wide, want)
	}
	if n := len(p.points()); n != len(want)+1 || p.repeatsAt(1000) != 6 || p.repeatsAt(2900) != 4 {
		t.Fatalf("%d points", n)
	}
	limit(unix.Rlimit{Cur: 6000, Max: old.Max})
	p = planEcho(&Options{Repeats: 6})
	if fmt.Sprint(p.ladder) != "[1 10 100 1000 5000 5900]" || p.repeatsAt(5000) != 4 || p.repeatsAt(5900) != 4 {
		t.Fatalf("ladder %v, repeats at 5000 %d, at 5900 %d", p.ladder, p.repeatsAt(5000), p.repeatsAt(5900))
	}
}

// BenchmarkEcho is the closed-loop echo in go test form: each iteration is
// one 200 ms window of 64 B round trips against a server in a child
// process; ns/op is wall time per round trip, beside rt/s, p99-ns and the
// server's CPU per round trip.
//
//	go test ./bench -run X -bench Echo -benchtime 6x -args -reactor=epoll
func BenchmarkEcho(b *testing.B) {
	for _, impl := range slices.Concat(benchReactors(), []string{"gonet", "netpoll"}) {
		for _, conns := range []int{1, 100, 1000} {
			// The suite's result names, so benchstat compares the two.
			b.Run(fmt.Sprintf("impl=%s/conns=%d/size=64", impl, conns), func(b *testing.B) {
				ctx := context.Background()
				srv, err := startWarmServer(ctx, impl, "", 1)
				if err != nil {
					b.Fatal(err)
				}
				defer srv.stop()
				cfg := loadgen.Config{Addr: srv.addr, Conns: conns, Size: 64, Warmup: 50 * time.Millisecond, Duration: 200 * time.Millisecond}
				sums := map[string]float64{}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					s, err := echoSample(ctx, srv, cfg, maxConns(), b.N)
					if err != nil {
						b.Fatal(err)
					}
					for _, k := range []string{results.RoundTripsPerSec, results.P99Ns, results.ServerCPUNsPerRT} {
						sums[k] += s.Metrics[k]
					}
				}
				n := float64(b.N)
				b.ReportMetric(1e9/(sums[results.RoundTripsPerSec]/n), "ns/op")
				for k, v := range sums {
					b.ReportMetric(v/n, k)
				}
			})
		}
	}
}

// TestBoundRamp: a sample whose ramp completed keeps it; one in which some
// connection had no echo within the warm-up's bound records the bound; an
// open loop or a sample that served nothing records none.
func TestBoundRamp(t *testing.T) {
	cfg := loadgen.Config{Warmup: time.Second, MaxWarmup: 10 * time.Second}
	for _, tc := range []struct {
		m     map[string]float64
		cfg   loadgen.Config
		rts   int64
		want  float64
		found bool
	}{
		{map[string]float64{results.RampNs: 3e8}, cfg, 5, 3e8, true},
		{map[string]float64{}, cfg, 5, 1e10, true},
		{map[string]float64{}, cfg, 0, 0, false},
		{map[string]float64{}, loadgen.Config{Warmup: time.Second}, 5, 0, false},
	} {
		boundRamp(tc.m, tc.cfg, &loadgen.Result{RoundTrips: tc.rts})
		if got, ok := tc.m[results.RampNs]; ok != tc.found || got != tc.want {
			t.Errorf("cfg %+v, %d round trips: ramp %v (%v), want %v (%v)", tc.cfg, tc.rts, got, ok, tc.want, tc.found)
		}
	}
}
