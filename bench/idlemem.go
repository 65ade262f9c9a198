package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/reactorbench/reactorbench/bench/loadgen"
	"github.com/reactorbench/reactorbench/bench/results"
)

// The idle-memory workload: the server's resident memory with C idle
// connections, each of which has made one round trip (so the server has
// accepted it and built its state), less the memory with none, per
// connection. Kernel socket buffers are not in RSS: this is user space.

func idleConns(o *Options) int {
	if o.Quick {
		return 100
	}
	return min(2000, maxConns())
}

func idlePoints(o *Options) int { return implCount(o) }

func runIdleWorkload(ctx context.Context, o *Options, emit func(results.Result)) error {
	conns := idleConns(o)
	repeats := auxRepeats(o)
	o.note("idle-memory: server RSS with %d idle connections less its RSS with none, per connection, %d repeats on fresh servers", conns, repeats)
	impls := availableImpls(o, "idle-memory")
	res := make([]results.Result, len(impls))
	failed := make([]bool, len(impls))
	for j, impl := range impls {
		res[j] = results.Result{
			Name:     fmt.Sprintf("IdleMemory/impl=%s/conns=%d", impl, conns),
			Workload: "idle-memory", Impl: impl,
			Params: map[string]string{"conns": strconv.Itoa(conns)},
		}
	}
	// Repeats interleave the implementations, as the other workloads do.
	for rep := 0; rep < repeats; rep++ {
		for j, impl := range impls {
			if failed[j] {
				continue
			}
			s, err := idleSample(ctx, impl, conns, repeats)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				o.note("idle-memory %s: %v", res[j].Name, err)
				failed[j] = true
				continue
			}
			res[j].Samples = append(res[j].Samples, s)
		}
	}
	for _, r := range res {
		o.progress(r.Name)
		if len(r.Samples) > 0 {
			emit(r)
		}
	}
	return nil
}

// idleSample measures one fresh server of impl with conns idle connections
// (one of repeats such samples).
func idleSample(ctx context.Context, impl string, conns, repeats int) (results.Sample, error) {
	srv, err := startWarmServer(ctx, impl, "", 1)
	if err != nil {
		return results.Sample{}, err
	}
	defer srv.stop()
	settle(srv)
	base, err := procStatus(srv.pid, "VmRSS")
	if err != nil {
		return results.Sample{}, err
	}
	cfg := loadgen.Config{Addr: srv.addr, Conns: conns, Size: 64, Duration: time.Second, Spread: spreadNeeded(conns, repeats)}
	procs, err := loadProcs(ctx, cfg, maxConns(), srv.layout.load)
	if err != nil {
		return results.Sample{}, err
	}
	defer func() {
		for _, c := range procs {
			c.stop()
		}
	}()
	answered, failed := 0, 0
	for _, c := range procs {
		if err := c.send(cmdPing); err != nil {
			return results.Sample{}, err
		}
	}
	for _, c := range procs {
		var rd loadReady
		if err := c.recvJSON(ctx, &rd); err != nil {
			return results.Sample{}, err
		}
		if rd.Err != "" {
			return results.Sample{}, fmt.Errorf("%s", rd.Err)
		}
		answered += rd.Answered
		failed += rd.Failed
	}
	if answered == 0 {
		return results.Sample{}, fmt.Errorf("no connection got an echo")
	}
	// Let the server finish what the last round trips started (Go's
	// scheduler, Node's and Python's allocators) before reading RSS.
	if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
		return results.Sample{}, err
	}
	rss, err := procStatus(srv.pid, "VmRSS")
	if err != nil {
		return results.Sample{}, err
	}
	m := map[string]float64{
		results.BytesPerConn:   float64(rss-base) / float64(answered),
		"rss-base-bytes":       float64(base),
		results.NeverConnected: float64(failed),
		results.Starved:        float64(conns - failed - answered),
	}
	return results.Sample{Metrics: m, Iters: int64(answered)}, nil
}

func init() {
	RegisterWorkload(Workload{
		Name:   "idle-memory",
		Doc:    "server RSS per idle connection (after one round trip each)",
		Points: idlePoints,
		Run:    runIdleWorkload,
	})
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
