package report

import (
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

// The system call figure draws the kernel's count for every
// implementation and says, from the data, what each one's calls are.
func TestSyscallFigureFromKernelCounts(t *testing.T) {
	f := &results.File{Version: 1}
	for _, c := range []string{"100", "1000"} {
		params := map[string]string{"conns": c, "size": "64"}
		epoll := res("echo", "epoll", params, map[string][]float64{results.KernelSyscallsPerRT: six(2.1), results.SyscallsPerEvent: six(2.0)})
		gonet := res("echo", "gonet", params, map[string][]float64{results.KernelSyscallsPerRT: six(3.4)})
		for i := range epoll.Samples {
			epoll.Samples[i].Syscalls = map[string]float64{"read": 1, "write": 1, "epoll_wait": 0.08, "futex": 0.01}
			gonet.Samples[i].Syscalls = map[string]float64{"read": 2, "write": 1, "futex": 0.4}
		}
		f.Results = append(f.Results, epoll, gonet)
	}
	fig := figByID(t, figures(f), "echo-syscalls-64")
	if !strings.Contains(fig.Title, "kernel count") || fig.series("gonet") == nil {
		t.Fatalf("figure %q lacks the kernel's count for the peers: %+v", fig.Title, fig.Series)
	}
	for _, want := range []string{
		"epoll makes 2.1 (read 1.00, write 1.00, epoll_wait 0.08)",
		"Go net makes 3.4 (read 2.00, write 1.00, futex 0.40)",
		"raw_syscalls tracepoint",
	} {
		if !strings.Contains(fig.Text, want) {
			t.Errorf("prose lacks %q:\n%s", want, fig.Text)
		}
	}
	// A one-point ladder is drawn as bars, and still broken down.
	one := &results.File{Version: 1, Results: f.Results[2:]}
	if bars := figByID(t, figures(one), "echo-syscalls-64"); !bars.Bars || !strings.Contains(bars.Text, "Go net makes 3.4 (read 2.00") {
		t.Errorf("one-point figure (bars %v) lacks the breakdown: %s", bars.Bars, bars.Text)
	}
	// Without the kernel's count the figure is the loop's, and says so.
	for i := range f.Results {
		for j := range f.Results[i].Samples {
			delete(f.Results[i].Samples[j].Metrics, results.KernelSyscallsPerRT)
		}
	}
	fig = figByID(t, figures(f), "echo-syscalls-64")
	if !strings.Contains(fig.Title, "the loop's count") || !strings.Contains(fig.Text, "the kernel did not count them") {
		t.Errorf("fallback figure %q: %s", fig.Title, fig.Text)
	}
}
