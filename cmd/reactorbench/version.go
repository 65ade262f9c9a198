package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

func init() {
	register("version", "print the module version, the commit it was built from and the Go version", runVersion)
}

// runVersion is "reactorbench version".
func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "usage: reactorbench version\nPrints the module version, the commit it was built from and the Go version.", stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "version", "unexpected argument %q", fs.Arg(0))
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return failure(stderr, "version", "no build information in this binary")
	}
	fmt.Fprint(stdout, versionText(bi))
	return 0
}

// versionText renders bi: the main module and its version, the commit and
// its time from the vcs settings (marked "+dirty" for a modified tree), and
// the Go version.
func versionText(bi *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	commit := settings["vcs.revision"]
	switch {
	case commit == "":
		commit = "unknown (no version control stamp: go run, go test, -buildvcs=false and git worktrees leave it out)"
	case settings["vcs.modified"] == "true":
		commit += "+dirty"
	}
	if t := settings["vcs.time"]; t != "" && !strings.HasPrefix(commit, "unknown") {
		commit += " (" + t + ")"
	}
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "reactorbench %s %s\n", bi.Main.Path, version)
	fmt.Fprintf(&b, "commit       %s\n", commit)
	fmt.Fprintf(&b, "go           %s\n", bi.GoVersion)
	return b.String()
}
