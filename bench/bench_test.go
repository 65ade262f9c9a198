package bench

import (
	"flag"

	"github.com/reactorbench/reactorbench/reactors"
)

// reactorFlag is the test binary's -reactor flag:
// go test ./bench -bench . -args -reactor=epoll,poll
var reactorFlag reactors.NamesFlag

func init() {
	flag.Var(&reactorFlag, "reactor", "backends to benchmark: all, default or NAME,... (default all)")
}

// benchReactors returns the backends named by -reactor, or every registered
// backend when the flag is unset.
func benchReactors() []string {
	if len(reactorFlag.Names) > 0 {
		return reactorFlag.Names
	}
	return reactors.Names()
}
