//go:build !linux

package loadgen

import (
	"fmt"
	"runtime"
)

// ErrUnsupported is why there is no load generator here: it is built on
// epoll, timerfd and IP_BIND_ADDRESS_NO_PORT.
var ErrUnsupported = fmt.Errorf("load generator: not supported on %s (Linux only)", runtime.GOOS)

// Run fails here with ErrUnsupported.
func Run(Config) (*Result, error) { return nil, ErrUnsupported }
