package report

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/reactorbench/reactorbench/internal/testenv"
)

var screenshot = flag.String("screenshot", "", "also write the browser test's full-page screenshot to this PNG file")

// TestBrowser opens the report of the full test run, compared with a
// baseline from another machine, in headless Chromium from the file
// system: every image must decode, the console must stay free of errors,
// and the other-machine warning must be visible.
func TestBrowser(t *testing.T) {
	chromium, err := testenv.Chromium()
	testenv.Require(t, "Chromium", testenv.ChromiumHint, err)
	dir, _ := generate(t, "testdata/full", "testdata/other")
	index, err := filepath.Abs(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	profile, err := os.MkdirTemp("", "reactorbench-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's children may still write into the profile for a
		// moment after the browser exits.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1200, 900),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	var mu sync.Mutex
	var problems []string
	note := func(s string) {
		mu.Lock()
		problems = append(problems, s)
		mu.Unlock()
	}
	if err := chromedp.Listen(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				note(fmt.Sprintf("console.error: %v", argValues(ev.Args)))
			}
		case *runtime.EventExceptionThrown:
			note("exception: " + (&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				note(fmt.Sprintf("log error (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		}
	}); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	if _, err := chromedp.Call(bctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("Log.enable: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+index)); err != nil {
		t.Fatalf("loading %s: %v", index, err)
	}

	type img struct {
		Alt   string `json:"alt"`
		Width int    `json:"width"`
	}
	imgs, err := chromedp.Run(bctx, chromedp.Evaluate[[]img](`Promise.all(Array.from(document.images).map(
		i => i.decode().then(() => ({alt: i.alt, width: i.naturalWidth}), () => ({alt: i.alt, width: 0}))))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("reading images: %v", err)
	}
	if want := len(figures(mustLoad(t, "testdata/full"))); len(imgs) != want {
		t.Errorf("%d images on the page, want %d", len(imgs), want)
	}
	for _, im := range imgs {
		if im.Width <= 0 {
			t.Errorf("image %q did not decode (naturalWidth %d)", im.Alt, im.Width)
		}
	}
	visible, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(() => { const w = document.getElementById("machine-warning"); return !!w && w.offsetHeight > 0; })()`))
	if err != nil || !visible {
		t.Errorf("the other-machine warning is not visible (err %v)", err)
	}

	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.TempDir(), "report.png")
	if *screenshot != "" {
		path = *screenshot
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}

func argValues(args []*runtime.RemoteObject) []string {
	var out []string
	for _, a := range args {
		if a.Value != nil {
			out = append(out, string(a.Value))
		} else {
			out = append(out, a.Description)
		}
	}
	return out
}
