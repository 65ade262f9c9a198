package bench

import (
	"fmt"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/reactorbench/reactorbench/bench/results"
)

// LoadConfig is what the load generator does.
type LoadConfig struct {
	Addr     string        `json:"addr"`     // IPv4 or IPv6 HOST:PORT of an echo server
	Conns    int           `json:"conns"`    // concurrent connections
	Size     int           `json:"size"`     // message bytes per round trip
	Warmup   time.Duration `json:"warmup"`   // run before the window; not counted
	Duration time.Duration `json:"duration"` // the measured window
	// Rate, when positive, is the open-loop request rate over all
	// connections in round trips per second; latency is then measured from
	// each request's intended send time. Zero is a closed loop.
	Rate float64 `json:"rate"`
	// Spread binds each connection to a source address in 127.0.0.0/8
	// (from 127.1.0.1 on, offset by SourceBase), so loopback runs with many
	// connections do not run out of ephemeral ports.
	Spread     bool `json:"spread"`
	SourceBase int  `json:"source_base"`
	// MaxDuration, when longer than Duration, lets a closed-loop window
	// run on past Duration until every live connection has completed a
	// round trip in it, or MaxDuration has passed: so a connection counts
	// as starved only when the server left it unserved that long, not
	// because the window was shorter than the server's round-robin cycle.
	MaxDuration time.Duration `json:"max_duration"`
	// ConnectTimeout bounds the connect phase; connections not up by then
	// count as never connected. Zero means 10 s.
	ConnectTimeout time.Duration `json:"connect_timeout"`
	// Cycle switches to the connect workload: Conns connectors each
	// connect, make one round trip and close, over and over.
	Cycle bool `json:"cycle"`
}

// LoadResult is what one run of the load generator measured.
type LoadResult struct {
	RoundTrips     int64            `json:"round_trips"` // completed in the window
	Cycles         int64            `json:"cycles"`      // connect workload: connect+round trip+close completed in the window
	Window         time.Duration    `json:"window"`      // the window as measured
	ClientCPU      time.Duration    `json:"client_cpu"`  // the generator's user+system CPU over the window
	Latency        []results.Bucket `json:"latency"`     // non-empty histogram buckets, ns
	Conns          int              `json:"conns"`
	NeverConnected int              `json:"never_connected"` // connect failed or timed out
	Died           int              `json:"died"`            // closed or reset by the server after connecting
	Starved        int              `json:"starved"`         // connected and alive but no echo completed in the window
	Corrupt        int              `json:"corrupt"`         // echoed bytes differed from those sent
	// Overrun counts open-loop requests that found their connection's
	// queue of late requests full and were not sent.
	Overrun int64  `json:"overrun"`
	Err     string `json:"err,omitempty"` // the first corruption, in words
}

// Hist rebuilds the latency histogram.
func (r *LoadResult) Hist() *hdrhistogram.Histogram {
	h := newLatencyHist()
	for _, b := range r.Latency {
		_ = h.RecordValues(b.UpperNs, b.Count)
	}
	return h
}

// Merge adds o (from another load generator process sharing the run) to r.
// The window is the longest and the CPU the sum, since the processes share
// one core.
func (r *LoadResult) Merge(o *LoadResult) {
	h := r.Hist()
	h.Merge(o.Hist())
	r.Latency = histBuckets(h)
	r.RoundTrips += o.RoundTrips
	r.Cycles += o.Cycles
	r.Window = max(r.Window, o.Window)
	r.ClientCPU += o.ClientCPU
	r.Conns += o.Conns
	r.NeverConnected += o.NeverConnected
	r.Died += o.Died
	r.Starved += o.Starved
	r.Corrupt += o.Corrupt
	r.Overrun += o.Overrun
	if r.Err == "" {
		r.Err = o.Err
	}
}

// Error reports corrupt echoes as an error: a wrong server must not look fast.
func (r *LoadResult) Error() error {
	if r.Corrupt == 0 {
		return nil
	}
	return fmt.Errorf("load: %d connections got wrong echoed bytes: %s", r.Corrupt, r.Err)
}

// newLatencyHist covers 100 ns to 100 s with 3 significant digits.
func newLatencyHist() *hdrhistogram.Histogram { return hdrhistogram.New(100, 100e9, 3) }

// histBuckets turns h into its non-empty buckets.
func histBuckets(h *hdrhistogram.Histogram) []results.Bucket {
	var bs []results.Bucket
	for _, b := range h.Distribution() {
		if b.Count > 0 {
			bs = append(bs, results.Bucket{UpperNs: b.To, Count: b.Count})
		}
	}
	return bs
}
