package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/reactorbench/reactorbench/bench"
	"github.com/reactorbench/reactorbench/bench/results"
)

// TestMain lets the test binary serve as the suite's child processes.
func TestMain(m *testing.M) {
	bench.MaybeChild()
	os.Exit(m.Run())
}

// TestRunQuick runs every workload of the quick suite on one backend and
// one peer, and checks both result files, the report, and results.txt
// readable as benchmark format. The whole quick suite, every backend and
// peer, is the test command's last step (scripts/test.sh), outside -race.
func TestRunQuick(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	if code := dispatch([]string{"run", "-quick", "-reactor", "epoll", "-peers", "gonet", "-out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out.String(), errb.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f results.File
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range f.Results {
		seen[r.Workload] = true
	}
	for _, w := range bench.WorkloadNames() {
		if !seen[w] {
			t.Errorf("no results for workload %s (skipped: %+v)", w, f.Skipped)
		}
	}
	if f.Version != results.FormatVersion || f.Env.Kernel == "" || !f.Env.Quick || f.Env.Repeats != quickRepeats {
		t.Errorf("env %+v", f.Env)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		t.Errorf("no report: %v", err)
	}
	if !strings.Contains(out.String(), "[1/") {
		t.Errorf("no progress lines on a non-terminal:\n%s", out.String())
	}

	tf, err := os.Open(filepath.Join(dir, "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	r := benchfmt.NewReader(tf, "results.txt")
	n := 0
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatal(rec)
		case *benchfmt.Result:
			n++
			// Our in-process shapes time at least 100 operations each.
			name := string(rec.Name)
			inproc := strings.HasPrefix(name, "Callbacks/") || strings.HasPrefix(name, "Timers/") || strings.HasPrefix(name, "CrossThread/")
			if inproc && strings.Contains(name, "/impl=epoll/") && rec.Iters < 100 {
				t.Errorf("%s: %d iterations, want the operations it timed", name, rec.Iters)
			}
		}
	}
	if err := r.Err(); err != nil || n == 0 {
		t.Fatalf("%d benchmark lines, %v", n, err)
	}
}

func TestRunSelection(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"run", "-quick", "-reactor", "epoll", "-peers", "none", "-workloads", "connect", "-repeats", "1", "-no-report", "-out", dir}
	if code := dispatch(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	f := readResults(t, dir)
	if len(f.Results) != 1 || f.Results[0].Impl != "epoll" || f.Results[0].Workload != "connect" || len(f.Results[0].Samples) != 1 {
		t.Fatalf("%+v", f.Results)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err == nil {
		t.Error("-no-report wrote a report")
	}
}

// readResults reads dir/results.json.
func readResults(t *testing.T, dir string) results.File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f results.File
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRunProfileKeepsItsNumbersOut checks that -profile records a profile
// of each Go server in a run of its own, whose samples reach neither
// results.json nor results.txt, and that the report links the profiles.
func TestRunProfileKeepsItsNumbersOut(t *testing.T) {
	root := t.TempDir()
	dir, prof := filepath.Join(root, "out"), filepath.Join(root, "prof")
	var out, errb bytes.Buffer
	args := []string{"run", "-quick", "-reactor", "epoll", "-peers", "gonet,node", "-workloads", "connect", "-repeats", "1", "-out", dir, "-profile", prof}
	if code := dispatch(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	f := readResults(t, dir)
	for _, r := range f.Results {
		if len(r.Samples) != 1 {
			t.Errorf("%s has %d samples, want the measured run's 1", r.Name, len(r.Samples))
		}
	}
	for _, n := range f.Notes {
		if strings.Contains(n, "profile") {
			t.Errorf("the profiled run's note reached results.json: %s", n)
		}
	}
	txt, err := os.ReadFile(filepath.Join(dir, "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(txt), "\nBenchmark"); n != len(f.Results) {
		t.Errorf("results.txt has %d benchmark lines, want one per measured result (%d)", n, len(f.Results))
	}
	for _, name := range []string{"results.json", "results.txt", "index.html"} {
		if _, err := os.Stat(filepath.Join(prof, name)); err == nil {
			t.Errorf("the profiled run wrote %s", name)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, impl := range []string{"epoll", "gonet"} {
		name := "connect-" + impl + "-c2.pprof"
		if st, err := os.Stat(filepath.Join(prof, name)); err != nil || st.Size() == 0 {
			t.Errorf("no profile %s: %v", name, err)
		}
		if !strings.Contains(string(page), `href="../prof/`+name+`"`) {
			t.Errorf("the report does not link %s", name)
		}
	}
	if _, err := os.Stat(filepath.Join(prof, "connect-node-c2.pprof")); err == nil {
		t.Error("Node.js, not a Go server, was profiled")
	}
}

// -loops measures the network workloads at each loop count, the servers
// on as many CPUs, and names the points beyond one loop with their count.
func TestRunLoops(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"run", "-quick", "-reactor", "epoll", "-peers", "gonet", "-workloads", "connect", "-loops", "1,2", "-repeats", "1", "-no-report", "-out", dir}
	if code := dispatch(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f results.File
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range f.Results {
		names = append(names, r.Name)
		if r.Params["loops"] == "" || r.Params["server-cpus"] == "" || r.Params["load-cpus"] == "" {
			t.Errorf("%s lacks its loops and CPUs: %v", r.Name, r.Params)
		}
	}
	want := []string{"Connect/impl=epoll/conns=2", "Connect/impl=gonet/conns=2", "Connect/impl=epoll/loops=2/conns=2", "Connect/impl=gonet/loops=2/conns=2"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("results %q, want %q", names, want)
	}
	if runtime.NumCPU() >= 2 && !strings.Contains(f.Env.Pinning, "loops=2: server cpu") {
		t.Errorf("pinning %q does not say where loops=2 ran", f.Env.Pinning)
	}
}

func TestRunRecordsMissingPeer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"run", "-quick", "-reactor", "epoll", "-peers", "node", "-workloads", "idle-memory", "-no-report", "-out", dir}
	if code := dispatch(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f results.File
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Skipped) != 1 || !strings.Contains(f.Skipped[0].What, "node") || f.Skipped[0].Hint == "" || !strings.Contains(errb.String(), "skipped") {
		t.Fatalf("skipped %+v, stderr %q", f.Skipped, errb.String())
	}
}

func TestRunBadUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-reactor", "kqueue2"}, "epoll"},
		{[]string{"-peers", "nginx"}, "twisted-epoll"},
		{[]string{"-workloads", "bogus"}, "idle-memory"},
		{[]string{"-repeats", "-1"}, "-repeats"},
		{[]string{"-loops", "0"}, "-loops"},
		{[]string{"-conns", "0"}, "-conns"},
		{[]string{"-conns", "1000000"}, "-conns"},
		{[]string{"-loops", "1,x"}, "-loops"},
		{[]string{"-repeats", "x"}, "invalid value"},
		{[]string{"-out", ""}, "-out"},
		{[]string{"-profile", ""}, "-profile"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"-nosuchflag"}, "not defined"},
	} {
		var out, errb bytes.Buffer
		if code := dispatch(append([]string{"run"}, tc.args...), &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
	var out, errb bytes.Buffer
	if code := dispatch([]string{"run", "-h"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "-workloads") {
		t.Errorf("-h: exit %d, %q", code, errb.String())
	}
}

// TestRunUnwritableOut checks that an -out the results cannot go to is
// refused before the first sample, not after the whole suite.
func TestRunUnwritableOut(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	asDir := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(filepath.Join(asDir, "results.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(file, "sub"), asDir} {
		var out, errb bytes.Buffer
		code := dispatch([]string{"run", "-quick", "-reactor", "select", "-peers", "none", "-workloads", "dispatch", "-out", dir}, &out, &errb)
		if code != 2 || strings.Contains(out.String(), "[1/") || !strings.Contains(errb.String(), "reactorbench run: -out "+dir) {
			t.Errorf("-out %s: exit %d, stdout %q, stderr %q; want 2 before any sample", dir, code, out.String(), errb.String())
		}
	}
}

// cancelOnProgress cancels the run once the first point's progress line
// is written, as a Ctrl-C would.
type cancelOnProgress struct {
	bytes.Buffer
	cancel func()
}

func (w *cancelOnProgress) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("[1/")) {
		w.cancel()
	}
	return w.Buffer.Write(p)
}

// TestRunInterruptedSaysHowToRender checks that an interrupted run keeps
// the points measured so far and prints the command that renders them.
func TestRunInterruptedSaysHowToRender(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	saved := runContext
	runContext = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	defer func() { runContext = saved }()
	dir := filepath.Join(t.TempDir(), "a dir")
	out := &cancelOnProgress{cancel: cancel}
	var errb bytes.Buffer
	code := dispatch([]string{"run", "-quick", "-reactor", "select", "-peers", "none", "-workloads", "dispatch,idle-memory", "-out", dir}, out, &errb)
	want := "reactorbench report -in '" + dir + "'"
	if code != 1 || !strings.Contains(errb.String(), want) {
		t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errb.String(), want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f results.File
	if err := json.Unmarshal(b, &f); err != nil || len(f.Results) == 0 {
		t.Fatalf("partial results: %v, %d points", err, len(f.Results))
	}
	var rep bytes.Buffer
	if code := dispatch([]string{"report", "-in", dir}, &rep, &errb); code != 0 {
		t.Fatalf("the printed command failed: exit %d, %s", code, errb.String())
	}
}
