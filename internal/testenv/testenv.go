// Package testenv decides what a test does when a peer runtime it needs
// (Twisted, Node.js, Chromium) is missing: skip with the reason on a user's
// machine, fail when REACTORBENCH_REQUIRE_ALL=1 (as in CI).
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireAll reports whether missing runtimes fail tests instead of skipping.
func RequireAll() bool { return os.Getenv("REACTORBENCH_REQUIRE_ALL") == "1" }

// Require skips (or, under RequireAll, fails) t when err is non-nil,
// naming what is missing and how to install it.
func Require(t testing.TB, what, hint string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if RequireAll() {
		t.Fatalf("%s is required (REACTORBENCH_REQUIRE_ALL=1) but unavailable: %v; install: %s", what, err, hint)
	}
	t.Skipf("%s unavailable: %v; install: %s", what, err, hint)
}

// Python3Twisted returns the python3 that can import twisted, or an error.
func Python3Twisted() (string, error) {
	py, err := exec.LookPath("python3")
	if err == nil && exec.Command(py, "-c", "import twisted").Run() == nil {
		return py, nil
	}
	if exec.Command("/usr/bin/python3", "-c", "import twisted").Run() == nil {
		return "/usr/bin/python3", nil
	}
	return "", exec.ErrNotFound
}

// Node returns the node executable, or an error.
func Node() (string, error) { return exec.LookPath("node") }

// Chromium returns a Chromium or Chrome executable, or an error.
func Chromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// Twisted hint, Node hint and Chromium hint for Require.
const (
	TwistedHint  = "apt-get install python3-twisted"
	NodeHint     = "apt-get install nodejs"
	ChromiumHint = "apt-get install chromium"
)
