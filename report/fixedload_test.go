package report

import (
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

func TestClientBoundPast80(t *testing.T) {
	for pct, want := range map[float64]bool{79: false, 80: false, 81: true, 99: true} {
		r := res("echo", "epoll", nil, map[string][]float64{results.ClientCPUPercent: {pct, pct, pct}})
		if got := clientBound(&r); got != want {
			t.Errorf("load generator at %v%%: client-bound %v, want %v", pct, got, want)
		}
	}
}

// fixedFile is a fixed-load run of epoll and Go net at two offered rates.
func fixedFile(epoll, gonet [2][]float64, behindAt float64) *results.File {
	f := &results.File{Version: 1}
	for i, rate := range []string{"1000", "9000"} {
		p := map[string]string{"conns": "100", "size": "64", "rate": rate, "load": "10"}
		late := []float64{0, 0, 0, 0}
		if rate == "9000" && behindAt > 0 {
			late = []float64{1, 1, 1, 1}
		}
		f.Results = append(f.Results,
			res("fixed-load", "epoll", p, map[string][]float64{results.ServerCPUNsPerRT: epoll[i], behind: late}),
			res("fixed-load", "gonet", p, map[string][]float64{results.ServerCPUNsPerRT: gonet[i], behind: {0, 0, 0, 0}}))
	}
	return f
}

func TestFixedLoadProseFollowsTheData(t *testing.T) {
	four := func(v float64) []float64 { return []float64{v * 0.99, v, v * 1.01, v * 1.005} }
	overlap := [2][]float64{{30000, 31000, 29000, 30500}, {30500, 29500, 31000, 30000}}
	f := figByID(t, figures(fixedFile([2][]float64{four(20000), four(8000)}, overlap, 0)), "fixed-load-cpu")
	for _, want := range []string{"From 1k/s to 9k/s offered, it falls for epoll (20.1 µs to 8.02 µs); the intervals tell no change from noise for Go net.",
		"At 1k/s offered epoll is best", "At 9k/s offered epoll is best"} {
		if !strings.Contains(f.Text, want) {
			t.Errorf("text lacks %q: %s", want, f.Text)
		}
	}
	if strings.Contains(f.Text, "§") {
		t.Errorf("text marks a point behind that kept up: %s", f.Text)
	}
	f = figByID(t, figures(fixedFile(overlap, [2][]float64{four(30000), four(45000)}, 9000)), "fixed-load-cpu")
	for _, want := range []string{"it rises for Go net (30.1 µs to 45.1 µs)", "no change from noise for epoll", "1 point(s), marked §"} {
		if !strings.Contains(f.Text, want) {
			t.Errorf("text lacks %q: %s", want, f.Text)
		}
	}
}
