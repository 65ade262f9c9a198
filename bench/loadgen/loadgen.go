// Package loadgen is reactorbench's load generator: one goroutine on one
// epoll instance drives C non-blocking connections against an echo server,
// in a closed loop, an open loop at a fixed rate, or a connect cycle, and
// verifies every echoed byte. It is Linux only (epoll, timerfd,
// IP_BIND_ADDRESS_NO_PORT); elsewhere Run fails with ErrUnsupported.
package loadgen

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"

	"github.com/reactorbench/reactorbench/bench/results"
)

// Config is what the load generator does.
type Config struct {
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
	// MaxWarmup, when longer than Warmup, lets a closed loop's warm-up run
	// on past Warmup until every live connection has completed a round
	// trip, or MaxWarmup has passed: so the window measures the server
	// serving all C, not still accepting them (a server whose every pass
	// costs O(C), poll's and select's, takes seconds to accept 20,000).
	// Result.Ramp says how long that took.
	MaxWarmup time.Duration `json:"max_warmup"`
	// ConnectTimeout bounds the connect phase; connections not up by then
	// count as never connected. Zero means 10 s.
	ConnectTimeout time.Duration `json:"connect_timeout"`
	// Cycle switches to the connect workload: Conns connectors each
	// connect, make one round trip and close, over and over.
	Cycle bool `json:"cycle"`
}

// Bounds of a Config. A rate past MaxRate is beyond what one thread can
// send (a round trip costs it a microsecond or more) and would only fill
// the queues of late requests; windows past MaxWindow are a typing error.
const (
	MaxRate   = 10e6
	MaxSize   = 1 << 20
	MaxWindow = 24 * time.Hour
	// FDSlack is what a process keeps of its open-file limit for itself
	// (the poller, the standard streams, the runtime).
	FDSlack = 100
)

// MaxConns is the most connections one generator process can hold: its
// soft open-file limit less FDSlack, at least 1.
func MaxConns() int {
	return int(max(min(NoFileLimit(), math.MaxInt32)-FDSlack, 1))
}

// NoFileLimit is this process's soft RLIMIT_NOFILE (0 when unknown).
func NoFileLimit() uint64 {
	var r unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &r) != nil {
		return 0
	}
	return uint64(r.Cur) // signed on FreeBSD
}

// ConfigError is a Config field out of its range.
type ConfigError struct {
	Field string // the field's JSON name, which the load command's flags share
	Value any
	Want  string // the range, in words
}

func (e *ConfigError) Error() string { return fmt.Sprintf("%s %v: %s", e.Field, e.Value, e.Want) }

// Check returns a *ConfigError for the first field of c out of range.
func (c *Config) Check() error {
	bad := func(field string, v any, want string) error { return &ConfigError{Field: field, Value: v, Want: want} }
	switch most := MaxConns(); {
	case c.Conns < 1:
		return bad("conns", c.Conns, "must be 1 or more")
	case c.Conns > most:
		return bad("conns", c.Conns, fmt.Sprintf("at most %d, the open-file limit %d less %d for the process itself", most, NoFileLimit(), FDSlack))
	case c.Size < 1 || c.Size > MaxSize:
		return bad("size", c.Size, fmt.Sprintf("must be 1 to %d bytes", MaxSize))
	case c.Duration <= 0 || c.Duration > MaxWindow:
		return bad("duration", c.Duration, fmt.Sprintf("must be positive and at most %v", MaxWindow))
	case c.Warmup < 0 || c.Warmup > MaxWindow:
		return bad("warmup", c.Warmup, fmt.Sprintf("must be 0 to %v", MaxWindow))
	case c.MaxDuration < 0 || c.MaxDuration > MaxWindow:
		return bad("max_duration", c.MaxDuration, fmt.Sprintf("must be 0 to %v", MaxWindow))
	case c.MaxWarmup < 0 || c.MaxWarmup > MaxWindow:
		return bad("max_warmup", c.MaxWarmup, fmt.Sprintf("must be 0 to %v", MaxWindow))
	case !(c.Rate >= 0 && c.Rate <= MaxRate): // NaN fails both
		return bad("rate", c.Rate, fmt.Sprintf("must be 0 (a closed loop) to %g round trips per second", float64(MaxRate)))
	}
	return nil
}

