package report

import (
	"html"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

// asideFile has epoll's invalid samples far below its valid ones: counted,
// they would make epoll the winner; set aside, Go net wins.
func asideFile() *results.File {
	f := &results.File{Version: 1}
	params := map[string]string{"conns": "19900", "size": "64"}
	epoll := res("echo", "epoll", params, map[string][]float64{results.ServerCPUNsPerRT: {6000, 6000, 6000, 100, 100, 100}, results.Starved: six(0)})
	for i := 3; i < 6; i++ {
		epoll.Samples[i].Invalid = "the load generator never read the echo of 12 connection(s) the server had answered"
	}
	gonet := res("echo", "gonet", params, map[string][]float64{results.ServerCPUNsPerRT: {5000, 5000, 5000, 5000, 5000, 9000}, results.Starved: six(0)})
	gonet.Samples[5].Outlier = "server CPU per round trip 9000 against a median of 5000"
	f.Results = []results.Result{epoll, gonet}
	return f
}

func TestSetAsideKeepsInvalidSamplesOutOfRankings(t *testing.T) {
	f := asideFile()
	kept, aside, flagged := setAside(f)
	if len(f.Results[0].Samples) != 6 {
		t.Fatal("setAside changed its input")
	}
	if len(aside) != 3 || !strings.Contains(aside[0], "never read the echo") || len(flagged) != 1 || !strings.Contains(flagged[0], "gonet") {
		t.Fatalf("aside %q, flagged %q", aside, flagged)
	}
	cpu := figByID(t, figures(kept), "echo-cpu-64")
	xs := cpu.keyXs()
	r := cpu.rank(xs[len(xs)-1])
	if len(r) != 2 || r[0].Impl != "gonet" || r[1].P.Y.N != 3 {
		t.Fatalf("ranking %+v, want Go net first and epoll's 3 valid samples only", r)
	}
	if p := r[0].P; p.Flagged != 1 || !strings.Contains(mark(p), "◊") {
		t.Errorf("Go net's point with a flagged sample is not marked: %+v", p)
	}
	if txt := rankingText(cpu); !strings.Contains(txt, "Runs far from their siblings") || !strings.Contains(txt, "Go net (1 of 6 runs)") {
		t.Errorf("the ranking is silent about the flagged run: %q", txt)
	}
	// A result whose samples are all invalid leaves the page's data.
	for i := range f.Results[1].Samples {
		f.Results[1].Samples[i].Invalid = "dirty start"
	}
	kept, aside, _ = setAside(f)
	if len(kept.Results) != 1 || len(aside) != 9 {
		t.Errorf("kept %d results and set aside %d samples, want 1 and 9", len(kept.Results), len(aside))
	}
}

func TestPageListsSetAsideSamples(t *testing.T) {
	_, page := generate(t, writeFile(t, asideFile()), "")
	page = html.UnescapeString(page)
	for _, want := range []string{"Samples set aside and flagged", "echo/impl=epoll, sample 4 of 6: the load generator never read the echo",
		"echo/impl=gonet, sample 6 of 6: server CPU per round trip 9000"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
