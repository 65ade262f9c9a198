// Package peerenv finds the runtimes of the peers the suite compares the
// reactor against (Twisted's python3, Node.js, Chromium for the report's
// browser check) and says how to install each. It is what the command
// needs at run time; internal/testenv builds the tests' skip-or-fail rule
// on it.
package peerenv

import "os/exec"

// Python3Twisted returns the python3 the suite runs Twisted with: the
// first python3 on PATH if it can import twisted, else /usr/bin/python3 if
// that can (Debian's python3-twisted), else an error.
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

// How to install each runtime.
const (
	TwistedHint  = "apt-get install python3-twisted"
	NodeHint     = "apt-get install nodejs"
	ChromiumHint = "apt-get install chromium"
)
