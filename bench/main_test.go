package bench

import (
	"os"
	"testing"

	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// TestMain lets the test binary serve as the suite's server and load
// generator children, which re-execute it, and as the system call maker
// of the kernel counter's test.
func TestMain(m *testing.M) {
	maybeSyscallChild()
	MaybeChild()
	os.Exit(m.Run())
}
