package results

// Well-known metric units, so writers and readers agree.
const (
	NsPerEvent       = "ns/event"
	SetupNs          = "setup-ns"
	RoundTripsPerSec = "rt/s"
	ServerCPUNsPerRT = "server-cpu-ns/rt"
	ServerCPUNsConn  = "server-cpu-ns/conn"
	ServerUserNsRT   = "server-user-ns/rt" // the user-mode share of ServerCPUNsPerRT
	ServerSysNsRT    = "server-sys-ns/rt"  // the kernel's share of ServerCPUNsPerRT
	ServerCPUPercent = "server-cpu-%"
	ClientCPUPercent = "client-cpu-%"
	P50Ns            = "p50-ns"
	P99Ns            = "p99-ns"
	P999Ns           = "p999-ns"
	RampNs           = "ramp-ns" // closed loop: first request to every connection's first echo
	ServerPeakRSS    = "server-peak-rss-bytes"
	BytesPerConn     = "rss-bytes/conn"
	ConnsPerSec      = "conns/s"
	NsPerOp          = "ns/op"
	AllocsPerOp      = "allocs/op"
	SyscallsPerEvent = "syscalls/event"
	SyscallsPerOp    = "syscalls/op"
	WakesPerPass     = "wakes/pass"
	WakeNs           = "wake-ns"     // median wake-up latency of a sample's wake-ups
	WakeP99Ns        = "wake-p99-ns" // their 99th percentile
	Starved          = "starved"
	Dropped          = "dropped"
	NeverConnected   = "never-connected"
	ClientBound      = "client-bound" // 1 when the load generator passed ClientBoundPercent of its core

	// The kernel's count of the server's system calls over the window
	// (perf on the raw_syscalls tracepoints), for every implementation.
	KernelSyscallsPerRT   = "kernel-syscalls/rt"
	KernelSyscallsPerConn = "kernel-syscalls/conn"
	KernelEAgainPerRT     = "kernel-eagain/rt" // of those, the calls that returned EAGAIN
	LoopEAgainPerRT       = "loop-eagain/rt"   // our loop's reads and writes that found the socket not ready

	// StarvedByClient counts connections whose echo the server had sent
	// but the load generator never read in the window: the client's, not
	// the server's (Starved counts the server's).
	StarvedByClient   = "starved-by-client"
	ClientProcs       = "client-procs"       // load generator processes, all on one CPU
	ClientCPUOtherPct = "client-cpu-other-%" // the load generator's CPU busy with others' work before the sample

	// The machine's TCP state around a sample (/proc/net/sockstat, and
	// the pressure flag of /proc/net/protocols).
	CleanWaitNs       = "clean-wait-ns" // how long the sample waited for a clean start
	TCPOrphansBefore  = "tcp-orphans-before"
	TCPTimeWaitBefore = "tcp-tw-before"
	TCPMemBefore      = "tcp-mem-pages-before"
	TCPMemAfter       = "tcp-mem-pages-after"
	TCPPressure       = "tcp-pressure" // 1 when the kernel was under TCP memory pressure before or after

	// Machine-wide network counters over the window: loopback packets
	// dropped (the backlog is net.core.netdev_max_backlog long), TCP
	// segments retransmitted, zero windows advertised, accept queue
	// overflows.
	NetDrops        = "net-drops"
	TCPRetransmits  = "tcp-retransmits"
	TCPZeroWindows  = "tcp-zero-windows"
	ListenOverflows = "listen-overflows"
	// ClientReadsPerRT is the load generator's reads per round trip in
	// the window: above 1, echoes arrived in pieces.
	ClientReadsPerRT      = "client-reads/rt"
	ClientEmptyReadsPerRT = "client-empty-reads/rt" // of those, the reads that found nothing (EAGAIN)
	ClientPartialWrites   = "client-partial-writes" // writes that took only part of a message
	Behind                = "behind"                // 1 when an open-loop sample fell short of its offered rate
	LoopConnsMin          = "loop-conns-min"        // connections on the server's least loaded loop
	LoopConnsMax          = "loop-conns-max"        // connections on the server's busiest loop
	LoopImbalance         = "loop-conns-max/min"    // the two divided: 1 is perfect balance
)

