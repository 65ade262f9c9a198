package report

import (
	"strings"

	"github.com/reactorbench/reactorbench/bench/results"
)

// figureEntry declares one kind of figure once: the workloads it reads,
// how it is built from them (its data, axes and reference), the paragraph
// under it, its table and its rows in the summary. A new workload is its
// own file (a builder and, if it needs one, a prose function) plus an
// entry in catalog.
type figureEntry struct {
	workloads []string
	// build returns the entry's figures, in page order (one per message
	// size, say); none when the run lacks the data. A figure's ID is a
	// file name under -out: built from constants and plain numbers only.
	build func(ix index) []*Figure
	// prose writes the paragraph under a figure from its data.
	prose func(f *Figure) string
	// table is the table under a figure; nil for the median table.
	table func(f *Figure) table
	// headlines are a figure's rows in the summary; nil for none.
	headlines func(f *Figure) []Headline
}

// catalog is every figure of the page, in page order.
var catalog = []figureEntry{
	{
		workloads: []string{"dispatch"},
		build: func(ix index) []*Figure {
			return perParam(ix, "dispatch", "active", func(a string) *Figure {
				return lineFigure(ix, lineSpec{id: "dispatch-a" + a, title: "Dispatch cost per event, " + a + " active", short: "Dispatch, " + a + " active",
					xlabel: "watched descriptors (N)", ylabel: "time per event",
					workload: "dispatch", xParam: "fds", metric: results.NsPerEvent, filter: map[string]string{"active": a},
					logX: true, logY: true, ref: "raw"})
			})
		},
		prose:     explainDispatch,
		headlines: rankHeadlines,
	},
	{
		build: func(ix index) []*Figure {
			actives := sortedParams(ix["dispatch"], "active")
			if len(actives) == 0 {
				return nil
			}
			a := actives[0]
			return one(lineFigure(ix, lineSpec{id: "dispatch-setup", title: "Dispatch setup time (registering N descriptors), " + a + " active",
				xlabel: "watched descriptors (N)", ylabel: "setup time",
				workload: "dispatch", xParam: "fds", metric: results.SetupNs, filter: map[string]string{"active": a},
				logX: true, logY: true, ref: "raw"}))
		},
		prose: func(f *Figure) string {
			return rankingText(f) + " The time to create the descriptors and register them before the timed dispatch, kept apart from the cost per event. epoll pays one epoll_ctl per descriptor up front; poll and select only fill an array, and pay on every wait instead."
		},
	},
	{
		workloads: []string{"echo"},
		build:     echoLines("echo-cpu-", "Server CPU per round trip", "Echo server CPU/round trip", "server CPU per round trip", results.ServerCPUNsPerRT, false, true),
		prose: func(f *Figure) string {
			return rankingText(f) + " This is what the server pays per round trip (its user+system CPU over the timed window, divided by round trips), so it does not depend on how fast the load generator is: on a small machine it is the fair headline. select and poll pay a scan of every descriptor per wait, which grows with C; epoll pays only for ready descriptors."
		},
		headlines: rankHeadlines,
	},
	{
		build: echoLines("echo-rts-", "Echo round trips per second", "Echo round trips/s", "round trips per second", results.RoundTripsPerSec, true, false),
		prose: func(f *Figure) string {
			return rankingText(f) + clientBoundText(f) + " In a closed loop each connection waits for its echo before sending again, so round trips per second rise with C until the server or the load generator runs out of CPU, then flatten."
		},
		headlines: rankHeadlines,
	},
	{
		build: echoLines("echo-p99-", "Echo p99 latency", "Echo p99", "p99 round-trip latency", results.P99Ns, true, true),
		prose: func(f *Figure) string {
			return rankingText(f) + " With C connections in a closed loop, about C requests are in flight, so latency grows roughly as C divided by throughput (Little's law); a server that serves unfairly shows it in p99 first."
		},
		headlines: rankHeadlines,
	},
	{
		build: echoLines("echo-ramp-", "Echo ramp: time until every connection was served once", "Echo ramp", "first request to every connection's first echo", results.RampNs, false, true),
		prose: func(f *Figure) string {
			return rankingText(f) + " From the first request on C fresh connections until each has had its first echo: the server accepting C connections and serving each once. The timed window starts only then (within 10 s: a sample in which some connection still had no echo by then counts 10 s, and that connection is in the losses), so the costs above are those of serving all C, not of still accepting them. A server whose every pass scans all its descriptors (poll, select) pays here as C grows, on top of its cost per round trip."
		},
		headlines: rankHeadlines,
	},
	{
		build: syscallFigures,
		prose: explainSyscalls,
	},
	{
		build: func(ix index) []*Figure {
			return perParam(ix, "echo", "size", func(size string) *Figure { return uringFigure(ix, size) })
		},
		prose: explainUring,
	},
	{
		build: func(ix index) []*Figure {
			return perParam(ix, "echo", "size", func(size string) *Figure { return fairnessFigure(ix, size) })
		},
		prose: explainFairness,
		table: fairnessTable,
	},
	{
		build: func(ix index) []*Figure {
			return perParam(ix, "echo", "size", func(size string) *Figure { return latencyFigure(ix, size) })
		},
		prose: explainLatency,
		table: latencyTable,
	},
	{
		build:     scalingFigures,
		prose:     explainScaling,
		table:     scalingTable,
		headlines: scalingHeadlines,
	},
	{
		workloads: []string{"echo-open"},
		build:     openLoopFigures,
		prose: func(f *Figure) string {
			return rankingText(f) + behindText(f) + " Open loop: requests leave at a fixed rate whatever the server does, and latency counts from when each request was due, so a stall shows in full instead of slowing the load down (no coordinated omission). p99 climbs as the offered load nears what the server can serve."
		},
		headlines: rankHeadlines,
	},
	{
		workloads: []string{"fixed-load"},
		build:     fixedLoadFigure("fixed-load-cpu", "Server CPU per request at fixed offered loads", "Fixed-load CPU/request", results.ServerCPUNsPerRT, false),
		prose:     explainFixedLoad("Every implementation is offered the same rates, shares of the slowest one's closed-loop peak measured first in the same run, so CPU per request compares equal work; where it falls as the rate grows, each wake-up serves more requests."),
		headlines: rankHeadlines,
	},
	{
		build: fixedLoadFigure("fixed-load-user", "Server user CPU per request at fixed offered loads", "", results.ServerUserNsRT, false),
		prose: explainFixedLoad("The user-mode part of CPU per request: the server's own code and its runtime. The kernel splits CPU time between user and system by scheduler ticks and reports it in 10 ms units, so a sample has a split only when its server used 50 ms of CPU or more in the window; low steps may have none."),
	},
	{
		build: fixedLoadFigure("fixed-load-sys", "Server system CPU per request at fixed offered loads", "", results.ServerSysNsRT, false),
		prose: explainFixedLoad("The kernel's part of CPU per request: system calls, the TCP stack and wake-ups, split from the user part as above (50 ms of server CPU in a window at least)."),
	},
	{
		build:     fixedLoadFigure("fixed-load-p99", "p99 latency at fixed offered loads (from the intended send time)", "Fixed-load p99", results.P99Ns, true),
		prose:     explainFixedLoad("Latency counts from when each request was due, so a stall shows in full; where p99 climbs with the rate, the server is nearing what it can serve."),
		headlines: rankHeadlines,
	},
	{
		workloads: []string{"idle-memory"},
		build: func(ix index) []*Figure {
			return one(barFigure(ix, barSpec{id: "idle-memory", title: "Memory per idle connection", short: "Idle memory/connection",
				workloads: []string{"idle-memory"}, metric: results.BytesPerConn, category: paramCategory("conns", "C="), ref: "gonet"}))
		},
		prose: func(f *Figure) string {
			return rankingText(f) + " The server's resident memory growth divided by the number of idle connections: user-space state per connection (buffers, goroutine stacks, Python objects). Kernel socket buffers are not in RSS and are not counted."
		},
		headlines: rankHeadlines,
	},
	{
		workloads: []string{"connect"},
		build: func(ix index) []*Figure {
			return one(barFigure(ix, barSpec{id: "connect", title: "Connect/accept rate (open, one round trip, close)", short: "Connect/accept rate", markBound: true,
				workloads: []string{"connect"}, metric: results.ConnsPerSec, category: paramCategory("conns", "C="), ref: "gonet"}))
		},
		prose: func(f *Figure) string {
			return rankingText(f) + " Each connection is opened, does one round trip and is closed, so this measures accept, registration and teardown rather than steady-state I/O."
		},
		headlines: rankHeadlines,
	},
	{
		workloads: []string{"callbacks", "timers", "cross-thread"},
		build: func(ix index) []*Figure {
			return one(barFigure(ix, barSpec{id: "micro", title: "Callbacks, timers and cross-thread calls, beside Twisted", short: "Callbacks/timers/cross-thread",
				ylabel: "time per operation (log)", workloads: []string{"callbacks", "timers", "cross-thread"}, metric: results.NsPerOp,
				category: shapeCategory, logY: true, ref: "twisted"}))
		},
		prose:     explainMicro,
		headlines: microHeadlines,
	},
	{
		workloads: []string{"wakeup"},
		build:     func(ix index) []*Figure { return one(wakeupFigure(ix)) },
		prose:     explainWakeup,
	},
}

