package report

import (
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

// uringFile is an echo run of epoll, uring and Go net at C=1000 and
// C=10000, server CPU per round trip as given.
func uringFile(epoll, uring, gonet [2][]float64) *results.File {
	f := &results.File{Version: 1}
	for i, c := range []string{"1000", "10000"} {
		p := map[string]string{"conns": c, "size": "64", "mode": "closed"}
		f.Results = append(f.Results,
			res("echo", "epoll", p, map[string][]float64{results.ServerCPUNsPerRT: epoll[i]}),
			res("echo", "uring", p, map[string][]float64{results.ServerCPUNsPerRT: uring[i]}),
			res("echo", "gonet", p, map[string][]float64{results.ServerCPUNsPerRT: gonet[i]}))
	}
	return f
}

// The ratio to epoll is drawn per C with its interval, and called
// cheaper only where the intervals separate.
func TestUringAgainstEpoll(t *testing.T) {
	f := figByID(t, figures(uringFile(
		[2][]float64{spreadAround(10000), spreadAround(12000)},
		[2][]float64{spreadAround(8000), {11000, 13000, 12500, 11500, 12000, 12100}},
		[2][]float64{spreadAround(11000), spreadAround(12500)})), "uring-vs-epoll-64")
	u := f.series("uring")
	if u == nil || len(u.Points) != 2 {
		t.Fatalf("uring series %+v, want two points", u)
	}
	if p := u.Points[0]; p.Y.Median != 0.8 || p.Y.Lo >= 0.8 || p.Y.Hi <= 0.8 || p.Y.Hi >= 1 {
		t.Errorf("ratio at C=1000 %+v, want 0.8 inside an interval below 1", p.Y)
	}
	if !strings.Contains(f.Text, "At C=1,000") || !strings.Contains(f.Text, "uring 0.8× (") || !strings.Contains(f.Text, "cheaper") {
		t.Errorf("text %q does not call uring cheaper at C=1000", f.Text)
	}
	at10k := f.Text[strings.Index(f.Text, "At C=10,000"):]
	if !strings.Contains(at10k, "uring 1× (") || !strings.Contains(at10k, "too close to call") {
		t.Errorf("text %q calls overlapping intervals at C=10000", at10k)
	}
	if strings.Contains(at10k[:strings.Index(at10k, ";")], "cheaper") {
		t.Errorf("text %q calls uring cheaper where the intervals overlap", at10k)
	}
	// Without an io_uring backend there is no such figure.
	plain := uringFile([2][]float64{six(1), six(1)}, [2][]float64{six(1), six(1)}, [2][]float64{six(1), six(1)})
	for i := range plain.Results {
		if plain.Results[i].Impl == "uring" {
			plain.Results[i].Impl = "poll"
		}
	}
	for _, fig := range figures(plain) {
		if strings.HasPrefix(fig.ID, "uring-") {
			t.Errorf("figure %s drawn without an io_uring backend", fig.ID)
		}
	}
}
