package report

import (
	"reflect"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

func scalingFile() *results.File {
	f := &results.File{Version: 1}
	add := func(impl, loops, conns string, m map[string][]float64) {
		f.Results = append(f.Results, res("echo", impl, map[string]string{"conns": conns, "size": "64", "loops": loops}, m))
	}
	for _, c := range []string{"10", "1000"} {
		add("epoll", "1", c, map[string][]float64{results.RoundTripsPerSec: six(70000), results.ServerCPUNsPerRT: six(10000),
			results.LoopConnsMin: six(1000), results.LoopConnsMax: six(1000), results.LoopImbalance: six(1)})
		add("epoll", "2", c, map[string][]float64{results.RoundTripsPerSec: six(112000), results.ServerCPUNsPerRT: six(10500),
			results.LoopConnsMin: six(490), results.LoopConnsMax: six(510), results.LoopImbalance: six(510.0 / 490)})
		add("gonet", "1", c, map[string][]float64{results.RoundTripsPerSec: six(60000), results.ServerCPUNsPerRT: six(13000)})
		add("gonet", "2", c, map[string][]float64{results.RoundTripsPerSec: {60000, 61000, 59000, 60500, 59500, 60000},
			results.ServerCPUNsPerRT: six(13000)})
	}
	return f
}

// The scaling figures draw one point per loop count at the largest C,
// say what share of linear scaling each server reached, and keep every
// other figure to one loop.
func TestScalingFigures(t *testing.T) {
	figs := figures(scalingFile())
	rts := figByID(t, figs, "loops-rts")
	want := map[string][][2]float64{"epoll": {{1, 70000}, {2, 112000}}, "gonet": {{1, 60000}, {2, 60000}}}
	if got := medians(rts); !reflect.DeepEqual(got, want) {
		t.Errorf("round trips per loop count = %v, want %v", got, want)
	}
	if !strings.Contains(rts.Title, "C=1,000") {
		t.Errorf("title %q does not name the largest C", rts.Title)
	}
	for _, s := range []string{"epoll: 2 loops give 1.6x the round trips per second of one (80% of linear)",
		"Go net: 2 loops give 1x the round trips per second of one (50% of linear), a difference the intervals do not separate"} {
		if !strings.Contains(rts.Text, s) {
			t.Errorf("prose %q lacks %q", rts.Text, s)
		}
	}
	if cpu := figByID(t, figs, "loops-cpu"); !strings.Contains(cpu.Text, "epoll: server CPU per round trip at 2 loops is 1.05x that at one") {
		t.Errorf("cpu prose %q", cpu.Text)
	}
	bal := figByID(t, figs, "loops-balance")
	tab := figureTable(bal)
	if len(tab.Rows) != 2 || tab.Rows[1][3].Text != "490" || tab.Rows[1][4].Text != "510" {
		t.Errorf("balance table rows = %v", tab.Rows)
	}
	echo := figByID(t, figs, "echo-rts-64")
	if got := medians(echo)["epoll"]; !reflect.DeepEqual(got, [][2]float64{{10, 70000}, {1000, 70000}}) {
		t.Errorf("the one-loop echo figure drew %v for epoll", got)
	}
	single := &results.File{Version: 1, Results: scalingFile().Results[:1]}
	for _, f := range figures(single) {
		if strings.HasPrefix(f.ID, "loops-") {
			t.Errorf("a one-loop run drew %s", f.ID)
		}
	}
}
