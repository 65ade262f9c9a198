//go:build linux

package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/reactorbench/reactorbench/bench/loadgen"
)

// loadChild reads a loadgen.Config, connects, says so, then runs on "run" or
// pings and holds the connections on "ping" until stdin closes.
func loadChild(in io.Reader, out io.Writer) error {
	cpu, err := childCPU()
	if err != nil {
		return err
	}
	if err := pin([]int{cpu}, 1); err != nil {
		return err
	}
	r := bufio.NewReader(in)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("reading configuration: %w", err)
	}
	var cfg loadgen.Config
	if err := json.Unmarshal(line, &cfg); err != nil {
		return fmt.Errorf("bad configuration: %w", err)
	}
	g, err := loadgen.New(cfg)
	if err != nil {
		return err
	}
	defer g.Close()
	enc := json.NewEncoder(out)
	if err := g.Connect(); err != nil {
		return err
	}
	failed := g.NeverConnected()
	if err := enc.Encode(loadReady{Connected: cfg.Conns - failed, Failed: failed}); err != nil {
		return err
	}
	cmd, err := r.ReadString('\n')
	if err != nil {
		return nil // the parent gave up
	}
	switch strings.TrimSpace(cmd) {
	case cmdRun:
		g.OnEdge = func(start bool) {
			e := edgeMsg{Edge: edgeEnd}
			if start {
				e.Edge = edgeStart
			}
			_ = enc.Encode(e)
		}
		res, err := g.Run()
		if err != nil {
			return err
		}
		return enc.Encode(res)
	case cmdPing:
		n, err := g.PingAll(replyTimout / 4)
		rep := loadReady{Connected: cfg.Conns - failed, Failed: failed, Answered: n}
		if err != nil {
			rep.Err = err.Error()
		}
		if err := enc.Encode(rep); err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, r) // hold the connections until the parent closes stdin
		return nil
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
}
