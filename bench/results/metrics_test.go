package results

import "testing"

func TestMetricTable(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Metrics {
		if seen[m.Unit] {
			t.Errorf("unit %q listed twice", m.Unit)
		}
		seen[m.Unit] = true
		if m.Label == "" {
			t.Errorf("unit %q has no label", m.Unit)
		}
	}
	for unit, want := range map[string]Better{
		RoundTripsPerSec: HigherBetter, ConnsPerSec: HigherBetter,
		ServerCPUNsPerRT: LowerBetter, NsPerEvent: LowerBetter, AllocsPerOp: LowerBetter, P99Ns: LowerBetter,
		ClientCPUPercent: NotCompared, ClientBound: NotCompared, Behind: NotCompared, ServerCPUPercent: NotCompared,
		"made-up/s": NotCompared,
	} {
		if got := MetricOf(unit).Better; got != want {
			t.Errorf("%s: better %v, want %v", unit, got, want)
		}
	}
	if !MetricOf(AllocsPerOp).Alloc || MetricOf(NsPerOp).Alloc {
		t.Error("only allocation counts are marked Alloc")
	}
	if MetricRank(ServerCPUNsPerRT) >= MetricRank(AllocsPerOp) || MetricRank(NsPerEvent) >= MetricRank(SyscallsPerEvent) {
		t.Error("a headline unit does not rank before its side metrics")
	}
	if MetricRank("made-up") != len(Metrics) || MetricOf("made-up").Label != "made-up" {
		t.Error("an unknown unit is not ranked last and labeled by name")
	}
	if HigherBetter.String() != "higher" || LowerBetter.String() != "lower" || NotCompared.String() != "" {
		t.Error("Better does not print benchstat's words")
	}
}
