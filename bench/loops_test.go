package bench

import (
	"context"
	"io"
	"net"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/reactorbench/reactorbench/bench/loadgen"
	"github.com/reactorbench/reactorbench/bench/results"
	"github.com/reactorbench/reactorbench/core"
)

func TestLayoutFor(t *testing.T) {
	for _, c := range []struct {
		loops, cores  int
		server, load  []int
		shared        bool
		serverCPUList string
	}{
		{1, 1, nil, nil, false, "any"},
		{1, 2, []int{0}, []int{1}, false, "0"},
		{2, 2, []int{0, 1}, []int{1}, true, "0-1"},
		{4, 16, []int{0, 1, 2, 3}, []int{4, 5, 6, 7}, false, "0-3"},
		{12, 16, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, []int{12, 13, 14, 15}, false, "0-11"},
		{32, 16, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, []int{15}, true, "0-15"},
	} {
		l := layoutFor(c.loops, c.cores)
		if !reflect.DeepEqual(l.server, c.server) || !reflect.DeepEqual(l.load, c.load) || l.shared() != c.shared || cpuList(l.server) != c.serverCPUList {
			t.Errorf("layoutFor(%d, %d) = %+v shared %v, want server %v load %v shared %v", c.loops, c.cores, l, l.shared(), c.server, c.load, c.shared)
		}
	}
	if got := cpuList([]int{0, 2}); got != "0,2" {
		t.Errorf("cpuList = %q", got)
	}
	if got, want := layoutNote([]int{1, 2}, 2), "loops=1: server cpu 0, load generator cpu 1; loops=2: server cpu 0-1, load generator cpu 1 (shared with the server: compare server CPU per round trip)"; got != want {
		t.Errorf("layoutNote = %q, want %q", got, want)
	}
}

func TestParseLoops(t *testing.T) {
	if got, err := ParseLoops("2, 1,2"); err != nil || !reflect.DeepEqual(got, []int{1, 2}) {
		t.Errorf("ParseLoops = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "x", "1,,2", "65", "-1", "1e9"} {
		if got, err := ParseLoops(bad); err == nil {
			t.Errorf("ParseLoops(%q) = %v, want an error", bad, got)
		}
	}
}

// A point at more than one loop carries the count in its name and
// parameters, and both sides' CPUs; at one loop its name stays.
func TestPointAtLoops(t *testing.T) {
	pt := netPoint{name: "Echo/impl=epoll/conns=10/size=64", params: map[string]string{"conns": "10"}}
	two := pt.atLoops(2, layoutFor(2, 2))
	if two.name != "Echo/impl=epoll/loops=2/conns=10/size=64" || two.params["loops"] != "2" || two.params["server-cpus"] != "0-1" || two.params["load-cpus"] != "1" {
		t.Errorf("at 2 loops: %+v", two)
	}
	if one := pt.atLoops(1, layoutFor(1, 2)); one.name != pt.name || one.params["loops"] != "1" {
		t.Errorf("at 1 loop: %+v", one)
	}
	if _, ok := pt.params["loops"]; ok {
		t.Error("atLoops changed the original's parameters")
	}
}

// Peers with one loop per process are measured at one loop only.
func TestNetImplCount(t *testing.T) {
	o := &Options{Reactors: []string{"epoll", "poll"}, Peers: []string{"gonet"}, Loops: []int{1, 2}}
	if got := netImplCount(o); got != 6 {
		t.Errorf("netImplCount = %d, want 6", got)
	}
	if got := implsAt([]string{"epoll", "gonet", "netpoll", "node", "twisted-epoll"}, 2); !reflect.DeepEqual(got, []string{"epoll", "gonet", "netpoll"}) {
		t.Errorf("implsAt 2 = %v", got)
	}
}

// A reactor server on two loops is allowed two CPUs and reports each
// loop's connections; Go peers get GOMAXPROCS CPUs as well.
func TestServersOnTwoLoops(t *testing.T) {
	for _, impl := range []string{"epoll", "poll", "gonet", "netpoll"} {
		t.Run(impl, func(t *testing.T) {
			requireImpl(t, impl)
			ctx := context.Background()
			srv, err := startServer(ctx, impl, "", 2)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.stop()
			const conns = 24
			for range conns {
				c, err := net.Dial("tcp", srv.addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(20 * time.Second))
				if _, err := c.Write([]byte("x")); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
					t.Fatal(err)
				}
			}
			if runtime.NumCPU() >= 2 {
				if got, _ := statusField(srv.pid, "Cpus_allowed_list"); got != "0-1" {
					t.Errorf("server allowed on cpus %q, want 0-1", got)
				}
			}
			if !srv.isReactor() {
				return
			}
			c, err := srv.counters(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.LoopConns) != 2 || c.LoopConns[0]+c.LoopConns[1] != conns || c.Conns != conns {
				t.Errorf("per-loop connections %v (total %d), want 2 loops holding %d", c.LoopConns, c.Conns, conns)
			}
			for i, n := range c.LoopConns {
				if n == 0 {
					t.Errorf("loop %d holds no connection of %d", i, conns)
				}
			}
		})
	}
}

