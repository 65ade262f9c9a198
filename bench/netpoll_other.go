//go:build !(linux || darwin || freebsd)

package bench

import (
	"fmt"
	"io"
	"runtime"
)

// errNoNetpoll is why the netpoll peer cannot run here.
var errNoNetpoll = fmt.Errorf("cloudwego/netpoll does not build on %s", runtime.GOOS)

// netpollMissing reports errNoNetpoll, so the suite skips the peer.
func netpollMissing() (string, error) { return "", errNoNetpoll }

// serveNetpoll fails here; see errNoNetpoll.
func serveNetpoll(int, io.Reader, io.Writer) error { return errNoNetpoll }
