// Package results is the file format that the benchmark suite writes and the
// report reads: DIR/results.json holds every sample, histogram, note and the
// environment; DIR/results.txt holds the same samples in Go's benchmark
// format so benchstat can read it. Metrics says what every metric means:
// its unit, which way is better, its label and how its values print.
//
// It depends on the standard library only, so report can read results
// without importing the suite, the reactor or any backend.
package results

import "time"

// FormatVersion is written into every results.json; readers reject others.
const FormatVersion = 1

// File is the whole of results.json.
type File struct {
	Version int      `json:"version"`
	Env     Env      `json:"env"`
	Notes   []string `json:"notes,omitempty"` // clamped ladders, client-bound points, ...
	Skipped []Skip   `json:"skipped,omitempty"`
	Results []Result `json:"results"`
}

// Env is the machine and run a file was measured on.
type Env struct {
	Date        time.Time `json:"date"`
	Hostname    string    `json:"hostname"`
	OS          string    `json:"os"`
	Arch        string    `json:"arch"`
	Kernel      string    `json:"kernel"`
	CPUModel    string    `json:"cpu_model"`
	Cores       int       `json:"cores"`
	GoVersion   string    `json:"go_version"`
	GOMAXPROCS  int       `json:"gomaxprocs"`
	NoFileLimit uint64    `json:"nofile_limit"` // RLIMIT_NOFILE soft limit at start
	Pinning     string    `json:"pinning"`      // e.g. "server cpu 0, load generator cpu 1"
	Commit      string    `json:"commit"`
	Command     string    `json:"command"` // the command line that produced the file
	Quick       bool      `json:"quick"`
	Repeats     int       `json:"repeats"`
}

// Skip records a peer or workload that did not run, and why.
type Skip struct {
	What   string `json:"what"`   // e.g. "peer twisted-epoll"
	Reason string `json:"reason"` // e.g. "python3 cannot import twisted"
	Hint   string `json:"hint"`   // e.g. "apt-get install python3-twisted"
}

// Result is one benchmark point (one workload, implementation and parameter
// set) with one Sample per repeat.
type Result struct {
	// Name is the benchstat-style name, e.g.
	// "Echo/impl=epoll/conns=1000/size=64" or
	// "Dispatch/impl=raw-epoll/fds=4096/active=1".
	Name     string `json:"name"`
	Workload string `json:"workload"` // dispatch, echo, echo-open, fixed-load, connect, idle-memory, callbacks, timers, cross-thread
	// Impl is a backend ("epoll"), its raw floor ("raw-epoll") or a peer
	// ("gonet", "netpoll", "node", "twisted-epoll", ...).
	Impl    string            `json:"impl"`
	Params  map[string]string `json:"params,omitempty"` // conns, size, fds, active, shape, ...
	Samples []Sample          `json:"samples"`
}

// Sample is one repeat's measurements.
type Sample struct {
	// Metrics by unit, benchmark style: "ns/event", "rt/s", "server-cpu-ns/rt",
	// "p50-ns", "p99-ns", "p999-ns", "rss-bytes/conn", "conns/s", "ns/op",
	// "allocs/op", "syscalls/event", "client-cpu-%", "starved", "dropped",
	// "never-connected", "setup-ns".
	Metrics map[string]float64 `json:"metrics"`
	// Latency is the round-trip histogram of the sample, when there is one.
	Latency *Histogram `json:"latency,omitempty"`
	// Iters is how many operations (events, round trips, calls) the
	// sample timed: the iteration count of its benchmark line. Zero when
	// the writer did not record it.
	Iters int64 `json:"iters,omitempty"`
	// Syscalls is the server's system calls per unit of work by name, as
	// the kernel counted them over the window (the named ones only; the
	// total is a metric).
	Syscalls map[string]float64 `json:"syscalls,omitempty"`
	// Invalid, when set, says why the sample measured something other
	// than the implementation (a dirty start, TCP memory pressure, a
	// saturated load generator): readers keep it out of medians and
	// rankings and show the reason.
	Invalid string `json:"invalid,omitempty"`
	// Outlier, when set, says which of the sample's costs sits far from
	// its siblings' (the other samples of the same result).
	Outlier string `json:"outlier,omitempty"`
}

// Histogram is a latency distribution as (upper bound, count) buckets in
// nanoseconds, ascending; enough to redraw percentiles and CDFs.
type Histogram struct {
	Buckets []Bucket `json:"buckets"`
	Count   int64    `json:"count"`
	MinNs   int64    `json:"min_ns"`
	MaxNs   int64    `json:"max_ns"`
}

// Bucket is one histogram bucket: Count values at or below UpperNs.
type Bucket struct {
	UpperNs int64 `json:"upper_ns"`
	Count   int64 `json:"count"`
}
