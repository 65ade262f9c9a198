package bench

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/reactorbench/reactorbench/bench/results"
)

// The machine's TCP state around a sample: what the previous sample left
// (orphaned sockets still closing, TIME_WAIT), the kernel's TCP memory
// against net.ipv4.tcp_mem (under pressure the kernel shrinks every
// socket's buffers) and how busy the load generator's CPU is before the
// sample starts. A sample starts only from a clean state, or is marked.

// netState is one reading of /proc/net/sockstat and /proc/net/protocols.
type netState struct {
	InUse, Orphans, TimeWait int64
	MemPages                 int64 // TCP memory in pages
	MemMin                   int64 // net.ipv4.tcp_mem's first value: below it no pressure
	Pressure                 bool  // the kernel's TCP memory pressure flag
	// LoadCPUBusy is how busy (0-100) the load generator's CPU was with
	// other work just before the sample; -1 when unknown.
	LoadCPUBusy float64
	// Waited is how long the start waited for the state to come clean.
	Waited time.Duration
}

// readNetState reads the machine's TCP state; a hook so a test can fake
// pressure or a state that will not drain.
var readNetState = procNetState

func procNetState() (netState, error) {
	var s netState
	b, err := os.ReadFile("/proc/net/sockstat")
	if err != nil {
		return s, err
	}
	found := false
	for _, l := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(l, "TCP:")
		if !ok {
			continue
		}
		found = true
		f := strings.Fields(rest)
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseInt(f[i+1], 10, 64)
			if err != nil {
				return s, fmt.Errorf("/proc/net/sockstat: %q: %w", l, err)
			}
			switch f[i] {
			case "inuse":
				s.InUse = v
			case "orphan":
				s.Orphans = v
			case "tw":
				s.TimeWait = v
			case "mem":
				s.MemPages = v
			}
		}
	}
	if !found {
		return s, errors.New("/proc/net/sockstat: no TCP line")
	}
	if b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_mem"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 3 {
			s.MemMin, _ = strconv.ParseInt(f[0], 10, 64)
		}
	}
	s.Pressure, err = tcpPressure()
	return s, err
}

// tcpPressure reads TCP's "press" column of /proc/net/protocols.
func tcpPressure() (bool, error) {
	b, err := os.ReadFile("/proc/net/protocols")
	if err != nil {
		return false, err
	}
	lines := strings.Split(string(b), "\n")
	col := -1
	for i, h := range strings.Fields(lines[0]) {
		if h == "press" {
			col = i
		}
	}
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > col && col >= 0 && f[0] == "TCP" {
			return f[col] == "yes", nil
		}
	}
	return false, errors.New("/proc/net/protocols: no TCP pressure column")
}

// dirty says what keeps s from being a clean start: orphaned sockets
// still closing, or TCP memory pressure; "" when clean.
func (s netState) dirty() string {
	switch {
	case s.Pressure:
		return fmt.Sprintf("TCP memory pressure (%d pages in use, net.ipv4.tcp_mem starts at %d)", s.MemPages, s.MemMin)
	case s.MemMin > 0 && s.MemPages >= s.MemMin:
		return fmt.Sprintf("TCP memory %d pages, past net.ipv4.tcp_mem's first value %d", s.MemPages, s.MemMin)
	case s.Orphans > maxOrphans:
		return fmt.Sprintf("%d orphaned TCP sockets still closing", s.Orphans)
	}
	return ""
}

// maxOrphans is how many orphaned sockets (closed by their process, still
// closing in the kernel) a clean start tolerates: other developers'
// programs on a shared machine leave a few.
const maxOrphans = 100

// cpuBusy is the share (0-100) of CPU cpu's time spent busy over d, from
// /proc/stat; a hook so a test can fake a busy load generator CPU.
var cpuBusy = procCPUBusy

