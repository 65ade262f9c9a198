package core

import (
	"fmt"
	"testing"
)

// BenchmarkGroupEchoRoundTrip is BenchmarkEchoRoundTrip on a group of one
// and two loops: the same work per round trip, no allocation, whatever
// the count (its ratio to one loop is what a many-core host scales by).
func BenchmarkGroupEchoRoundTrip(b *testing.B) {
	for _, loops := range []int{1, 2} {
		for _, accept := range groupStrategies() {
			b.Run(fmt.Sprintf("loops=%d/accept=%s/conns=1000", loops, accept), func(b *testing.B) {
				g, err := OpenGroup(GroupConfig{Loops: loops, Accept: accept})
				if err != nil {
					b.Fatal(err)
				}
				p, err := g.ListenTCP("127.0.0.1:0", func(*Loop) Factory { return EchoFactory })
				if err != nil {
					b.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- g.Run() }()
				defer func() {
					_ = g.Stop()
					if err := <-done; err != nil {
						b.Error(err)
					}
					_ = g.Close()
				}()
				benchEcho(b, p.GetHost().String(), 1000)
			})
		}
	}
}