// ClientBoundPercent is the load generator's CPU share past which a
// sample is client-bound: its throughput is the client's ceiling, not the
// server's (k6's rule of thumb: a generator past 80% of its core no longer
// sends on time).
const ClientBoundPercent = 80

// Better says which way a metric improves.
type Better int

const (
	// NotCompared metrics describe the conditions of a measurement (how
	// busy the load generator was), not the implementation: a change in
	// them is neither better nor worse.
	NotCompared  Better = iota
	LowerBetter         // costs: time, memory, system calls, lost connections
	HigherBetter        // throughput
)

// String is the word benchstat's unit metadata uses: "lower", "higher",
// or "" for a metric that is not compared.
func (b Better) String() string {
	switch b {
	case LowerBetter:
		return "lower"
	case HigherBetter:
		return "higher"
	}
	return ""
}

// Format says how a metric's values print.
type Format int

const (
	Count    Format = iota // a plain number, thousands separated
	Duration               // nanoseconds, printed as ns, µs, ms or s
	Rate                   // per second, printed with k, M or G
	Bytes                  // printed as B, KiB, MiB or GiB
	Percent                // printed with a % sign
)

// Metric is what one unit means.
type Metric struct {
	Unit   string
	Label  string // what a reader sees, e.g. "server CPU per round trip"
	Better Better
	Format Format
	// Alloc marks an allocation count: a comparison gate fails on any
	// significant increase, whatever its size.
	Alloc bool
}

