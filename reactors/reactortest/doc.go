// Package reactortest is the conformance suite every readiness backend
// passes, and the benchmark that compares them. Like nettest.TestConn, it is
// driven by a constructor:
//
//	func TestConformance(t *testing.T) { reactortest.Run(t, epoll.New) }
package reactortest
