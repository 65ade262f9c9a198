package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/reactors"
)

func TestWorkloadsRegisteredInOrder(t *testing.T) {
	names := WorkloadNames()
	pos := map[string]int{}
	for i, n := range names {
		pos[n] = i
	}
	for _, want := range []string{"echo", "echo-open", "connect", "idle-memory"} {
		if _, ok := pos[want]; !ok {
			t.Fatalf("workload %q not registered: %v", want, names)
		}
	}
	if !(pos["echo"] < pos["echo-open"] && pos["echo-open"] < pos["connect"] && pos["connect"] < pos["idle-memory"]) {
		t.Fatalf("order %v", names)
	}
	for _, w := range Workloads() {
		if w.Doc == "" {
			t.Errorf("workload %s has no Doc", w.Name)
		}
	}
}

func TestParseWorkloads(t *testing.T) {
	all, err := ParseWorkloads("all")
	if err != nil || len(all) != len(WorkloadNames()) {
		t.Fatalf("all: %d, %v", len(all), err)
	}
	ws, err := ParseWorkloads(" idle-memory, echo ,echo")
	if err != nil || len(ws) != 2 || ws[0].Name != "echo" || ws[1].Name != "idle-memory" {
		t.Fatalf("got %v, %v", ws, err)
	}
	for _, bad := range []string{"echo,bogus", "", " ", "echo,"} {
		_, err = ParseWorkloads(bad)
		if err == nil || !strings.Contains(err.Error(), "idle-memory") {
			t.Errorf("%q: %v, want an error listing the workloads", bad, err)
		}
	}
}

func TestRegisterWorkloadRejectsDuplicates(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("registering echo twice did not panic")
		}
	}()
	RegisterWorkload(Workloads()[0])
}

// TestRunSuiteUnavailableReactor: a backend this system cannot run is a
// skip with its reason; the workloads and the point count never see it.
func TestRunSuiteUnavailableReactor(t *testing.T) {
	reactorAvailable = func(name string) error {
		if name == "poll" {
			return fmt.Errorf("%w: poll: not here", reactors.ErrUnavailable)
		}
		return nil
	}
	t.Cleanup(func() { reactorAvailable = reactors.Available })
	var seen []string
	w := Workload{Name: "w", Points: func(o *Options) int { return len(o.Reactors) }, Run: func(_ context.Context, o *Options, _ func(results.Result)) error {
		seen = o.Reactors
		return nil
	}}
	o := Options{Reactors: []string{"epoll", "poll", "select"}}
	if n := TotalPoints(&o, []Workload{w}); n != 2 {
		t.Errorf("TotalPoints = %d, want 2: the unavailable backend has no points", n)
	}
	f, err := RunSuite(context.Background(), o, []Workload{w})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "epoll,select" {
		t.Errorf("workload saw backends %v, want epoll and select", seen)
	}
	if len(f.Skipped) != 1 || f.Skipped[0].What != "reactor poll" || !strings.Contains(f.Skipped[0].Reason, "not here") {
		t.Errorf("skips %+v, want one for poll with its reason", f.Skipped)
	}
}

func TestRunSuiteRecords(t *testing.T) {
	var notes, skips, steps []string
	o := Options{
		Quick: true, Repeats: 3,
		Progress: func(s string) { steps = append(steps, s) },
		Note:     func(f string, a ...any) { notes = append(notes, f) },
		Skip:     func(what, _, _ string) { skips = append(skips, what) },
	}
	ok := Workload{Name: "fine", Points: func(*Options) int { return 2 }, Run: func(_ context.Context, o *Options, emit func(results.Result)) error {
		o.note("a note %d", 1)
		o.skip("peer x", "missing", "install x")
		for i := 0; i < 2; i++ {
			o.progress("p")
			emit(results.Result{Name: "Fine/impl=x", Samples: []results.Sample{{Metrics: map[string]float64{"ns/op": 1}}}})
		}
		return nil
	}}
	bad := Workload{Name: "broken", Points: func(*Options) int { return 1 }, Run: func(context.Context, *Options, func(results.Result)) error {
		return errors.New("it broke")
	}}
	f, err := RunSuite(context.Background(), o, []Workload{ok, bad})
	if err != nil {
		t.Fatal(err)
	}
	if TotalPoints(&o, []Workload{ok, bad}) != 3 || len(steps) != 2 || len(notes) != 1 || len(skips) != 2 {
		t.Fatalf("hooks: steps %v notes %v skips %v", steps, notes, skips)
	}
	if len(f.Results) != 2 || f.Results[0].Workload != "fine" || f.Notes[0] != "a note 1" || !f.Env.Quick || f.Env.Repeats != 3 {
		t.Fatalf("file %+v", f)
	}
	if len(f.Skipped) != 2 || f.Skipped[1].What != "workload broken" || f.Skipped[1].Reason != "it broke" || f.Skipped[0].Hint != "install x" {
		t.Fatalf("skips %+v", f.Skipped)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := RunSuite(ctx, o, []Workload{ok}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled suite: %v", err)
	}
}
