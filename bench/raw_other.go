//go:build !linux

package bench

// rawFloors is empty here: the bare-loop floors are written for Linux's
// epoll, poll and select only.
var rawFloors = map[string]func() (rawPoller, error){}
