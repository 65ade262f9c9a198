//go:build ignore

// Gen writes the report's test inputs: a full run modeled on measurements
// from a 2-core machine, the same run as a baseline from an older commit
// and from another machine, and a partial run. Run from report/testdata:
//
//	go run gen.go
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/reactorbench/reactorbench/bench/results"
)

// run shapes the numbers of one generated file.
type run struct {
	rng *rand.Rand
	// slow scales every cost (1 = the full run) and epollEcho the epoll
	// echo server's cost on top.
	slow, epollEcho, pollDispatch float64
}

func (r *run) noisy(v float64) float64 { return v * (1 + 0.03*(r.rng.Float64()*2-1)) }

func main() {
	env := results.Env{
		Date: time.Date(2026, 11, 21, 22, 0, 0, 0, time.UTC), Hostname: "bench-1", OS: "linux", Arch: "amd64",
		Kernel: "6.1.0-28-amd64", CPUModel: "Intel(R) Xeon(R) CPU @ 2.20GHz", Cores: 2,
		GoVersion: "go1.26.8", GOMAXPROCS: 2, NoFileLimit: 20000,
		Pinning: "server cpu 0, load generator cpu 1", Commit: "3f2c1ab",
		Command: "reactorbench run -out /tmp/rb", Repeats: 6,
	}
	full := (&run{rng: rand.New(rand.NewPCG(1, 2)), slow: 1, epollEcho: 1, pollDispatch: 1}).file(env)
	write("full", full)

	base := env
	base.Date, base.Commit = env.Date.Add(-48*time.Hour), "9e41d07"
	write("base", (&run{rng: rand.New(rand.NewPCG(3, 4)), slow: 1, epollEcho: 1.12, pollDispatch: 0.95}).file(base))

	other := env
	other.Hostname, other.Kernel, other.CPUModel, other.Cores = "laptop", "6.8.0-45-generic", "AMD Ryzen 7 5800U", 8
	other.Commit = "9e41d07"
	write("other", (&run{rng: rand.New(rand.NewPCG(5, 6)), slow: 0.8, epollEcho: 1, pollDispatch: 1}).file(other))

	write("partial", partial(env))
}

