package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/reactorbench/reactorbench/bench/loadgen"
	"github.com/reactorbench/reactorbench/bench/results"
)

// The fixed-load workload: every implementation is offered the same
// ladder of request rates, open loop, each a share of the slowest
// implementation's closed-loop peak at the same C measured first in the
// same run. At equal offered load the server's CPU per request (user and
// system apart) and its latency compare servers without the load
// generator's ceiling in the way, as long as no step is client-bound.

// ladderShares are the offered loads as shares of the slowest peak;
// ladderSharesQuick the smoke test's.
var (
	ladderShares      = []float64{0.1, 0.3, 0.5, 0.7, 0.9}
	ladderSharesQuick = []float64{0.1, 0.9}
)

// minLadderRate is the lowest step offered: below it a window holds too
// few requests for a p99.9.
const minLadderRate = 100

// fixedWindow is the full run's window: longer than echo's, so that low
// steps span enough clock ticks for a user/system split.
const fixedWindow = 400 * time.Millisecond

// fixedRepeats is the number of repeats per step: 4 (or fewer when asked),
// the fewest from which the report's rank-sum test can tell two steps, or
// two implementations, apart.
func fixedRepeats(o *Options) int { return max(min(o.Repeats, 4), 1) }

// ladderStep is one offered load: its share of the peak and its rate.
type ladderStep struct {
	share float64
	rate  float64
}

// percent is the step's share as a whole percentage, as names show it.
func (s ladderStep) percent() int { return int(math.Round(100 * s.share)) }

// rateLadder turns a peak rate and ascending shares into the steps to
// offer, each rate rounded to two significant digits. A peak that is not
// a positive finite rate, or that exceeds what one load generator thread
// can offer, is refused, as are shares outside (0, 1] or out of order;
// steps under minLadderRate are left out, and a step that rounds to its
// predecessor's rate is merged into it.
func rateLadder(peak float64, shares []float64) ([]ladderStep, error) {
	if math.IsNaN(peak) || math.IsInf(peak, 0) || peak <= 0 {
		return nil, fmt.Errorf("peak %v round trips/s: want a positive finite rate", peak)
	}
	if peak > loadgen.MaxRate {
		return nil, fmt.Errorf("peak %g round trips/s: more than one load generator thread can offer (%g/s)", peak, float64(loadgen.MaxRate))
	}
	var steps []ladderStep
	prev := 0.0
	for _, sh := range shares {
		if !(sh > 0 && sh <= 1) || sh <= prev {
			return nil, fmt.Errorf("ladder share %v: want ascending shares in (0, 1]", sh)
		}
		prev = sh
		r := roundRate(sh * peak)
		if r < minLadderRate || (len(steps) > 0 && r <= steps[len(steps)-1].rate) {
			continue
		}
		steps = append(steps, ladderStep{share: sh, rate: r})
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("peak %g round trips/s: every step of the ladder falls under %d/s", peak, minLadderRate)
	}
	return steps, nil
}

// roundRate rounds r to two significant digits (12,345 to 12,000), so
// that a run's rates read as the round numbers they stand for.
func roundRate(r float64) float64 {
	if r < 100 {
		return math.Round(r)
	}
	p := math.Pow(10, math.Floor(math.Log10(r))-1)
	return math.Round(r/p) * p
}

func planFixedShares(o *Options) []float64 {
	if o.Quick {
		return ladderSharesQuick
	}
	return ladderShares
}

func fixedPoints(o *Options) int { return len(planFixedShares(o)) * implCount(o) }

// probePeaks measures each implementation's closed-loop peak at cfg, the
// best of tries samples (a peak is a maximum: a sample the shared machine
// slowed says less about it than the best one), and returns the slowest;
// implementations that fail are noted and left out.
func probePeaks(ctx context.Context, o *Options, impls []string, cfg loadgen.Config, perProc, tries int) (slowest string, peak float64, bound bool, err error) {
	var seen []string
	for _, impl := range impls {
		best, bestBound, err := probePeak(ctx, impl, cfg, perProc, tries)
		if ctx.Err() != nil {
			return "", 0, false, ctx.Err()
		}
		if err != nil {
			o.note("fixed-load: peak of %s: %v", impl, err)
			continue
		}
		seen = append(seen, fmt.Sprintf("%s %.0f/s", impl, best))
		if slowest == "" || best < peak {
			slowest, peak, bound = impl, best, bestBound
		}
	}
	if slowest == "" {
		return "", 0, false, fmt.Errorf("no implementation's closed-loop peak could be measured")
	}
	o.note("fixed-load: closed-loop peaks at C=%d (best of %d): %s", cfg.Conns, tries, strings.Join(seen, ", "))
	return slowest, peak, bound, nil
}