// expectedWorkloads are the workloads the catalog draws; a run without
// one of them is partial.
func expectedWorkloads() []string {
	var out []string
	for _, e := range catalog {
		out = append(out, e.workloads...)
	}
	return out
}

// figures computes every figure the results allow, in page order.
func figures(f *results.File) []*Figure {
	ix := newIndex(f)
	var out []*Figure
	for i := range catalog {
		e := &catalog[i]
		for _, fig := range e.build(ix) {
			fig.entry = e
			fig.Text = e.prose(fig)
			out = append(out, fig)
		}
	}
	return out
}

// perParam builds one figure per plain numeric value of a workload's
// parameter, ascending.
func perParam(ix index, workload, key string, build func(v string) *Figure) []*Figure {
	var out []*Figure
	for _, v := range sortedParams(ix[workload], key) {
		if fig := build(v); fig != nil {
			out = append(out, fig)
		}
	}
	return out
}

// one is fig as a list: empty when nil.
func one(fig *Figure) []*Figure {
	if fig == nil {
		return nil
	}
	return []*Figure{fig}
}

// echoLines builds one closed-loop echo figure of metric against C per
// message size; the summary looks at C=1000 as well as the largest C.
func echoLines(idPrefix, title, short, ylabel, metric string, markBound, logY bool) func(ix index) []*Figure {
	return func(ix index) []*Figure {
		return perParam(ix, "echo", "size", func(size string) *Figure {
			sp := lineSpec{id: idPrefix + size, title: title + ", " + size + " B messages", xlabel: "connections (C)", ylabel: ylabel,
				workload: "echo", xParam: "conns", metric: metric, filter: map[string]string{"size": size},
				logX: true, logY: logY, ref: "gonet", markBound: markBound, keyX: 1000}
			if short != "" {
				sp.short = short + ", " + size + " B"
			}
			return lineFigure(ix, sp)
		})
	}
}