// -conns replaces the closed-loop echo ladder, clamped to the limit.
func TestEchoConnsOverride(t *testing.T) {
	p := planEcho(&Options{Conns: []int{1000, maxEchoConns}, Repeats: 1})
	if want := []int{1000, maxConns()}; !reflect.DeepEqual(p.ladder, want) && maxConns() > 1000 {
		t.Errorf("ladder %v, want %v", p.ladder, want)
	}
	if got, err := ParseConns("1000, 10,1000"); err != nil || !reflect.DeepEqual(got, []int{10, 1000}) {
		t.Errorf("ParseConns = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "x", "1000000"} {
		if _, err := ParseConns(bad); err == nil {
			t.Errorf("ParseConns(%q) succeeded", bad)
		}
	}
}

// An echo sample on two loops counts every connection on one loop or the
// other, read while all of them are up (the load generators reset theirs
// as soon as the window ends).
func TestEchoSampleCountsEveryLoopsConnections(t *testing.T) {
	ctx := context.Background()
	srv, err := startServer(ctx, "epoll", "", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	const conns = 64
	for range 3 {
		s, err := echoSample(ctx, srv, loadgen.Config{Addr: srv.addr, Conns: conns, Size: 64, Warmup: 20 * time.Millisecond, Duration: 50 * time.Millisecond}, conns, 1)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := s.Metrics[results.LoopConnsMin], s.Metrics[results.LoopConnsMax]
		if lo+hi != conns || lo == 0 || s.Metrics[results.LoopImbalance] != hi/lo {
			t.Errorf("loops held %v and %v of %d connections (imbalance %v)", lo, hi, conns, s.Metrics[results.LoopImbalance])
		}
	}
}

// A group's counters add up field by field, whatever fields core adds.
func TestSumCountersEveryField(t *testing.T) {
	var one core.Counters
	v := reflect.ValueOf(&one).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Uint64:
			f.SetUint(1)
		case reflect.Int64:
			f.SetInt(1)
		case reflect.Bool:
			f.SetBool(true)
		default:
			t.Fatalf("Counters.%s is a %s: teach sumCounters and this test", v.Type().Field(i).Name, f.Kind())
		}
	}
	sum := sumCounters([]core.Counters{one, one})
	s := reflect.ValueOf(sum.Counters)
	for i := range s.NumField() {
		f, name := s.Field(i), s.Type().Field(i).Name
		if f.Kind() == reflect.Bool && !f.Bool() || f.Kind() == reflect.Uint64 && f.Uint() != 2 || f.Kind() == reflect.Int64 && f.Int() != 2 {
			t.Errorf("sum of Counters.%s = %v, want both loops' counts", name, f)
		}
	}
	if !reflect.DeepEqual(sum.LoopConns, []int64{1, 1}) {
		t.Errorf("LoopConns = %v", sum.LoopConns)
	}
}
