package report

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/bench/results"
)

// TestProfileLinksOnlyExisting checks that the report links the profiles
// that exist for its results and nothing else: not a profile of another
// implementation, an empty file, a directory, or a name a hostile result
// would make.
func TestProfileLinksOnlyExisting(t *testing.T) {
	root := t.TempDir()
	dir, out := filepath.Join(root, "prof"), filepath.Join(root, "out")
	for _, d := range []string{dir, out, filepath.Join(dir, "echo-node-c100.pprof")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("echo-epoll-c100.pprof", "p")
	write("echo-epoll-c100.svg", "<svg/>")
	write("echo-gonet-c100.pprof", "p")
	write("echo-netpoll-c100.pprof", "p") // no result for netpoll
	write("echo-poll-c100.pprof", "")     // empty: the server died before writing
	if err := os.WriteFile(filepath.Join(root, "x-c1.pprof"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	c100 := map[string]string{"conns": "100", "size": "64"}
	f := &results.File{Version: 1}
	for _, impl := range []string{"epoll", "gonet", "node", "poll"} {
		f.Results = append(f.Results, res("echo", impl, c100, map[string][]float64{results.ServerCPUNsPerRT: {1}}))
	}
	f.Results = append(f.Results,
		res("echo", "epoll", map[string]string{"conns": "100", "size": "1024"}, map[string][]float64{results.ServerCPUNsPerRT: {1}}),
		res("..", "x", map[string]string{"conns": "1"}, nil),
		res("echo", "../x", map[string]string{"conns": "1"}, nil),
		res("echo", "epoll", map[string]string{"conns": "../100"}, nil))
	v := profileLinks(f, dir, out)
	var got []string
	for _, r := range v.Rows {
		got = append(got, r.PProf+" "+r.SVG)
	}
	want := []string{"../prof/echo-epoll-c100.pprof ../prof/echo-epoll-c100.svg", "../prof/echo-gonet-c100.pprof "}
	if !slices.Equal(got, want) || !v.NoSVG {
		t.Fatalf("links %q (no SVG %v), want %q", got, v.NoSVG, want)
	}
	if profileLinks(f, "", out) != nil {
		t.Error("profiles linked without a profile directory")
	}

	// The page: both links, the reason one lacks an SVG, nothing else.
	in := filepath.Join(root, "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, "testdata/full/results.json", filepath.Join(in, "results.json"))
	write("echo-epoll-c1000.pprof", "p")
	write("echo-epoll-c1000.svg", "<svg/>")
	write("echo-twisted-epoll-c1000.pprof", "p")
	if _, err := Render(Options{In: in, Out: out, Gate: DefaultGate, Profiles: dir}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{`href="../prof/echo-epoll-c1000.pprof"`, `href="../prof/echo-epoll-c1000.svg"`, `href="../prof/echo-twisted-epoll-c1000.pprof"`, "needs graphviz"} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	links := regexp.MustCompile(`href="([^"]*\.pprof)"`).FindAllStringSubmatch(s, -1)
	var hrefs []string
	for _, l := range links {
		hrefs = append(hrefs, l[1])
	}
	wantHrefs := []string{"../prof/echo-epoll-c100.pprof", "../prof/echo-gonet-c100.pprof", "../prof/echo-netpoll-c100.pprof", "../prof/echo-epoll-c1000.pprof", "../prof/echo-twisted-epoll-c1000.pprof"}
	if !slices.Equal(hrefs, wantHrefs) {
		t.Errorf("page links %q, want %q", hrefs, wantHrefs)
	}
	if strings.Contains(s, "x-c1") || strings.Contains(s, "echo-twisted-epoll-c1000.svg") {
		t.Error("page links a file that is not a profile of its results")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
