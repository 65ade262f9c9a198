//go:build linux || darwin || freebsd

package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cloudwego/netpoll"
)

// netpollMissing is nil: cloudwego/netpoll builds here.
var netpollMissing func() (string, error)

// serveNetpoll is cloudwego/netpoll's event loop on loops pollers (its
// default, one per 20 cores, would halve its throughput); the handler
// copies the bytes it read into the write buffer, as the other servers do.
func serveNetpoll(loops int, in io.Reader, out io.Writer) error {
	// Configure is documented for init, but its poller count applies to
	// any poller not yet started, and this child has none yet.
	if err := netpoll.Configure(netpoll.Config{PollerNum: loops}); err != nil {
		return err
	}
	ln, err := netpoll.CreateListener("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	evl, err := netpoll.NewEventLoop(func(_ context.Context, c netpoll.Connection) error {
		r, w := c.Reader(), c.Writer()
		b, err := r.Next(r.Len())
		if err != nil {
			return err
		}
		dst, err := w.Malloc(len(b))
		if err != nil {
			return err
		}
		copy(dst, b)
		if err := r.Release(); err != nil {
			return err
		}
		return w.Flush()
	})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, "%s%s\n", addrPrefix, ln.Addr()); err != nil {
		return err
	}
	go func() {
		_, _ = io.Copy(io.Discard, in)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = evl.Shutdown(ctx)
	}()
	return evl.Serve(ln)
}
