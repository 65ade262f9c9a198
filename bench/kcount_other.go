//go:build !linux

package bench

import (
	"errors"
	"time"
)

// syscallCount is what a kernelCounter counted over its window.
type syscallCount struct {
	Total  float64
	Again  float64
	ByName map[string]float64
	Span   time.Duration
}

// kernelCounter counts a server's system calls; only Linux's perf can.
type kernelCounter struct{}

func startKernelCounter(int) (*kernelCounter, error) {
	return nil, errors.New("system calls are counted with Linux's perf only")
}

func (*kernelCounter) enable() error                 { return nil }
func (*kernelCounter) disable() error                { return nil }
func (*kernelCounter) finish() (syscallCount, error) { return syscallCount{}, nil }
func (*kernelCounter) close()                        {}
