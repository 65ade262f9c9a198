package bench

import (
	"context"
	"fmt"
	"strconv"

	"github.com/reactorbench/reactorbench/bench/loadgen"
	"github.com/reactorbench/reactorbench/bench/results"
)

// The connect workload: C connectors each open a connection, make one
// 64-byte round trip and close it, over and over; it measures the accept
// path and connection setup and teardown rather than steady-state echo.

// Units of the connect workload.
const (
	serverCPUNsPerConn = "server-cpu-ns/conn"
	connectConcurrency = 10
)

func connectConns(o *Options) int {
	if o.Quick {
		return 2
	}
	return connectConcurrency
}

func connectPoints(o *Options) int { return netImplCount(o) }

func runConnectWorkload(ctx context.Context, o *Options, emit func(results.Result)) error {
	conns := connectConns(o)
	warmup, window, _ := planEcho(o).timing(conns)
	o.note("connect: %d connectors, each connecting, making one 64 B round trip and closing, repeated; source addresses spread over 127.1.0.0/16; %d repeats", conns, auxRepeats(o))
	points := func(impl string) []netPoint {
		return []netPoint{{
			name:    fmt.Sprintf("Connect/impl=%s/conns=%d", impl, conns),
			params:  map[string]string{"conns": strconv.Itoa(conns), "size": "64"},
			cfg:     loadgen.Config{Conns: conns, Size: 64, Cycle: true, Spread: true, Warmup: warmup, Duration: window},
			repeats: auxRepeats(o),
		}}
	}
	return measurePoints(ctx, o, "connect", availableImpls(o, "connect"), points, connectSample, emit)
}

// connectSample runs one repeat of the connect cycle against srv.
func connectSample(ctx context.Context, srv *server, cfg loadgen.Config) (results.Sample, error) {
	e0, e1, r, err := sampleWindow(ctx, srv, cfg, cfg.Conns)
	if err != nil {
		return results.Sample{}, err
	}
	s := loadSample(r)
	delete(s.Metrics, results.RoundTripsPerSec)
	delete(s.Metrics, results.Starved)
	delete(s.Metrics, results.StarvedByClient)
	if secs := r.Window.Seconds(); secs > 0 {
		s.Metrics[results.ConnsPerSec] = float64(r.Cycles) / secs
	}
	serverMetrics(&s, serverCPUNsPerConn, srv, e0, e1, r, float64(r.Cycles))
	return s, nil
}

func init() {
	RegisterWorkload(Workload{
		Name:    "connect",
		Doc:     "connect/accept rate: open, one round trip, close, repeated by a few connectors",
		Points:  connectPoints,
		Run:     runConnectWorkload,
		Servers: true,
	})
}