func procCPUBusy(cpu int, d time.Duration) (float64, error) {
	read := func() (busy, total int64, err error) {
		b, err := os.ReadFile("/proc/stat")
		if err != nil {
			return 0, 0, err
		}
		name := "cpu" + strconv.Itoa(cpu)
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) < 5 || f[0] != name {
				continue
			}
			for i, x := range f[1:] {
				v, err := strconv.ParseInt(x, 10, 64)
				if err != nil {
					return 0, 0, err
				}
				total += v
				if i != 3 && i != 4 { // idle and iowait
					busy += v
				}
			}
			return busy, total, nil
		}
		return 0, 0, fmt.Errorf("/proc/stat: no %s", name)
	}
	b0, t0, err := read()
	if err != nil {
		return 0, err
	}
	time.Sleep(d)
	b1, t1, err := read()
	if err != nil || t1 <= t0 {
		return 0, err
	}
	return 100 * float64(b1-b0) / float64(t1-t0), nil
}

// cleanWait bounds the wait for a clean start; a variable so a test of a
// state that never comes clean need not wait that long.
var cleanWait = 20 * time.Second

// busyClientPct is how busy the load generator's CPU may be with other
// work before a sample and still count as free.
const busyClientPct = 30

// cleanStart waits, within cleanWait, until the TCP state is clean and the
// server has closed the previous sample's connections, and a
// little for the load generator's CPU to be free of other work (on a
// machine shared with others it may never be: that is recorded, not
// refused). It returns the state it started from and, when the wait ran
// out, the reason the start was not clean.
func cleanStart(srv *server) (netState, string) {
	start := time.Now()
	deadline := start.Add(cleanWait)
	for {
		s, err := readNetState()
		if err != nil {
			return netState{LoadCPUBusy: -1}, "" // nothing to judge by: not a reason to refuse
		}
		why := s.dirty()
		if n := srv.heldConns(); why == "" && n > drainSlack {
			why = fmt.Sprintf("the server still held %d descriptors of the previous sample", n)
		}
		if why == "" || !time.Now().Before(deadline) {
			s.Waited = time.Since(start)
			s.LoadCPUBusy = loadCPUBusy(srv.layout.load)
			return s, why
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// loadCPUBusy waits up to a second for the load generators' first CPU to
// be free of other work and returns its last busy share, -1 when unknown
// (no CPU of their own).
func loadCPUBusy(cpus []int) float64 {
	busy := -1.0
	if len(cpus) == 0 {
		return busy
	}
	for range 10 {
		b, err := cpuBusy(cpus[0], 100*time.Millisecond)
		if err != nil {
			return -1
		}
		if busy = b; busy <= busyClientPct {
			break
		}
	}
	return busy
}

// netCounters are the machine-wide network counters read at a window's
// edges, by metric: packets the loopback backlog dropped (its queue is
// net.core.netdev_max_backlog long), TCP segments retransmitted, zero
// windows advertised and accept queue overflows.
type netCounters map[string]int64

// readNetCounters reads them; a counter the kernel lacks is left out.
func readNetCounters() netCounters {
	c := netCounters{}
	if b, err := os.ReadFile("/proc/net/softnet_stat"); err == nil {
		var drops int64
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 1 {
				if v, err := strconv.ParseInt(f[1], 16, 64); err == nil {
					drops += v
				}
			}
		}
		c[results.NetDrops] = drops
	}
	want := map[string]string{"Tcp:RetransSegs": results.TCPRetransmits, "TcpExt:TCPToZeroWindowAdv": results.TCPZeroWindows, "TcpExt:ListenOverflows": results.ListenOverflows}
	for _, file := range []string{"/proc/net/snmp", "/proc/net/netstat"} {
		b, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		lines := strings.Split(string(b), "\n")
		for i := 0; i+1 < len(lines); i += 2 {
			names, vals := strings.Fields(lines[i]), strings.Fields(lines[i+1])
			if len(names) != len(vals) || len(names) == 0 {
				continue
			}
			for j := 1; j < len(names); j++ {
				if unit, ok := want[names[0]+names[j]]; ok {
					if v, err := strconv.ParseInt(vals[j], 10, 64); err == nil {
						c[unit] = v
					}
				}
			}
		}
	}
	return c
}
