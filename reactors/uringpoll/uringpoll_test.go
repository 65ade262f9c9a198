//go:build linux && (amd64 || arm64)

package uringpoll

import (
	"testing"

	"github.com/reactorbench/reactorbench/reactors/reactortest"
)

func TestConformance(t *testing.T) { reactortest.Run(t, New) }

func BenchmarkWait(b *testing.B) { reactortest.BenchmarkWait(b, New) }

func BenchmarkWake(b *testing.B) { reactortest.BenchmarkWake(b, New) }