// openLoopFigures draws open-loop p99 against the offered rate, or
// against C when the run varied connections instead.
func openLoopFigures(ix index) []*Figure {
	sp := lineSpec{id: "echo-open-p99", title: "Open-loop echo p99 latency (from the intended send time)", short: "Open-loop p99", markBound: true,
		xlabel: "connections (C)", ylabel: "p99 round-trip latency",
		workload: "echo-open", xParam: "conns", metric: results.P99Ns, logX: true, logY: true, ref: "gonet"}
	for _, r := range ix["echo-open"] {
		if _, ok := r.Params["rate"]; ok {
			sp.xParam, sp.xlabel, sp.xUnit = "rate", "offered load (requests per second)", unitRate
			break
		}
	}
	return one(lineFigure(ix, sp))
}

// explainFairness lists every loss, or says there was none.
func explainFairness(f *Figure) string {
	ls := losses([]*Figure{f})
	if len(ls) == 0 {
		return "Every implementation served every connection at every C in every run: no connection starved, was dropped or failed to connect."
	}
	return strings.Join(ls, " ") + " A connection is starved when the server never answered it in the timed window (no echo was waiting unread on it at the end): that is the server's doing. A sample in which the load generator left echoes the server had sent unread measured the client, and is set aside (see Samples set aside). A starved server's round trips per second come from the connections it did serve, so check this figure before trusting the throughput one."
}
