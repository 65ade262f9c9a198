package report

import (
	"fmt"
	"sort"

	"github.com/reactorbench/reactorbench/bench/results"
)

// setAside returns a copy of f without its invalid samples, so no median,
// ranking or comparison sees them (a result left with none is dropped),
// and says, for the page, what it set aside and which of the remaining
// samples the suite flagged as far from their siblings.
func setAside(f *results.File) (kept *results.File, aside, flagged []string) {
	out := *f
	out.Results = make([]results.Result, 0, len(f.Results))
	for _, r := range f.Results {
		var valid []results.Sample
		for i, s := range r.Samples {
			switch {
			case s.Invalid != "":
				aside = append(aside, fmt.Sprintf("%s, sample %d of %d: %s", r.Name, i+1, len(r.Samples), s.Invalid))
				continue
			case s.Outlier != "":
				flagged = append(flagged, fmt.Sprintf("%s, sample %d of %d: %s", r.Name, i+1, len(r.Samples), s.Outlier))
			}
			valid = append(valid, s)
		}
		if len(valid) == 0 && len(r.Samples) > 0 {
			continue
		}
		r.Samples = valid
		out.Results = append(out.Results, r)
	}
	sort.Strings(aside)
	sort.Strings(flagged)
	return &out, aside, flagged
}
