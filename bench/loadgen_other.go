//go:build !linux

package bench

import (
	"fmt"
	"io"
	"runtime"
)

// errNoLoadGen is why there is no load generator here: it is built on
// epoll, timerfd and IP_BIND_ADDRESS_NO_PORT.
var errNoLoadGen = fmt.Errorf("load generator: not supported on %s (Linux only)", runtime.GOOS)

// RunLoad fails here; see errNoLoadGen.
func RunLoad(LoadConfig) (*LoadResult, error) { return nil, errNoLoadGen }

// loadChild fails here; see errNoLoadGen.
func loadChild(io.Reader, io.Writer) error { return errNoLoadGen }
