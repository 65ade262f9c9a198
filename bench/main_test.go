package bench

import (
	"os"
	"testing"

	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// TestMain lets the test binary serve as the suite's server and load
// generator children, which re-execute it.
func TestMain(m *testing.M) {
	MaybeChild()
	os.Exit(m.Run())
}
