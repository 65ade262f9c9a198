package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/reactorbench/reactorbench/bench/loadgen"
)

func init() {
	register("load", "run the load generator alone against any echo server", runLoad)
}

// runLoad is "reactorbench load": the suite's load generator (one thread,
// raw epoll, echoed bytes verified) against HOST:PORT.
func runLoad(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("load", "usage: reactorbench load -addr HOST:PORT [-conns C] [-duration D] [-size B] [-rate R] [-warmup D] [-max-warmup D] [-spread]", stderr)
	addr := fs.String("addr", "", "HOST:PORT of the echo server (required)")
	conns := fs.Int("conns", 100, fmt.Sprintf("concurrent connections, at most %d here (the open-file limit less %d)", loadgen.MaxConns(), loadgen.FDSlack))
	duration := fs.Duration("duration", 5*time.Second, "measured window")
	warmup := fs.Duration("warmup", time.Second, "warm-up before the window, not counted")
	maxWarmup := fs.Duration("max-warmup", 10*time.Second, "closed loop: the warm-up runs on past -warmup until every connection has had its first echo, at most this long")
	size := fs.Int("size", 64, "message bytes per round trip")
	rate := fs.Float64("rate", 0, fmt.Sprintf("open loop: round trips per second over all connections, at most %g, latency from the intended send time (0: closed loop)", float64(loadgen.MaxRate)))
	spread := fs.Bool("spread", false, "bind connections to source addresses across 127.1.0.0/16 (loopback targets with many connections)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return usageError(stderr, "load", "unexpected argument %q", fs.Arg(0))
	case *addr == "":
		return usageError(stderr, "load", "-addr HOST:PORT is required")
	}
	cfg := loadgen.Config{Addr: *addr, Conns: *conns, Size: *size, Warmup: *warmup, MaxWarmup: *maxWarmup, Duration: *duration, Rate: *rate, Spread: *spread}
	var bad *loadgen.ConfigError
	if err := cfg.Check(); errors.As(err, &bad) {
		return usageError(stderr, "load", "-%v", bad)
	}
	r, err := loadgen.Run(cfg)
	if err != nil {
		return failure(stderr, "load", "%v", err)
	}
	mode := "closed loop"
	if *rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f/s, latency from the intended send time", *rate)
	}
	h := r.Hist()
	secs := r.Window.Seconds()
	fmt.Fprintf(stdout, "%s: %d connections, %d B messages, %s, %v window after %v warm-up\n", *addr, *conns, *size, mode, r.Window.Round(time.Millisecond), *warmup)
	if *rate == 0 {
		if r.Ramp > 0 {
			fmt.Fprintf(stdout, "ramp           every connection had its first echo %v after the first request\n", r.Ramp.Round(time.Millisecond))
		} else {
			fmt.Fprintf(stdout, "ramp           some connection still had no echo when the window ended\n")
		}
	}
	fmt.Fprintf(stdout, "round trips/s  %.0f  (%d in the window)\n", float64(r.RoundTrips)/secs, r.RoundTrips)
	if h.TotalCount() > 0 {
		fmt.Fprintf(stdout, "latency        p50 %v  p99 %v  p99.9 %v  max %v\n",
			time.Duration(h.ValueAtQuantile(50)), time.Duration(h.ValueAtQuantile(99)), time.Duration(h.ValueAtQuantile(99.9)), time.Duration(h.Max()))
	}
	fmt.Fprintf(stdout, "client cpu     %.0f%% of one core\n", 100*r.ClientCPU.Seconds()/secs)
	if r.RoundTrips > 0 {
		rts := float64(r.RoundTrips)
		fmt.Fprintf(stdout, "client calls   %.2f reads (%.2f found nothing), %.2f writes (%.3f partial) per round trip\n",
			float64(r.Reads)/rts, float64(r.ReadsAgain)/rts, float64(r.Writes)/rts, float64(r.PartialWrites)/rts)
	}
	fmt.Fprintf(stdout, "connections    never connected %d, died %d, starved %d (by the server) and %d (echo unread by this client), wrong echo %d",
		r.NeverConnected, r.Died, r.Starved, r.StarvedByClient, r.Corrupt)
	if r.Overrun > 0 {
		fmt.Fprintf(stdout, ", requests not sent (queue full) %d", r.Overrun)
	}
	if r.Unanswered > 0 {
		fmt.Fprintf(stdout, ", unanswered at the window's end (in the latency at their age then) %d", r.Unanswered)
	}
	fmt.Fprintln(stdout)
	if err := r.Error(); err != nil {
		return failure(stderr, "load", "%v", err)
	}
	if err := r.Failed(); err != nil {
		return failure(stderr, "load", "%v", err)
	}
	return 0
}