// probePeak is impl's best closed-loop rate at cfg over tries samples on
// one server, and whether that sample was client-bound.
func probePeak(ctx context.Context, impl string, cfg loadgen.Config, perProc, tries int) (best float64, bound bool, err error) {
	srv, err := startWarmServer(ctx, impl, "", 1)
	if err != nil {
		return 0, false, err
	}
	defer srv.stop()
	cfg.Addr = srv.addr
	for range tries {
		s, err := echoSample(ctx, srv, cfg, perProc, tries)
		if err != nil {
			return 0, false, err
		}
		if rts, ok := s.Metrics[results.RoundTripsPerSec]; ok && rts > best {
			best, bound = rts, s.Metrics[results.ClientBound] == 1
		}
	}
	if best == 0 {
		return 0, false, errors.New("no round trip completed")
	}
	return best, bound, nil
}

func runFixedWorkload(ctx context.Context, o *Options, emit func(results.Result)) error {
	op, e := planOpen(o), planEcho(o)
	warmup, window, stretch := e.timing(op.conns)
	impls := availableImpls(o, "fixed-load")
	if len(impls) == 0 {
		return nil
	}
	closed := loadgen.Config{Conns: op.conns, Size: op.size, Warmup: warmup, MaxWarmup: maxRamp, Duration: window, MaxDuration: stretch}
	tries := 2
	if o.Quick {
		tries = 1
	}
	slowest, peak, bound, err := probePeaks(ctx, o, impls, closed, e.perProc, tries)
	if err != nil {
		return err
	}
	steps, err := rateLadder(peak, planFixedShares(o))
	if err != nil {
		return err
	}
	if !o.Quick {
		window = fixedWindow
	}
	var desc []string
	for _, s := range steps {
		desc = append(desc, fmt.Sprintf("%d%% = %.0f/s", s.percent(), s.rate))
	}
	o.note("fixed-load: open loop at C=%d, %d B messages, at shares of the slowest closed-loop peak (%s, %.0f round trips/s, measured first in this run): %s; window %v, %d repeats; latency from the intended send time; a sample splits its server CPU into user and system only with %v of it or more in the window",
		op.conns, op.size, slowest, peak, strings.Join(desc, ", "), window, fixedRepeats(o), minSplitCPU)
	if bound {
		o.note("fixed-load: the slowest peak was itself client-bound, so the ladder is a share of the load generator's ceiling, not of %s's", slowest)
	}
	peakText := strconv.FormatFloat(math.Round(peak), 'f', -1, 64)
	points := func(impl string) []netPoint {
		var pts []netPoint
		for _, s := range steps {
			pts = append(pts, netPoint{
				name: fmt.Sprintf("FixedLoad/impl=%s/conns=%d/size=%d/load=%d", impl, op.conns, op.size, s.percent()),
				params: map[string]string{"conns": strconv.Itoa(op.conns), "size": strconv.Itoa(op.size), "mode": "open",
					"rate": strconv.FormatFloat(s.rate, 'f', -1, 64), "load": strconv.Itoa(s.percent()), "peak": peakText, "peak-impl": slowest},
				cfg:     loadgen.Config{Conns: op.conns, Size: op.size, Rate: s.rate, Warmup: warmup, Duration: window},
				repeats: fixedRepeats(o),
			})
		}
		return pts
	}
	measure := func(ctx context.Context, srv *server, cfg loadgen.Config) (results.Sample, error) {
		return openSample(ctx, srv, cfg, e.perProc, fixedRepeats(o))
	}
	return measurePoints(ctx, o, "fixed-load", impls, points, measure, emit)
}

func init() {
	RegisterWorkload(Workload{
		Name:    "fixed-load",
		Doc:     "open loop at 10-90% of the slowest closed-loop peak: server CPU per request (user and system apart) and latency at equal offered load",
		Points:  fixedPoints,
		Run:     runFixedWorkload,
		Servers: true,
	})
}
