// Package peers holds the scripts of the suite's non-Go peers (Node.js and
// Twisted servers and shapes), embedded so the binary runs them anywhere.
package peers

import "embed"

// FS holds every *.js and *.py peer script.
//
//go:embed *.js *.py
var FS embed.FS

// Script returns the text of the named script, e.g. "echo.js".
func Script(name string) (string, error) {
	b, err := FS.ReadFile(name)
	return string(b), err
}
