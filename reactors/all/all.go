// Package all registers every readiness backend this system supports.
// Import it for its side effect:
//
//	import _ "github.com/reactorbench/reactorbench/reactors/all"
package all

import (
	// Each backend registers itself in init; on a system it does not
	// support, its package is empty.
	_ "github.com/reactorbench/reactorbench/reactors/epoll"
	_ "github.com/reactorbench/reactorbench/reactors/kqueue"
	_ "github.com/reactorbench/reactorbench/reactors/poll"
	_ "github.com/reactorbench/reactorbench/reactors/select"
	_ "github.com/reactorbench/reactorbench/reactors/uringpoll"
)
