package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/reactors"
)

// Profiling is a run of its own: a CPU profile slows the server it
// records, so the numbers of a profiled run are thrown away and only the
// profiles kept. ProfileSuite returns no results at all, so none can reach
// results.json or results.txt, and nothing profiled is ever compared.

// profileEnv names the file a server child writes its CPU profile to.
const profileEnv = "REACTORBENCH_CPUPROFILE"

// profileGrace is how long a profiled server is given to write its
// profile once told to stop.
const profileGrace = 10 * time.Second

// goServer reports whether impl is a Go server, one pprof can profile:
// a reactor backend, Go net or netpoll.
func goServer(impl string) bool {
	if _, err := reactors.Lookup(impl); err == nil {
		return true
	}
	p, ok := lookupPeer(impl)
	return ok && p.goRuntime
}

// ProfilePlan is what a profiled run of ws under o measures: the
// workloads that run servers, the Go implementations only, one repeat.
func ProfilePlan(o Options, ws []Workload) (Options, []Workload) {
	var peers []string
	for _, p := range o.Peers {
		if goServer(p) {
			peers = append(peers, p)
		}
	}
	o.Peers, o.Repeats = peers, 1
	var sw []Workload
	for _, w := range ws {
		if w.Servers {
			sw = append(sw, w)
		}
	}
	return o, sw
}

// ProfileSuite runs ws (see ProfilePlan) with every Go server recording a
// CPU profile per workload and C into dir, and returns the stems (see
// results.ProfileStem) of the profiles written. Its measurements are
// discarded. A workload that fails is noted and the run goes on; only a
// cancelled ctx stops it early.
func ProfileSuite(ctx context.Context, o Options, ws []Workload, dir string) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, err
	}
	o, ws = ProfilePlan(o, ws)
	o.profileDir = abs
	o.profiled = nil
	for _, w := range ws {
		if err := ctx.Err(); err != nil {
			return written(abs, o.profiled), err
		}
		if err := w.Run(ctx, &o, func(results.Result) {}); err != nil {
			if ctx.Err() != nil {
				return written(abs, o.profiled), ctx.Err()
			}
			o.note("profile: workload %s: %v", w.Name, err)
		}
	}
	return written(abs, o.profiled), nil
}

// written returns the stems whose profile exists and is not empty.
func written(dir string, stems []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range stems {
		if st, err := os.Lstat(filepath.Join(dir, s+".pprof")); err == nil && st.Mode().IsRegular() && st.Size() > 0 && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// profileFile is where impl's server in workload at conns connections
// writes its profile in a profiled run; "" when not profiling (or impl is
// not a Go server, or the name would not be plain).
func (o *Options) profileFile(workload, impl string, conns int) string {
	if o.profileDir == "" || !goServer(impl) {
		return ""
	}
	stem, ok := results.ProfileStem(workload, impl, conns)
	if !ok {
		return ""
	}
	o.profiled = append(o.profiled, stem)
	return filepath.Join(o.profileDir, stem+".pprof")
}

// reusable returns impl's running server if the next point may use it:
// in a profiled run each C gets a server (and profile) of its own, so a
// server profiling another C is stopped, which writes its profile.
func (o *Options) reusable(servers map[string]*server, impl string, conns int) *server {
	srv := servers[impl]
	if srv != nil && o.profileDir != "" && srv.profileConns != conns {
		srv.stop()
		delete(servers, impl)
		return nil
	}
	return srv
}

// startProfile starts the CPU profile a server child was asked for, if
// any, and returns the function that ends and writes it.
func startProfile(impl, path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	if !goServer(impl) {
		return nil, fmt.Errorf("%s is not a Go server: it cannot be profiled", impl)
	}
	if !filepath.IsAbs(path) || filepath.Ext(path) != ".pprof" {
		return nil, fmt.Errorf("profile %q: want an absolute path to a .pprof file", path)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// RenderSVG draws each profile in dir as an SVG with `go tool pprof
// -svg`, which needs graphviz's dot. It returns how many it drew and, when
// it drew none or not all, why.
func RenderSVG(ctx context.Context, dir string, stems []string) (int, error) {
	if len(stems) == 0 {
		return 0, nil
	}
	if _, err := exec.LookPath("dot"); err != nil {
		return 0, errors.New("graphviz's dot is not installed (scripts/install-peers.sh installs it), so only the .pprof files were written")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return 0, errors.New("the go command is not on PATH, so only the .pprof files were written")
	}
	n := 0
	var firstErr error
	for _, s := range stems {
		pp, svg := filepath.Join(dir, s+".pprof"), filepath.Join(dir, s+".svg")
		c, cancel := context.WithTimeout(ctx, 2*time.Minute)
		out, err := exec.CommandContext(c, goTool, "tool", "pprof", "-svg", "-output", svg, pp).CombinedOutput()
		cancel()
		if err != nil {
			_ = os.Remove(svg)
			if firstErr == nil {
				firstErr = fmt.Errorf("go tool pprof -svg %s: %v: %s", s+".pprof", err, tail(out))
			}
			continue
		}
		n++
	}
	return n, firstErr
}

// tail is the last line or so of a command's output, for an error.
func tail(b []byte) string {
	const most = 300
	if len(b) > most {
		b = b[len(b)-most:]
	}
	return string(b)
}