func write(dir string, f *results.File) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	data, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(data, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

func (r *run) file(env results.Env) *results.File {
	f := &results.File{Version: results.FormatVersion, Env: env}
	f.Notes = []string{
		"echo: connection ladder clamped to 9,900 (RLIMIT_NOFILE 20,000: two descriptors per connection and a reserve)",
		"echo is closed-loop: each connection sends its next message only after the whole echo arrived",
		"dispatch: active=100 starts at 128 descriptors",
	}
	f.Skipped = []results.Skip{{What: "peer twisted-kqueue", Reason: "Twisted's kqueue reactor needs kqueue(2), which Linux lacks", Hint: "run on FreeBSD or macOS"}}
	r.dispatch(f)
	r.echo(f)
	r.echoOpen(f)
	r.connect(f)
	r.idle(f)
	r.micro(f)
	r.fixedLoad(f)
	r.wakeup(f)
	return f
}

func (r *run) add(f *results.File, workload, impl string, params map[string]string, n int, sample func() results.Sample) {
	name := workload
	for _, k := range []string{"impl", "fds", "active", "conns", "size", "rate", "shape", "goroutines", "state"} {
		if k == "impl" {
			name += "/impl=" + impl
		} else if v, ok := params[k]; ok {
			name += "/" + k + "=" + v
		}
	}
	res := results.Result{Name: string(name[0]-32) + name[1:], Workload: workload, Impl: impl, Params: params}
	for range n {
		res.Samples = append(res.Samples, sample())
	}
	f.Results = append(f.Results, res)
}

func (r *run) dispatch(f *results.File) {
	for _, active := range []float64{1, 100} {
		for _, b := range []string{"epoll", "poll", "select"} {
			for _, raw := range []bool{false, true} {
				impl := b
				if raw {
					impl = "raw-" + b
				}
				for n := 1.0; n <= 16384; n *= 2 {
					if n < active {
						continue
					}
					cost := 380.0
					switch b {
					case "epoll":
						cost += 12 * math.Log2(n) / 14
					case "poll":
						cost += 1.9 * n / active * r.pollDispatch
					case "select":
						cost += 2.3 * n / active
					}
					if !raw {
						cost += 140
					}
					cost *= r.slow
					params := map[string]string{"fds": ftoa(n), "active": ftoa(active), "writes": "1000"}
					r.add(f, "dispatch", impl, params, 6, func() results.Sample {
						return results.Sample{Metrics: map[string]float64{
							results.NsPerEvent: r.noisy(cost), results.SetupNs: r.noisy(n * 1200),
							results.SyscallsPerEvent: 2 + b2f(!raw)*0.01,
						}}
					})
				}
			}
		}
	}
}

// echo models a closed loop limited by the server's CPU, the load
// generator's (about 70k round trips/s) and the base latency.
func (r *run) echo(f *results.File) {
	cpu := map[string]float64{"epoll": 9800, "poll": 11000, "select": 11500, "gonet": 13300, "netpoll": 14900,
		"node": 17000, "twisted-epoll": 28000, "twisted-poll": 30000, "twisted-select": 32000}
	grow := map[string]float64{"poll": 4, "select": 5, "twisted-poll": 10, "twisted-select": 14}
	for _, size := range []float64{64, 1024} {
		for _, impl := range []string{"epoll", "poll", "select", "gonet", "netpoll", "node", "twisted-select", "twisted-poll", "twisted-epoll"} {
			for _, c := range []float64{1, 10, 100, 1000, 5000, 9900} {
				perRT := cpu[impl] + grow[impl]*c
				if c == 1 {
					perRT *= 1.8
				}
				perRT *= (1 + size/8192) * r.slow
				if impl == "epoll" {
					perRT *= r.epollEcho
				}
				params := map[string]string{"conns": ftoa(c), "size": ftoa(size)}
				r.add(f, "echo", impl, params, 6, func() results.Sample {
					cpuNs := r.noisy(perRT)
					rts := math.Min(math.Min(70000, 1e9/cpuNs), c/(28e-6*r.slow))
					clientCPU := rts * 13e-6 * 100
					var starved, dropped, never float64
					switch {
					case impl == "twisted-select" && c == 9900:
						starved = 8885 + float64(r.rng.IntN(40))
					case impl == "twisted-select" && c == 5000:
						starved = 3200 + float64(r.rng.IntN(100))
					case impl == "node" && c == 9900:
						starved = 258 + float64(r.rng.IntN(1517))
					case impl == "twisted-poll" && c == 9900:
						dropped = 12
					}
					served := c - starved - dropped - never
					rts = r.noisy(rts * served / c)
					p50 := c / rts * 1e9
					tail := 2.5
					if starved > 0 {
						tail = 40
					}
					s := results.Sample{Metrics: map[string]float64{
						results.ServerCPUNsPerRT: cpuNs, results.RoundTripsPerSec: rts,
						results.ClientCPUPercent: math.Min(clientCPU, 99), results.ClientBound: b2f(clientCPU > results.ClientBoundPercent),
						results.P50Ns: p50, results.P99Ns: r.noisy(p50 * tail), results.P999Ns: r.noisy(p50 * tail * 2),
						results.ServerPeakRSS: 8<<20 + c*2048,
						results.Starved:       starved, results.Dropped: dropped, results.NeverConnected: never,
					}}
					if impl == "epoll" || impl == "poll" || impl == "select" {
						// One wait per round trip at C=1, shared by more connections as C grows.
						s.Metrics[results.SyscallsPerEvent] = 2 + 1/math.Sqrt(c)
					}
					s.Latency = histogram(p50, tail, int64(rts*2))
					return s
				})
			}
		}
	}
}

// histogram spreads count round trips around p50 with a tail reaching
// p50*tail, over buckets doubling from 1 µs.
func histogram(p50, tail float64, count int64) *results.Histogram {
	h := &results.Histogram{Count: count, MinNs: int64(p50 / 4), MaxNs: int64(p50 * tail * 3)}
	left := count
	for ub := 1000.0; ub < 1e10 && left > 0; ub *= 2 {
		if ub < p50/4 {
			continue
		}
		frac := 0.5
		if ub > p50*tail {
			frac = 0.9
		}
		n := int64(float64(left) * frac)
		if ub >= float64(h.MaxNs) || n == 0 {
			n = left
		}
		left -= n
		h.Buckets = append(h.Buckets, results.Bucket{UpperNs: int64(ub), Count: n})
	}
	return h
}

func (r *run) echoOpen(f *results.File) {
	for _, impl := range []string{"epoll", "gonet", "netpoll"} {
		base := map[string]float64{"epoll": 60000, "gonet": 75000, "netpoll": 80000}[impl] * r.slow
		for _, rate := range []float64{10000, 20000, 40000, 60000} {
			params := map[string]string{"conns": "1000", "rate": ftoa(rate), "size": "64"}
			r.add(f, "echo-open", impl, params, 6, func() results.Sample {
				load := rate / 70000
				p99 := base / (1 - load*0.9)
				return results.Sample{Metrics: map[string]float64{results.P50Ns: r.noisy(p99 / 3), results.P99Ns: r.noisy(p99),
					results.RoundTripsPerSec: r.noisy(rate)}}
			})
		}
	}
}

// fixedLoad offers every implementation 10-90% of Twisted's 12k/s peak:
// CPU per request falls with the rate as wake-ups serve more requests.
func (r *run) fixedLoad(f *results.File) {
	cost := map[string]float64{"epoll": 9000, "poll": 9500, "select": 9800, "gonet": 14000, "netpoll": 12500, "node": 30000, "twisted-epoll": 70000}
	for _, impl := range []string{"epoll", "poll", "select", "gonet", "netpoll", "node", "twisted-epoll"} {
		for _, load := range []float64{10, 30, 50, 70, 90} {
			rate := 120 * load
			params := map[string]string{"conns": "100", "size": "64", "mode": "open", "rate": ftoa(rate), "load": ftoa(load), "peak": "12000", "peak-impl": "twisted-epoll"}
			r.add(f, "fixed-load", impl, params, 4, func() results.Sample {
				cpu := r.noisy(cost[impl] * r.slow * (1.6 - load/100))
				p99 := 80000 / (1 - load/100*0.9)
				return results.Sample{Metrics: map[string]float64{results.ServerCPUNsPerRT: cpu,
					results.ServerUserNsRT: cpu * 0.35, results.ServerSysNsRT: cpu * 0.65,
					results.P50Ns: r.noisy(p99 / 4), results.P99Ns: r.noisy(p99), results.P999Ns: r.noisy(p99 * 2),
					results.RoundTripsPerSec: r.noisy(rate), results.ClientCPUPercent: 20 + load/2, results.ClientBound: 0, "behind": 0}}
			})
		}
	}
}

func (r *run) connect(f *results.File) {
	rate := map[string]float64{"epoll": 28000, "poll": 26500, "select": 25500, "gonet": 24000, "netpoll": 21000, "node": 15000, "twisted-epoll": 6000}
	for _, impl := range []string{"epoll", "poll", "select", "gonet", "netpoll", "node", "twisted-epoll"} {
		r.add(f, "connect", impl, map[string]string{"conns": "100"}, 6, func() results.Sample {
			return results.Sample{Metrics: map[string]float64{results.ConnsPerSec: r.noisy(rate[impl] / r.slow)}}
		})
	}
}

func (r *run) idle(f *results.File) {
	mem := map[string]float64{"epoll": 820, "poll": 860, "select": 880, "gonet": 8400, "netpoll": 2150, "node": 1450,
		"twisted-epoll": 5900, "twisted-poll": 5950, "twisted-select": 6000}
	for _, impl := range []string{"epoll", "poll", "select", "gonet", "netpoll", "node", "twisted-select", "twisted-poll", "twisted-epoll"} {
		r.add(f, "idle-memory", impl, map[string]string{"conns": "9900"}, 6, func() results.Sample {
			return results.Sample{Metrics: map[string]float64{results.BytesPerConn: r.noisy(mem[impl])}}
		})
	}
}

func (r *run) micro(f *results.File) {
	shapes := []struct {
		workload string
		params   map[string]string
		ours     float64
		twisted  float64
	}{
		{"callbacks", map[string]string{"shape": "create-fire"}, 48, 2100},
		{"callbacks", map[string]string{"shape": "chain-1000"}, 21000, 1.1e6},
		{"callbacks", map[string]string{"shape": "deferredlist-100"}, 9500, 310000},
		{"timers", map[string]string{"pending": "1000000", "op": "fire", "shape": "pending=1000000/op=fire"}, 140, 5100},
		{"timers", map[string]string{"pending": "1000000", "op": "cancel", "shape": "pending=1000000/op=cancel"}, 60, 3900},
		{"cross-thread", map[string]string{"goroutines": "4"}, 310, 9800},
	}
	for _, s := range shapes {
		for _, impl := range []string{"epoll", "poll", "select", "twisted"} {
			v := s.ours
			switch impl {
			case "twisted":
				v = s.twisted
			case "poll", "select":
				v *= 1.04
			}
			v *= r.slow
			r.add(f, s.workload, impl, s.params, 6, func() results.Sample {
				return results.Sample{Metrics: map[string]float64{results.NsPerOp: r.noisy(v), results.AllocsPerOp: b2f(impl == "twisted")}}
			})
		}
	}
}

// wakeup is the wake-up latency of each backend, idle and busy, beside
// the raw eventfd floor (idle only).
func (r *run) wakeup(f *results.File) {
	points := []struct {
		impl, state string
		p50, p99    float64
	}{
		{"raw-eventfd", "idle", 31000, 52000},
		{"epoll", "idle", 33500, 61000}, {"epoll", "busy", 1400, 9000},
		{"poll", "idle", 34000, 64000}, {"poll", "busy", 1450, 9500},
		{"select", "idle", 34500, 66000}, {"select", "busy", 1500, 9900},
	}
	for _, p := range points {
		r.add(f, "wakeup", p.impl, map[string]string{"state": p.state}, 6, func() results.Sample {
			return results.Sample{Metrics: map[string]float64{results.WakeNs: r.noisy(p.p50 * r.slow), results.WakeP99Ns: r.noisy(p.p99 * r.slow)}}
		})
	}
}

// partial is a run stopped during echo: some dispatch and echo points, a
// result with no samples, no environment beyond the date.
func partial(env results.Env) *results.File {
	r := &run{rng: rand.New(rand.NewPCG(7, 8)), slow: 1, epollEcho: 1, pollDispatch: 1}
	full := r.file(env)
	f := &results.File{Version: results.FormatVersion, Env: results.Env{Date: env.Date, Command: "reactorbench run -out /tmp/rb"}}
	f.Skipped = []results.Skip{{What: "peer node", Reason: "exec: \"node\": executable file not found in $PATH", Hint: "apt-get install nodejs"}}
	f.Notes = []string{"run interrupted (signal: interrupt) during echo"}
	for _, res := range full.Results {
		fds, _ := strconv.Atoi(res.Params["fds"])
		conns, _ := strconv.Atoi(res.Params["conns"])
		switch {
		case res.Workload == "dispatch" && res.Params["active"] == "1" && fds <= 1024 && (res.Impl == "epoll" || res.Impl == "raw-epoll" || res.Impl == "poll"):
		case res.Workload == "echo" && res.Params["size"] == "64" && (res.Impl == "epoll" || res.Impl == "gonet") && conns <= 100:
		case res.Workload == "echo" && res.Params["size"] == "64" && res.Impl == "gonet" && conns == 1000:
			res.Samples = nil
		default:
			continue
		}
		f.Results = append(f.Results, res)
	}
	return f
}

func ftoa(v float64) string { return fmt.Sprint(v) }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
