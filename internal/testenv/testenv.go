// Package testenv decides what a test does when a peer runtime it needs
// (Twisted, Node.js, Chromium) is missing: skip with the reason on a user's
// machine, fail when REACTORBENCH_REQUIRE_ALL=1 (as in CI). The runtimes
// themselves are found by package peerenv, which the command uses too,
// without linking package testing.
package testenv

import (
	"os"
	"testing"

	"github.com/reactorbench/reactorbench/internal/peerenv"
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

// The runtimes and their install hints, as package peerenv finds them,
// for tests to pass to Require.
var (
	Python3Twisted = peerenv.Python3Twisted
	Node           = peerenv.Node
	Chromium       = peerenv.Chromium
)

// Install hints for Require.
const (
	TwistedHint  = peerenv.TwistedHint
	NodeHint     = peerenv.NodeHint
	ChromiumHint = peerenv.ChromiumHint
)