// Result is what one run of the load generator measured.
type Result struct {
	RoundTrips     int64            `json:"round_trips"` // completed in the window
	Cycles         int64            `json:"cycles"`      // connect workload: connect+round trip+close completed in the window
	Window         time.Duration    `json:"window"`      // the window as measured
	ClientCPU      time.Duration    `json:"client_cpu"`  // the generator's user+system CPU over the window
	Latency        []results.Bucket `json:"latency"`     // non-empty histogram buckets, ns
	Conns          int              `json:"conns"`
	NeverConnected int              `json:"never_connected"` // connect failed or timed out
	Died           int              `json:"died"`            // closed or reset by the server after connecting
	// Ramp is, in a closed loop, the time from the first request until
	// every live connection had completed a round trip (the largest of
	// the processes merged); zero when some had not by the window's end.
	Ramp time.Duration `json:"ramp"`
	// Starved counts connections alive but with no echo completed in the
	// window that the server left unanswered: nothing of the echo was
	// waiting in the connection's receive queue at the window's end.
	Starved int `json:"starved"`
	// StarvedByClient counts the other starved connections: the echo had
	// arrived, but the load generator, busy with other connections, never
	// read it in the window. They are the client's, not the server's.
	StarvedByClient int `json:"starved_by_client"`
	// ProcCPU is each load generator process's CPU over the window, one
	// entry per process whose result was merged into this one.
	ProcCPU []time.Duration `json:"proc_cpu"`
	// Reads counts the generator's reads of echoes in the window: one per
	// round trip when every echo arrives whole.
	Reads int64 `json:"reads"`
	// ReadsAgain counts those of Reads that found nothing (EAGAIN), and
	// Writes the generator's writes in the window, PartialWrites those
	// that took only part of what was left of a message.
	ReadsAgain    int64 `json:"reads_again"`
	Writes        int64 `json:"writes"`
	PartialWrites int64 `json:"partial_writes"`
	Corrupt       int   `json:"corrupt"` // echoed bytes differed from those sent
	// Overrun counts open-loop requests that found their connection's
	// queue of late requests full and were not sent.
	Overrun int64 `json:"overrun"`
	// Unanswered counts open-loop requests due in the window and not
	// answered by its end; the histogram holds each at its age then.
	Unanswered int64  `json:"unanswered"`
	Err        string `json:"err,omitempty"` // the first corruption, in words
}

// Hist rebuilds the latency histogram.
func (r *Result) Hist() *hdrhistogram.Histogram {
	h := newLatencyHist()
	for _, b := range r.Latency {
		_ = h.RecordValues(b.UpperNs, b.Count)
	}
	return h
}

// Merge adds o (from another load generator process sharing the run) to r.
// The window is the longest and the CPU the sum, since the processes share
// one core.
func (r *Result) Merge(o *Result) {
	h := r.Hist()
	h.Merge(o.Hist())
	r.Latency = histBuckets(h)
	r.RoundTrips += o.RoundTrips
	r.Cycles += o.Cycles
	r.Window = max(r.Window, o.Window)
	if r.Ramp == 0 || o.Ramp == 0 {
		r.Ramp = 0
	} else {
		r.Ramp = max(r.Ramp, o.Ramp)
	}
	r.ClientCPU += o.ClientCPU
	r.Conns += o.Conns
	r.NeverConnected += o.NeverConnected
	r.Died += o.Died
	r.Starved += o.Starved
	r.StarvedByClient += o.StarvedByClient
	r.ProcCPU = append(r.ProcCPU, o.ProcCPU...)
	r.Corrupt += o.Corrupt
	r.Overrun += o.Overrun
	r.Unanswered += o.Unanswered
	r.Reads += o.Reads
	r.ReadsAgain += o.ReadsAgain
	r.Writes += o.Writes
	r.PartialWrites += o.PartialWrites
	if r.Err == "" {
		r.Err = o.Err
	}
}

// Failed reports a run in which nothing was served: no round trip (or
// connect cycle) completed in the window, or no connection was left alive
// and served at its end, because every one failed to connect, died (the
// server closed them, or itself died) or starved.
func (r *Result) Failed() error {
	starved := r.Starved + r.StarvedByClient
	counts := fmt.Sprintf("never connected %d, died %d, starved %d of %d", r.NeverConnected, r.Died, starved, r.Conns)
	switch {
	case r.RoundTrips == 0 && r.Cycles == 0 && r.NeverConnected >= r.Conns:
		return errors.New("no connection could be made")
	case r.RoundTrips == 0 && r.Cycles == 0:
		return fmt.Errorf("no round trip completed in the window (%s)", counts)
	case r.Cycles == 0 && r.Conns-r.NeverConnected-r.Died-starved <= 0:
		return fmt.Errorf("no connection was alive and served at the window's end (%s): did the server die?", counts)
	}
	return nil
}

// Error reports corrupt echoes as an error: a wrong server must not look fast.
func (r *Result) Error() error {
	if r.Corrupt == 0 {
		return nil
	}
	return fmt.Errorf("%d connections got wrong echoed bytes: %s", r.Corrupt, r.Err)
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
