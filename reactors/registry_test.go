package reactors_test

import (
	"errors"
	"flag"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/reactors"
	_ "github.com/reactorbench/reactorbench/reactors/all"
)

// native lists the backends every supported system of each kind must offer.
func native(t *testing.T) []string {
	switch runtime.GOOS {
	case "linux":
		if runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" {
			return []string{"epoll", "poll", "select", "uring", "uring-poll"}
		}
		return []string{"epoll", "poll", "select"}
	case "darwin", "dragonfly", "freebsd", "netbsd", "openbsd":
		return []string{"kqueue", "poll", "select"}
	}
	t.Skipf("no backend expectations for %s", runtime.GOOS)
	return nil
}

func TestRegistryNames(t *testing.T) {
	want := native(t)
	names := reactors.Names()
	if !slices.IsSorted(names) {
		t.Errorf("Names() = %v, not sorted", names)
	}
	if !slices.Equal(names, want) {
		t.Errorf("Names() = %v, want %v", names, want)
	}
	for _, n := range names {
		info, err := reactors.Lookup(n)
		if err != nil || info.Name != n || info.Doc == "" || strings.Contains(info.Doc, "\n") {
			t.Errorf("Lookup(%q) = %+v, %v; want its Info with a one-line Doc", n, info, err)
		}
	}
}

func TestRegistryDefault(t *testing.T) {
	want := native(t)[0] // epoll on Linux, kqueue on the BSDs
	info, err := reactors.Lookup(reactors.DefaultName)
	if err != nil || info.Name != want {
		t.Fatalf("Lookup(default) = %q, %v; want %q", info.Name, err, want)
	}
	p, err := reactors.Open(reactors.DefaultName)
	if err != nil {
		t.Fatalf("Open(default): %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestRegistryOpenUnknown(t *testing.T) {
	p, err := reactors.Open("nope")
	if err == nil {
		p.Close()
		t.Fatal("Open(nope) succeeded")
	}
	for _, n := range append(reactors.Names(), "nope", reactors.DefaultName) {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("Open(nope) error %q does not mention %q", err, n)
		}
	}
}

func TestRegistryRegisterMisuse(t *testing.T) {
	open := func() (reactors.Poller, error) { return reactors.Open("poll") }
	for _, info := range []reactors.Info{
		{Name: "", New: open},
		{Name: reactors.DefaultName, New: open},
		{Name: "nonew"},
		{Name: "poll", New: open}, // already registered
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", info.Name)
				}
			}()
			reactors.Register(info)
		}()
	}
	if slices.Contains(reactors.Names(), "nonew") {
		t.Error("a refused registration was kept")
	}
}

// TestRegistryUnavailable: a backend this system cannot run is listed and
// found, but opening it is an error that says why (wrapping
// ErrUnavailable), never another backend in its place; "default" skips it.
func TestRegistryUnavailable(t *testing.T) {
	why := errors.New("kernel.io_uring_disabled=2")
	opened := false
	reactors.RegisterForTest(t, reactors.Info{
		Name:      "test-unavailable",
		Doc:       "never runs",
		New:       func() (reactors.Poller, error) { opened = true; return reactors.Open("poll") },
		Available: func() error { return why },
	})
	if !slices.Contains(reactors.Names(), "test-unavailable") {
		t.Error("an unavailable backend is not listed")
	}
	if _, err := reactors.Lookup("test-unavailable"); err != nil {
		t.Errorf("Lookup(unavailable) = %v; want its Info", err)
	}
	for _, err := range []error{reactors.Available("test-unavailable"), func() error {
		p, err := reactors.Open("test-unavailable")
		if err == nil {
			p.Close()
		}
		return err
	}()} {
		if !errors.Is(err, reactors.ErrUnavailable) || !errors.Is(err, why) || !strings.Contains(err.Error(), "test-unavailable") {
			t.Errorf("unavailable backend: %v; want ErrUnavailable naming it and the reason", err)
		}
	}
	if opened {
		t.Error("Open ran the constructor of an unavailable backend")
	}
	if err := reactors.Available(reactors.DefaultName); err != nil {
		t.Errorf("Available(default) = %v", err)
	}
	if err := reactors.Available("nope"); err == nil || errors.Is(err, reactors.ErrUnavailable) {
		t.Errorf("Available(nope) = %v; want an unknown-name error", err)
	}
}

func TestRegistryParseNames(t *testing.T) {
	all := reactors.Names()
	def, err := reactors.Lookup(reactors.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"all", all},
		{" all ", all},
		{"default", []string{def.Name}},
		{"poll", []string{"poll"}},
		{"select, poll,select", []string{"select", "poll"}},
		{"default," + def.Name, []string{def.Name}},
	} {
		got, err := reactors.ParseNames(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseNames(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", " ", "nope", "poll,nope", "poll,", ","} {
		_, err := reactors.ParseNames(in)
		if err == nil {
			t.Errorf("ParseNames(%q) succeeded", in)
			continue
		}
		for _, n := range append(all, "all", reactors.DefaultName) {
			if !strings.Contains(err.Error(), n) {
				t.Errorf("ParseNames(%q) error %q does not list %q", in, err, n)
			}
		}
	}
}

func TestRegistryNamesFlag(t *testing.T) {
	var nilFlag *reactors.NamesFlag
	if nilFlag.String() != "" {
		t.Error("String of a nil NamesFlag is not empty")
	}
	parse := func(args ...string) (*reactors.NamesFlag, error) {
		var f reactors.NamesFlag
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Var(&f, "reactor", "backends")
		return &f, fs.Parse(args)
	}
	f, err := parse("-reactor", "poll,select")
	if err != nil || !slices.Equal(f.Names, []string{"poll", "select"}) || f.String() != "poll,select" {
		t.Errorf("-reactor poll,select: %v, %v, %q", f.Names, err, f.String())
	}
	if f, err := parse(); err != nil || f.Names != nil {
		t.Errorf("no -reactor: %v, %v; want nil names for the caller's default", f.Names, err)
	}
	_, err = parse("-reactor", "bogus")
	if err == nil || !strings.Contains(err.Error(), "bogus") || !strings.Contains(err.Error(), "poll") {
		t.Errorf("-reactor bogus: %v; want an error naming it and the valid names", err)
	}
}

func TestEventsString(t *testing.T) {
	for ev, want := range map[reactors.Events]string{
		0:                 "-",
		reactors.Readable: "r",
		reactors.Writable: "w",
		reactors.Readable | reactors.Writable | reactors.Hangup:                  "rwh",
		reactors.Readable | reactors.Writable | reactors.Hangup | reactors.Error: "rwhe",
	} {
		if got := ev.String(); got != want {
			t.Errorf("Events(%d).String() = %q, want %q", ev, got, want)
		}
	}
}

func TestRegistryBackend(t *testing.T) {
	def, err := reactors.Lookup(reactors.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := reactors.Backend(reactors.DefaultName); err != nil || info.Name != def.Name {
		t.Errorf("Backend(default) = %v, %v; want %s", info.Name, err, def.Name)
	}
	_, errOne := reactors.Backend("bogus")
	_, errList := reactors.ParseNames("bogus")
	for _, err := range []error{errOne, errList} {
		if err == nil || !strings.HasPrefix(err.Error(), `unknown backend "bogus" (valid: `) || strings.Contains(err.Error(), "reactor") {
			t.Errorf("error %q: want the one wording, without a prefix", err)
		}
	}
	f, err := reactors.NewBackendFlag("bogus")
	if err == nil {
		t.Errorf("NewBackendFlag(bogus) = %v, no error", f.Info.Name)
	}
}
