//go:build !linux

package bench

import (
	"io"

	"github.com/reactorbench/reactorbench/bench/loadgen"
)

// loadChild fails here: the load generator is Linux only.
func loadChild(io.Reader, io.Writer) error { return loadgen.ErrUnsupported }
