//go:build unix

package all_test

import (
	"testing"

	"github.com/reactorbench/reactorbench/reactors"
	_ "github.com/reactorbench/reactorbench/reactors/all"
	"github.com/reactorbench/reactorbench/reactors/reactortest"
)

// TestConformance runs the suite for every registered backend and for
// "default", through the registry as the loop and the command use it.
func TestConformance(t *testing.T) {
	names := append(reactors.Names(), reactors.DefaultName)
	if len(names) == 1 {
		t.Fatal("no backend registered on this system")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			if err := reactors.Available(name); err != nil {
				t.Skip(err) // a kernel without it, or one that forbids it
			}
			reactortest.Run(t, func() (reactors.Poller, error) { return reactors.Open(name) })
		})
	}
}
