// Command reactorbench serves workloads on a chosen reactor backend, runs the
// benchmark suite against backends and peers, generates load, and renders the
// HTML report.
//
//	reactorbench list
//	reactorbench serve  -reactor NAME -workload echo|lines -addr HOST:PORT
//	reactorbench run    [-reactor all|NAME,...] [-peers all|none|NAME,...] [-quick] [-out DIR]
//	reactorbench load   -addr HOST:PORT -conns C -duration D -size B
//	reactorbench report -in DIR [-baseline DIR] -out DIR
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/reactorbench/reactorbench/bench"
)

// command is one subcommand: it parses its own flags from args and returns
// the process exit code (2 for bad usage).
type command struct {
	doc string
	run func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// register adds a subcommand; each lives in its own file.
func register(name, doc string, run func(args []string, stdout, stderr io.Writer) int) {
	commands[name] = command{doc: doc, run: run}
}

// newFlagSet returns a subcommand's flag set; errors and its usage (the
// usage text, then the flags) go to stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs. When the command must stop there it
// returns false with the exit code: 0 after -h, 2 for a bad flag.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: reactorbench COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-7s %s\n", n, commands[n].doc)
	}
	fmt.Fprintln(w, "\nRun 'reactorbench COMMAND -h' for a command's flags.")
}

func main() {
	bench.MaybeChild()
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// dispatch runs the subcommand named by args[0].
func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "reactorbench: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(args[1:], stdout, stderr)
}
