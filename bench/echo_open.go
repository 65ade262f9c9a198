package bench

import (
	"context"
	"fmt"
	"strconv"

	"github.com/reactorbench/reactorbench/bench/loadgen"
	"github.com/reactorbench/reactorbench/bench/results"
)

// The open-loop echo workload: requests at a fixed total rate over C
// connections, latency measured from each request's intended send time, so
// a server that stalls shows it in the tail instead of slowing the load
// down (coordinated omission).

// openPlan is the open-loop shape: C connections at each offered rate.
type openPlan struct {
	conns int
	rates []float64
	size  int
}

// behind is 1 when a sample completed under 90% of the offered rate: the
// server (or the client) did not keep up, and the latency shows the queue.
const behind = "behind"

func planOpen(o *Options) openPlan {
	if o.Quick {
		return openPlan{conns: 10, rates: []float64{2000}, size: 64}
	}
	return openPlan{conns: 100, rates: []float64{5000, 20000}, size: 64}
}

// auxRepeats is the number of repeats of the workloads beside the
// closed-loop echo (open loop, connect, idle memory): at most
// minScaleRepeats, the fewest from which the report can name a winner, to
// keep the main command short.
func auxRepeats(o *Options) int {
	return max(min(o.Repeats, minScaleRepeats), 1)
}

func openPoints(o *Options) int { return len(planOpen(o).rates) * netImplCount(o) }

func runOpenWorkload(ctx context.Context, o *Options, emit func(results.Result)) error {
	p, e := planOpen(o), planEcho(o)
	warmup, window, _ := e.timing(p.conns)
	o.note("echo-open: open loop, %d connections, %d B messages at %v requests/s in all, latency from the intended send time; %d repeats", p.conns, p.size, p.rates, auxRepeats(o))
	points := func(impl string) []netPoint {
		var pts []netPoint
		for _, rate := range p.rates {
			pts = append(pts, netPoint{
				name: fmt.Sprintf("EchoOpen/impl=%s/conns=%d/size=%d/rate=%.0f", impl, p.conns, p.size, rate),
				params: map[string]string{"conns": strconv.Itoa(p.conns), "size": strconv.Itoa(p.size),
					"rate": strconv.FormatFloat(rate, 'f', -1, 64), "mode": "open"},
				cfg:     loadgen.Config{Conns: p.conns, Size: p.size, Rate: rate, Warmup: warmup, Duration: window},
				repeats: auxRepeats(o),
			})
		}
		return pts
	}
	measure := func(ctx context.Context, srv *server, cfg loadgen.Config) (results.Sample, error) {
		return openSample(ctx, srv, cfg, e.perProc, auxRepeats(o))
	}
	return measurePoints(ctx, o, "echo-open", availableImpls(o, "echo-open"), points, measure, emit)
}

// openSample is echoSample at cfg's offered rate, marked behind when it
// completed under 90% of that rate.
func openSample(ctx context.Context, srv *server, cfg loadgen.Config, perProc, repeats int) (results.Sample, error) {
	s, err := echoSample(ctx, srv, cfg, perProc, repeats)
	if err == nil {
		s.Metrics[behind] = 0
		if s.Metrics[results.RoundTripsPerSec] < 0.9*cfg.Rate {
			s.Metrics[behind] = 1
		}
	}
	return s, err
}

func init() {
	RegisterWorkload(Workload{
		Name:    "echo-open",
		Doc:     "open-loop echo at fixed request rates, latency from the intended send time (no coordinated omission)",
		Points:  openPoints,
		Run:     runOpenWorkload,
		Servers: true,
	})
}