// Metrics is every metric the suite writes, headline units first: a
// results.txt line lists its units in this order, so benchstat's first
// table for a workload is the one to read.
var Metrics = []Metric{
	{Unit: ServerCPUNsPerRT, Label: "server CPU per round trip", Better: LowerBetter, Format: Duration},
	{Unit: ServerUserNsRT, Label: "server user CPU per request", Better: LowerBetter, Format: Duration},
	{Unit: ServerSysNsRT, Label: "server system CPU per request", Better: LowerBetter, Format: Duration},
	{Unit: ServerCPUNsConn, Label: "server CPU per connection", Better: LowerBetter, Format: Duration},
	{Unit: NsPerEvent, Label: "time per event", Better: LowerBetter, Format: Duration},
	{Unit: NsPerOp, Label: "time per operation", Better: LowerBetter, Format: Duration},
	{Unit: ConnsPerSec, Label: "connections per second", Better: HigherBetter, Format: Rate},
	{Unit: BytesPerConn, Label: "RSS per connection", Better: LowerBetter, Format: Bytes},
	{Unit: RoundTripsPerSec, Label: "round trips per second", Better: HigherBetter, Format: Rate},
	{Unit: P50Ns, Label: "p50 round-trip latency", Better: LowerBetter, Format: Duration},
	{Unit: P99Ns, Label: "p99 round-trip latency", Better: LowerBetter, Format: Duration},
	{Unit: P999Ns, Label: "p99.9 round-trip latency", Better: LowerBetter, Format: Duration},
	{Unit: RampNs, Label: "time until every connection was served once", Better: LowerBetter, Format: Duration},
	{Unit: WakeNs, Label: "wake-up latency (median)", Better: LowerBetter, Format: Duration},
	{Unit: WakeP99Ns, Label: "wake-up latency p99", Better: LowerBetter, Format: Duration},
	{Unit: AllocsPerOp, Label: "allocations per operation", Better: LowerBetter, Format: Count, Alloc: true},
	{Unit: SyscallsPerEvent, Label: "system calls per event", Better: LowerBetter, Format: Count},
	{Unit: SyscallsPerOp, Label: "system calls per operation", Better: LowerBetter, Format: Count},
	{Unit: KernelSyscallsPerRT, Label: "system calls per round trip (kernel count)", Better: LowerBetter, Format: Count},
	{Unit: KernelSyscallsPerConn, Label: "system calls per connection (kernel count)", Better: LowerBetter, Format: Count},
	{Unit: KernelEAgainPerRT, Label: "system calls returning EAGAIN per round trip (kernel count)", Better: LowerBetter, Format: Count},
	{Unit: LoopEAgainPerRT, Label: "reads and writes finding the socket not ready, per round trip", Better: LowerBetter, Format: Count},
	{Unit: SetupNs, Label: "setup time", Better: LowerBetter, Format: Duration},
	{Unit: ServerPeakRSS, Label: "server peak RSS", Better: LowerBetter, Format: Bytes},
	{Unit: LoopImbalance, Label: "busiest loop's connections over the least loaded's", Better: LowerBetter, Format: Count},
	{Unit: Starved, Label: "connections starved", Better: LowerBetter, Format: Count},
	{Unit: Dropped, Label: "connections dropped", Better: LowerBetter, Format: Count},
	{Unit: NeverConnected, Label: "connections never connected", Better: LowerBetter, Format: Count},
	{Unit: WakesPerPass, Label: "wake-ups per loop pass", Format: Count},
	{Unit: ServerCPUPercent, Label: "server CPU use", Format: Percent},
	{Unit: ClientCPUPercent, Label: "load generator CPU use", Format: Percent},
	{Unit: ClientBound, Label: "client-bound", Format: Count},
	{Unit: StarvedByClient, Label: "connections starved by the load generator", Format: Count},
	{Unit: ClientProcs, Label: "load generator processes", Format: Count},
	{Unit: ClientCPUOtherPct, Label: "load generator CPU busy with other work before the sample", Format: Percent},
	{Unit: CleanWaitNs, Label: "wait for a clean start", Format: Duration},
	{Unit: TCPOrphansBefore, Label: "orphaned TCP sockets before the sample", Format: Count},
	{Unit: TCPTimeWaitBefore, Label: "TCP sockets in TIME_WAIT before the sample", Format: Count},
	{Unit: TCPMemBefore, Label: "TCP memory before the sample (pages)", Format: Count},
	{Unit: TCPMemAfter, Label: "TCP memory after the window (pages)", Format: Count},
	{Unit: TCPPressure, Label: "TCP memory pressure", Format: Count},
	{Unit: NetDrops, Label: "loopback packets dropped in the window (machine-wide)", Format: Count},
	{Unit: TCPRetransmits, Label: "TCP segments retransmitted in the window (machine-wide)", Format: Count},
	{Unit: TCPZeroWindows, Label: "TCP zero windows advertised in the window (machine-wide)", Format: Count},
	{Unit: ListenOverflows, Label: "accept queue overflows in the window (machine-wide)", Format: Count},
	{Unit: ClientReadsPerRT, Label: "load generator reads per round trip", Format: Count},
	{Unit: ClientEmptyReadsPerRT, Label: "load generator reads finding nothing, per round trip", Format: Count},
	{Unit: ClientPartialWrites, Label: "load generator writes that took part of a message", Format: Count},
	{Unit: Behind, Label: "behind the offered rate", Format: Count},
	{Unit: LoopConnsMin, Label: "connections on the least loaded loop", Format: Count},
	{Unit: LoopConnsMax, Label: "connections on the busiest loop", Format: Count},
}

var metricIndex = func() map[string]int {
	m := make(map[string]int, len(Metrics))
	for i, x := range Metrics {
		m[x.Unit] = i
	}
	return m
}()

// MetricOf returns what unit means. A unit the table does not know is
// printed as a count, labeled by its name and not compared: guessing its
// direction would call an improvement a regression half the time.
func MetricOf(unit string) Metric {
	if i, ok := metricIndex[unit]; ok {
		return Metrics[i]
	}
	return Metric{Unit: unit, Label: unit, Better: NotCompared, Format: Count}
}

// MetricRank orders units: the table's order, then unknown units after
// every known one (callers break ties by name).
func MetricRank(unit string) int {
	if i, ok := metricIndex[unit]; ok {
		return i
	}
	return len(Metrics)
}
