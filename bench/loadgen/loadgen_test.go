package loadgen

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestConfigCheck(t *testing.T) {
	good := Config{Addr: "127.0.0.1:1", Conns: 1, Size: 64, Duration: time.Second}
	if err := good.Check(); err != nil {
		t.Fatalf("%+v: %v", good, err)
	}
	for _, tc := range []struct {
		field string
		edit  func(*Config)
	}{
		{"conns", func(c *Config) { c.Conns = 0 }},
		{"conns", func(c *Config) { c.Conns = 2_000_000_000 }},
		{"conns", func(c *Config) { c.Conns = MaxConns() + 1 }},
		{"size", func(c *Config) { c.Size = MaxSize + 1 }},
		{"duration", func(c *Config) { c.Duration = 0 }},
		{"duration", func(c *Config) { c.Duration = MaxWindow + 1 }},
		{"warmup", func(c *Config) { c.Warmup = -1 }},
		{"max_duration", func(c *Config) { c.MaxDuration = math.MaxInt64 }},
		{"rate", func(c *Config) { c.Rate = -1 }},
		{"rate", func(c *Config) { c.Rate = math.NaN() }},
		{"rate", func(c *Config) { c.Rate = math.Inf(1) }},
		{"rate", func(c *Config) { c.Rate = 1e12 }},
	} {
		c := good
		tc.edit(&c)
		var ce *ConfigError
		if err := c.Check(); !errors.As(err, &ce) || ce.Field != tc.field || !strings.HasPrefix(err.Error(), tc.field+" ") {
			t.Errorf("%+v: %v, want a ConfigError on %s", c, err, tc.field)
		}
		if _, err := Run(c); err == nil {
			t.Errorf("Run(%+v) accepted it", c)
		}
	}
}

func TestResultFailed(t *testing.T) {
	for _, tc := range []struct {
		r    Result
		want string
	}{
		{Result{Conns: 3, RoundTrips: 10}, ""},
		{Result{Conns: 3, RoundTrips: 10, Died: 2}, ""},
		{Result{Conns: 3, Cycles: 4, Died: 9}, ""},
		{Result{Conns: 3, NeverConnected: 3}, "no connection could be made"},
		{Result{Conns: 3, Starved: 3}, "no round trip"},
		{Result{Conns: 3, Died: 3}, "no round trip"},
		{Result{Conns: 3, RoundTrips: 10, Died: 3}, "did the server die?"},
		{Result{Conns: 3, RoundTrips: 10, Died: 1, Starved: 2}, "did the server die?"},
	} {
		err := tc.r.Failed()
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.r, err, tc.want)
		}
	}
}
