//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package kqueue

import (
	"testing"

	"github.com/reactorbench/reactorbench/reactors/reactortest"
)

func TestConformance(t *testing.T) { reactortest.Run(t, New) }

func BenchmarkWait(b *testing.B) { reactortest.BenchmarkWait(b, New) }

func BenchmarkWake(b *testing.B) { reactortest.BenchmarkWake(b, New) }
