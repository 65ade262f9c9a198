// Command reactorbench serves workloads on a chosen reactor backend, runs the
// benchmark suite against backends and peers, generates load, and renders the
// HTML report.
//
//	reactorbench list   [-peers]
//	reactorbench serve  -reactor NAME -workload echo|lines -addr HOST:PORT
//	reactorbench run    [-reactor all|NAME,...] [-peers all|none|NAME,...] [-quick] [-out DIR]
//	reactorbench load   -addr HOST:PORT -conns C -duration D -size B
//	reactorbench report -in DIR [-baseline DIR] -out DIR
//	reactorbench version
//	reactorbench help [COMMAND]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

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

// newFlagSet returns a subcommand's flag set; its usage (the usage text,
// then the flags) goes to stderr on -h.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs. When the command must stop there it
// returns false with the exit code: 0 after -h (the usage printed), 2 for a
// bad flag or value (one line naming it, and where the usage is, rather
// than the whole usage).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return 0, false
	}
	return usageError(out, fs.Name(), "%v", err), false
}

// usageError writes "reactorbench NAME: MESSAGE" and where to find NAME's
// usage to w, and returns 2, the exit code of bad usage.
func usageError(w io.Writer, name, format string, args ...any) int {
	fmt.Fprintf(w, "reactorbench %s: %s\nRun 'reactorbench help %s' for its flags.\n", name, fmt.Sprintf(format, args...), name)
	return 2
}

// failure writes "reactorbench NAME: MESSAGE" to w and returns 1, the exit
// code of a command that could not do its work.
func failure(w io.Writer, name, format string, args ...any) int {
	fmt.Fprintf(w, "reactorbench %s: %s\n", name, fmt.Sprintf(format, args...))
	return 1
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
	fmt.Fprintln(w, "\nRun 'reactorbench help COMMAND' for a command's flags.")
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
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "help":
		return help(args[1:], stdout, stderr)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "reactorbench: unknown command %q; run 'reactorbench help' for the commands\n", args[0])
		return 2
	}
	return cmd.run(args[1:], stdout, stderr)
}

// help is "reactorbench help [COMMAND]": the command list, or one
// command's usage and flags, on stdout.
func help(args []string, stdout, stderr io.Writer) int {
	switch len(args) {
	case 0:
		usage(stdout)
		return 0
	case 1:
		if cmd, ok := commands[args[0]]; ok {
			return cmd.run([]string{"-h"}, stdout, stdout)
		}
		fmt.Fprintf(stderr, "reactorbench help: unknown command %q; run 'reactorbench help' for the commands\n", args[0])
		return 2
	}
	fmt.Fprintln(stderr, "reactorbench help: give at most one command")
	return 2
}

// plain is err's message without the "core: " prefixes its chain repeats
// ("core: cannot listen on X: core: bad TCP address"): the command's own
// "reactorbench NAME: " prefix says where it failed.
func plain(err error) string { return strings.ReplaceAll(err.Error(), "core: ", "") }
