//go:build unix && !linux

package reactortest

import "errors"

// threadSignals reports whether interrupt can aim a signal at one thread.
const threadSignals = false

func gettid() int { return -1 }

func interrupt(int) error { return errors.New("no thread-directed signals on this system") }
