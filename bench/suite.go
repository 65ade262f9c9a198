// Package bench is reactorbench's benchmark suite: the workloads (dispatch,
// echo, echo-open, fixed-load, connect, idle memory, callbacks, timers,
// cross-thread, wakeup), the servers and peers they measure, the network
// runner the echo and connect workloads share, and the runner that writes
// results in the format of package results. The load generator is package
// loadgen; the suite runs it, and each server, in child processes of its
// own.
package bench

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/reactors"
)

// Options are what a workload is asked to measure and how to report.
type Options struct {
	Reactors []string // backend names
	// Peers are peer names: gonet, netpoll, node, twisted-select,
	// twisted-poll, twisted-epoll.
	Peers []string
	// Loops are the server loop counts of the network workloads; none
	// means one.
	Loops []int
	// Conns, when set, replaces the closed-loop echo ladder (each C
	// clamped to what the descriptor limit allows).
	Conns    []int
	Quick    bool                             // smoke-test sizes and windows
	Repeats  int                              // samples per point
	LargestC bool                             // echo: only the ladder's largest C
	Progress func(step string)                // once per measured point
	Note     func(format string, args ...any) // visible notes (clamped ladders, client-bound points)
	Skip     func(what, reason, hint string)  // something that could not run, and why

	// profileDir, set only by ProfileSuite, makes every Go server record
	// a CPU profile there; profiled lists the stems asked for.
	profileDir string
	profiled   []string
}

// progress, note and skip call the hooks when set, so workloads need no nil checks.
func (o *Options) progress(step string) {
	if o.Progress != nil {
		o.Progress(step)
	}
}

func (o *Options) note(format string, args ...any) {
	if o.Note != nil {
		o.Note(format, args...)
	}
}

func (o *Options) skip(what, reason, hint string) {
	if o.Skip != nil {
		o.Skip(what, reason, hint)
	}
}

// Workload is one kind of measurement the suite runs.
type Workload struct {
	Name string
	Doc  string
	// Points is the number of measured points Run will emit for o (the
	// progress bar's total).
	Points func(o *Options) int
	// Run measures every point and emits one Result per point.
	Run func(ctx context.Context, o *Options, emit func(results.Result)) error
	// Servers marks a workload that measures server processes on the
	// network runner: a profiled run (ProfileSuite) runs only these.
	Servers bool
}

// workloadOrder is the order the suite runs and lists workloads in;
// workloads not named here follow, by name.
var workloadOrder = []string{"dispatch", "echo", "echo-open", "fixed-load", "connect", "idle-memory", "callbacks", "timers", "cross-thread", "wakeup"}

var workloads = map[string]Workload{}

// RegisterWorkload adds w to the suite; a second registration of a name panics
// (it is a programming error found at init).
func RegisterWorkload(w Workload) {
	if w.Name == "" || w.Run == nil || w.Points == nil {
		panic("bench: RegisterWorkload needs Name, Points and Run")
	}
	if _, dup := workloads[w.Name]; dup {
		panic("bench: workload " + w.Name + " registered twice")
	}
	workloads[w.Name] = w
}

// Workloads returns every registered workload in the suite's fixed order.
func Workloads() []Workload {
	rank := func(name string) int {
		for i, n := range workloadOrder {
			if n == name {
				return i
			}
		}
		return len(workloadOrder)
	}
	ws := make([]Workload, 0, len(workloads))
	for _, w := range workloads {
		ws = append(ws, w)
	}
	sort.Slice(ws, func(i, j int) bool {
		ri, rj := rank(ws[i].Name), rank(ws[j].Name)
		if ri != rj {
			return ri < rj
		}
		return ws[i].Name < ws[j].Name
	})
	return ws
}

// WorkloadNames returns the registered names in the suite's order.
func WorkloadNames() []string {
	var names []string
	for _, w := range Workloads() {
		names = append(names, w.Name)
	}
	return names
}

// ParseWorkloads turns a -workloads value ("all" or NAME,...) into
// workloads in the suite's order; an empty or unknown name is an error
// listing the valid ones.
func ParseWorkloads(value string) ([]Workload, error) {
	value = strings.TrimSpace(value)
	if value == "all" {
		return Workloads(), nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(value, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, fmt.Errorf("empty workload name in %q (valid: all, %s)", value, strings.Join(WorkloadNames(), ", "))
		}
		if _, ok := workloads[n]; !ok {
			return nil, fmt.Errorf("unknown workload %q (valid: all, %s)", n, strings.Join(WorkloadNames(), ", "))
		}
		want[n] = true
	}
	var ws []Workload
	for _, w := range Workloads() {
		if want[w.Name] {
			ws = append(ws, w)
		}
	}
	return ws, nil
}

// RunSuite runs ws with o and returns the whole results file: environment,
// notes, skips and every result. The hooks in o are called as well as
// recorded. A workload that fails is recorded as a skip with its error and
// the suite goes on; only a cancelled ctx stops it early.
func RunSuite(ctx context.Context, o Options, ws []Workload) (*results.File, error) {
	f := &results.File{Version: results.FormatVersion, Env: CaptureEnv()}
	f.Env.Quick, f.Env.Repeats = o.Quick, o.Repeats
	f.Env.Pinning = pinningNote(o.loopCounts())
	inner := o
	o.Note = func(format string, args ...any) {
		f.Notes = append(f.Notes, fmt.Sprintf(format, args...))
		if inner.Note != nil {
			inner.Note(format, args...)
		}
	}
	o.Skip = func(what, reason, hint string) {
		f.Skipped = append(f.Skipped, results.Skip{What: what, Reason: reason, Hint: hint})
		if inner.Skip != nil {
			inner.Skip(what, reason, hint)
		}
	}
	var unavailable map[string]error
	o.Reactors, unavailable = runnable(o.Reactors)
	for _, name := range sortedKeys(unavailable) {
		o.Skip("reactor "+name, unavailable[name].Error(), "reactorbench list shows which backends this system can run")
	}
	for _, w := range ws {
		if err := ctx.Err(); err != nil {
			return f, err
		}
		err := w.Run(ctx, &o, func(r results.Result) {
			if r.Workload == "" {
				r.Workload = w.Name
			}
			f.Results = append(f.Results, r)
		})
		if err != nil {
			if ctx.Err() != nil {
				return f, ctx.Err()
			}
			o.Skip("workload "+w.Name, err.Error(), "rerun with -workloads "+w.Name+" to see it alone")
		}
	}
	return f, nil
}

// TotalPoints is the number of points ws will emit under o, leaving out
// the backends this system cannot run, as RunSuite does.
func TotalPoints(o *Options, ws []Workload) int {
	run := *o
	run.Reactors, _ = runnable(o.Reactors)
	n := 0
	for _, w := range ws {
		n += w.Points(&run)
	}
	return n
}

// reactorAvailable is reactors.Available; tests make a backend unavailable.
var reactorAvailable = reactors.Available

// runnable splits names into the backends this system can run and, for
// the others, why not: an unavailable backend is a skip, never a failure.
func runnable(names []string) ([]string, map[string]error) {
	var ok []string
	var not map[string]error
	for _, name := range names {
		if err := reactorAvailable(name); errors.Is(err, reactors.ErrUnavailable) {
			if not == nil {
				not = map[string]error{}
			}
			not[name] = err
			continue
		}
		ok = append(ok, name)
	}
	return ok, not
}

func sortedKeys(m map[string]error) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
