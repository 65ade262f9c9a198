package protocols

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/coretest"
)

// lineTester is Twisted's LineTester from test_basic.py: an empty line
// switches to raw mode for the length given by a "len N" line, "pause" and
// "rawpause" pause, "stop" stops, and an over-long line is re-parsed from
// MaxLength+1 on.
type lineTester struct {
	r        *LineReceiver
	t        *coretest.StringTransport
	received []string
	length   int
	exceeded [][]byte
}

func newLineTester() *lineTester {
	lt := &lineTester{t: coretest.NewStringTransport()}
	lt.r = NewLineReceiver(lt)
	lt.r.Delimiter = []byte("\n")
	lt.r.MaxLength = 64
	lt.r.ConnectionMade(lt.t)
	return lt
}

func (lt *lineTester) LineReceived(line []byte) {
	s := string(line)
	lt.received = append(lt.received, s)
	switch {
	case s == "":
		_ = lt.r.SetRawMode()
	case s == "pause":
		lt.r.PauseProducing()
	case s == "rawpause":
		lt.r.PauseProducing()
		_ = lt.r.SetRawMode()
		lt.received = append(lt.received, "")
	case s == "stop":
		lt.r.StopProducing()
	case strings.HasPrefix(s, "len "):
		n, _ := strconv.Atoi(s[4:])
		lt.length = max(0, n)
	}
}

func (lt *lineTester) RawDataReceived(data []byte) {
	n := min(lt.length, len(data))
	lt.length -= n
	lt.received[len(lt.received)-1] += string(data[:n])
	if lt.length == 0 {
		lt.r.SetLineMode(data[n:])
	}
}

func (lt *lineTester) LineLengthExceeded(line []byte) {
	lt.exceeded = append(lt.exceeded, slices.Clone(line))
	if len(line) > lt.r.MaxLength+1 {
		lt.r.SetLineMode(line[lt.r.MaxLength+1:])
	}
}

// feedSplit feeds data in chunks of n bytes.
func feedSplit(p core.Protocol, data []byte, n int) {
	for len(data) > n {
		p.DataReceived(data[:n])
		data = data[n:]
	}
	p.DataReceived(data)
}

const lineTesterInput = "len 10\n\n0123456789len 5\n\n1234\nlen 20\nfoo 123\n\n0123456789\n012345678len 0\nfoo 5\n\n" +
	"1234567890123456789012345678901234567890123456789012345678901234567890\nlen 1\n\na"

var lineTesterOutput = []string{
	"len 10", "0123456789", "len 5", "1234\n", "len 20", "foo 123", "0123456789\n012345678",
	"len 0", "foo 5", "", "67890", "len 1", "a",
}

// G112, G116: lines and raw data come out the same for every chunk size, and
// a mode switch inside a handler takes effect on the rest of the buffer.
func TestLineReceiverBufferAnySplit(t *testing.T) {
	for n := 1; n <= len(lineTesterInput); n++ {
		lt := newLineTester()
		feedSplit(lt.r, []byte(lineTesterInput), n)
		if !slices.Equal(lt.received, lineTesterOutput) {
			t.Fatalf("chunks of %d: got %q, want %q", n, lt.received, lineTesterOutput)
		}
	}
}

// lineRec records what a receiver delivers; onLine, if set, runs after each
// line is recorded.
type lineRec struct {
	lines    []string
	exceeded []string
	raw      []string
	onLine   func(line []byte)
}

func (h *lineRec) LineReceived(line []byte) {
	h.lines = append(h.lines, string(line))
	if h.onLine != nil {
		h.onLine(line)
	}
}

func (h *lineRec) LineLengthExceeded(line []byte) { h.exceeded = append(h.exceeded, string(line)) }

func (h *lineRec) RawDataReceived(data []byte) { h.raw = append(h.raw, string(data)) }

// plainRec has only LineReceived, so the receivers' defaults apply.
type plainRec struct{ lines []string }

func (h *plainRec) LineReceived(line []byte) { h.lines = append(h.lines, string(line)) }

func newLR(h LineHandler, maxLen int) (*LineReceiver, *coretest.StringTransport) {
	r := NewLineReceiver(h)
	r.MaxLength = maxLen
	tr := coretest.NewStringTransport()
	r.ConnectionMade(tr)
	return r, tr
}

// G112: the defaults are "\r\n" and 16384; empty lines arrive as empty.
func TestLineReceiverDefaults(t *testing.T) {
	h := &plainRec{}
	r, tr := newLR(h, 0)
	if !bytes.Equal(r.delimiter(), []byte("\r\n")) || r.maxLength() != 16384 {
		t.Fatalf("defaults: %q %d", r.delimiter(), r.maxLength())
	}
	r.DataReceived([]byte("a\r\n\r\nb\nc\r\n"))
	if want := []string{"a", "", "b\nc"}; !slices.Equal(h.lines, want) {
		t.Fatalf("got %q, want %q", h.lines, want)
	}
	r.SendLine([]byte("hi"))
	if got := string(tr.Value()); got != "hi\r\n" {
		t.Fatalf("SendLine wrote %q", got)
	}
}

// G113: a line of exactly MaxLength is accepted, however it is split.
func TestLineReceiverExactlyMaxLength(t *testing.T) {
	in := []byte("xxxx\r\nyyyy\r\n")
	for n := 1; n <= len(in); n++ {
		h := &lineRec{}
		r, tr := newLR(h, 4)
		feedSplit(r, in, n)
		if !slices.Equal(h.lines, []string{"xxxx", "yyyy"}) || len(h.exceeded) != 0 || tr.Disconnecting() {
			t.Fatalf("chunks of %d: lines %q exceeded %q", n, h.lines, h.exceeded)
		}
	}
}

// G113: an over-long delimited line disconnects by default.
func TestLineReceiverMaximumLineLength(t *testing.T) {
	h := &plainRec{}
	r, tr := newLR(h, 0)
	r.DataReceived([]byte(strings.Repeat("x", DefaultMaxLineLength+1) + "\r\nr"))
	if !tr.Disconnecting() || len(h.lines) != 0 {
		t.Fatalf("disconnecting %v, lines %d", tr.Disconnecting(), len(h.lines))
	}
}

// G113: LineLengthExceeded gets the line, its delimiter and the rest, and
// the buffer is cleared.
func TestLineReceiverLongLineWithDelimiter(t *testing.T) {
	h := &lineRec{}
	r, _ := newLR(h, 3)
	excessive := strings.Repeat("x", 3*2+2)
	r.DataReceived([]byte(excessive + "\r\n" + excessive))
	if want := []string{excessive + "\r\n" + excessive}; !slices.Equal(h.exceeded, want) {
		t.Fatalf("exceeded %q, want %q", h.exceeded, want)
	}
	if r.in.buffered() != 0 {
		t.Fatalf("buffer not cleared: %d bytes", r.in.buffered())
	}
	r.DataReceived([]byte("ab\r\n"))
	if !slices.Equal(h.lines, []string{"ab"}) {
		t.Fatalf("after clearing: %q", h.lines)
	}
}

// G113: several over-long lines in one chunk are reported once, together.
func TestLineReceiverMultipleLongLines(t *testing.T) {
	h := &lineRec{}
	r, _ := newLR(h, 3)
	excessive := strings.Repeat("x", 8) + "\r\n"
	r.DataReceived([]byte(excessive + excessive))
	if want := []string{excessive + excessive}; !slices.Equal(h.exceeded, want) {
		t.Fatalf("exceeded %q, want %q", h.exceeded, want)
	}
}

// G114: an undelimited buffer triggers only at MaxLength+len(delimiter), so
// a partial delimiter at the edge is no false alarm.
func TestLineReceiverUnfinishedLines(t *testing.T) {
	h := &plainRec{}
	r, tr := newLR(h, 4)
	r.DataReceived([]byte("xxx"))
	r.DataReceived([]byte("\r"))
	if tr.Disconnecting() {
		t.Fatal("partial delimiter after a short line disconnected")
	}
	r2, tr2 := newLR(&plainRec{}, 0)
	r2.DataReceived([]byte(strings.Repeat("x", DefaultMaxLineLength) + "\r"))
	if tr2.Disconnecting() {
		t.Fatal("MaxLength bytes and a partial delimiter disconnected")
	}
	r3, tr3 := newLR(&plainRec{}, 0)
	r3.DataReceived([]byte(strings.Repeat("x", DefaultMaxLineLength+2)))
	if !tr3.Disconnecting() {
		t.Fatal("MaxLength+len(delimiter) undelimited bytes did not disconnect")
	}
}

// G114: the undelimited bytes all go to LineLengthExceeded, also after a
// short line.
func TestLineReceiverLongUnendedLine(t *testing.T) {
	h := &lineRec{}
	r, _ := newLR(h, 3)
	excessive := strings.Repeat("x", 3*2+2)
	r.DataReceived([]byte(excessive))
	r.DataReceived([]byte("x\r\n" + excessive))
	if want := []string{excessive, excessive}; !slices.Equal(h.exceeded, want) {
		t.Fatalf("exceeded %q, want %q", h.exceeded, want)
	}
	if want := []string{"x"}; !slices.Equal(h.lines, want) {
		t.Fatalf("lines %q, want %q", h.lines, want)
	}
}

// G115: once a handler makes the transport disconnect, no later line is
// delivered, in this chunk or the next, and the buffer is dropped.
func TestLineReceiverStopsWhenDisconnecting(t *testing.T) {
	in := []byte("twiddle1\r\ntwiddle2\r\nstop\r\nmore\r\nstuff\r\n")
	for n := 1; n <= len(in); n++ {
		h := &lineRec{}
		r, tr := newLR(h, 0)
		h.onLine = func(line []byte) {
			if string(line) == "stop" {
				tr.LoseConnection()
			}
		}
		feedSplit(r, in, n)
		if want := []string{"twiddle1", "twiddle2", "stop"}; !slices.Equal(h.lines, want) {
			t.Fatalf("chunks of %d: %q, want %q", n, h.lines, want)
		}
		if r.in.buffered() != 0 {
			t.Fatalf("chunks of %d: %d bytes kept after disconnect", n, r.in.buffered())
		}
	}
}

// G116: StopProducing inside a handler stops delivery (Twisted's
// test_stopProducing).
func TestLineReceiverStopProducing(t *testing.T) {
	in := []byte("twiddle1\ntwiddle2\nstop\nmore\nstuff\n")
	for n := 1; n <= len(in); n++ {
		lt := newLineTester()
		feedSplit(lt.r, in, n)
		if want := []string{"twiddle1", "twiddle2", "stop"}; !slices.Equal(lt.received, want) {
			t.Fatalf("chunks of %d: %q", n, lt.received)
		}
		if lt.t.ProducerState() != coretest.Stopped {
			t.Fatalf("transport state %v", lt.t.ProducerState())
		}
	}
}

// flipper is Twisted's FlippingLineTester: it flips to raw mode after each
// line and back after one raw byte.
type flipper struct {
	r     *LineReceiver
	lines []byte
}

func (f *flipper) LineReceived(line []byte) {
	f.lines = append(f.lines, line...)
	_ = f.r.SetRawMode()
}

func (f *flipper) RawDataReceived(data []byte) { f.r.SetLineMode(data[1:]) }

// G116: flipping modes thousands of times on one chunk does not recurse.
func TestLineReceiverStackRecursion(t *testing.T) {
	const flips = 5000
	f := &flipper{}
	f.r = NewLineReceiver(f)
	f.r.Delimiter = []byte("\n")
	f.r.ConnectionMade(coretest.NewStringTransport())
	f.r.DataReceived(bytes.Repeat([]byte("x\nx"), flips))
	if got := string(f.lines); got != strings.Repeat("x", flips) {
		t.Fatalf("got %d bytes of lines, want %d", len(got), flips)
	}
}

// G116: SetRawMode needs a raw handler; raw data after a mode switch inside
// LineReceived arrives in the same DataReceived call.
func TestLineReceiverRawMode(t *testing.T) {
	p := &plainRec{}
	if err := NewLineReceiver(p).SetRawMode(); !errors.Is(err, ErrNoRawHandler) {
		t.Fatalf("SetRawMode without raw handler: %v", err)
	}
	h := &lineRec{}
	r, _ := newLR(h, 0)
	h.onLine = func([]byte) { _ = r.SetRawMode() }
	r.DataReceived([]byte("head\r\nbody\r\nmore"))
	if got := strings.Join(h.raw, ""); got != "body\r\nmore" || !slices.Equal(h.lines, []string{"head"}) {
		t.Fatalf("lines %q raw %q", h.lines, h.raw)
	}
	h.onLine = nil
	r.SetLineMode([]byte("x\r\ny"))
	r.DataReceived([]byte("z\r\n"))
	if want := []string{"head", "x", "yz"}; !slices.Equal(h.lines, want) {
		t.Fatalf("after SetLineMode: %q, want %q", h.lines, want)
	}
}

// G117: DataReceived from inside LineReceived only appends; the outer call
// handles those bytes after the ones it already had.
func TestLineReceiverReentrantDataReceived(t *testing.T) {
	cases := []struct {
		chunks []string
		want   []string
	}{
		{[]string{"a\r\nb\r\n", "\r\n"}, []string{"a", "b", "c", "d"}},
		{[]string{"a\r\nb", "\r\n"}, []string{"a", "bc", "d"}},
	}
	for _, c := range cases {
		h := &lineRec{}
		r, _ := newLR(h, 0)
		h.onLine = func(line []byte) {
			if string(line) == "a" {
				r.DataReceived([]byte("c\r\nd"))
				if len(h.lines) != 1 {
					t.Fatal("re-entrant DataReceived delivered at once")
				}
			}
		}
		for _, chunk := range c.chunks {
			r.DataReceived([]byte(chunk))
		}
		if !slices.Equal(h.lines, c.want) {
			t.Fatalf("%q: %q, want %q", c.chunks, h.lines, c.want)
		}
	}
}

// G118: pausing stops delivery and the transport's reads; resuming delivers
// what was buffered, in line and in raw mode.
func TestLineReceiverPausing(t *testing.T) {
	cases := []struct{ in, before, after []string }{
		{[]string{"twiddle1\ntwiddle2\npause\ntwiddle3\n"},
			[]string{"twiddle1", "twiddle2", "pause"},
			[]string{"twiddle1", "twiddle2", "pause", "twiddle3"}},
		{[]string{"twiddle1\ntwiddle2\nlen 5\nrawpause\n12345twiddle3\n"},
			[]string{"twiddle1", "twiddle2", "len 5", "rawpause", ""},
			[]string{"twiddle1", "twiddle2", "len 5", "rawpause", "12345", "twiddle3"}},
	}
	for _, c := range cases {
		in := []byte(c.in[0])
		for n := 1; n <= len(in); n++ {
			lt := newLineTester()
			feedSplit(lt.r, in, n)
			if !slices.Equal(lt.received, c.before) || lt.t.ProducerState() != coretest.Paused {
				t.Fatalf("chunks of %d paused: %q (transport %v)", n, lt.received, lt.t.ProducerState())
			}
			lt.r.ResumeProducing()
			if !slices.Equal(lt.received, c.after) || lt.t.ProducerState() != coretest.Producing {
				t.Fatalf("chunks of %d resumed: %q", n, lt.received)
			}
		}
	}
}

// G118: ClearLineBuffer returns and drops the rest, even inside LineReceived.
func TestLineReceiverClearLineBuffer(t *testing.T) {
	h := &lineRec{}
	r, _ := newLR(h, 0)
	var rest []byte
	h.onLine = func([]byte) { rest = r.ClearLineBuffer() }
	r.DataReceived([]byte("foo\r\nbar\r\nbaz"))
	if !slices.Equal(h.lines, []string{"foo"}) || string(rest) != "bar\r\nbaz" {
		t.Fatalf("lines %q rest %q", h.lines, rest)
	}
	r.DataReceived([]byte("quux\r\n"))
	if !slices.Equal(h.lines, []string{"foo", "quux"}) || len(rest) != 0 {
		t.Fatalf("lines %q rest %q", h.lines, rest)
	}
	h.onLine = nil
	r.DataReceived([]byte("partial"))
	if got := string(r.ClearLineBuffer()); got != "partial" {
		t.Fatalf("outside a handler: %q", got)
	}
}

// A LineReceiver registered as a pull producer keeps delivering (Twisted's
// test_lineReceiverAsProducer).
func TestLineReceiverAsProducer(t *testing.T) {
	h := &lineRec{}
	r, tr := newLR(h, 0)
	h.onLine = func(line []byte) {
		switch string(line) {
		case "produce":
			if err := tr.RegisterProducer(r, false); err != nil {
				t.Fatal(err)
			}
			r.ResumeProducing()
		case "unproduce":
			tr.UnregisterProducer()
		}
	}
	r.DataReceived([]byte("produce\r\nhello world\r\nunproduce\r\ngoodbye\r\n"))
	if want := []string{"produce", "hello world", "unproduce", "goodbye"}; !slices.Equal(h.lines, want) {
		t.Fatalf("%q, want %q", h.lines, want)
	}
}

// handlerHooks records the optional ConnectionMade/ConnectionLost hooks.
type handlerHooks struct {
	plainRec
	made int
	lost []error
}

func (h *handlerHooks) ConnectionMade()             { h.made++ }
func (h *handlerHooks) ConnectionLost(reason error) { h.lost = append(h.lost, reason) }

// ConnectionMade and ConnectionLost reach a handler that wants them, once.
func TestReceiversPassConnectionEvents(t *testing.T) {
	protos := []struct {
		name string
		mk   func(h *handlerHooks) core.Protocol
	}{
		{"LineReceiver", func(h *handlerHooks) core.Protocol { return NewLineReceiver(h) }},
		{"LineOnlyReceiver", func(h *handlerHooks) core.Protocol { return NewLineOnlyReceiver(h) }},
	}
	for _, c := range protos {
		h := &handlerHooks{}
		p := c.mk(h)
		p.ConnectionMade(coretest.NewStringTransport())
		p.ConnectionLost(core.ErrConnectionDone)
		p.ConnectionLost(core.ErrConnectionDone)
		if h.made != 1 || len(h.lost) != 1 || !errors.Is(h.lost[0], core.ErrConnectionDone) {
			t.Fatalf("%s: made %d lost %v", c.name, h.made, h.lost)
		}
	}
}

// An embedded LineReceiver whose outer type is also its handler does not
// recurse through the promoted ConnectionLost.
func TestLineReceiverEmbeddedHandler(t *testing.T) {
	e := new(lineEcho)
	e.Handler = e
	tr := coretest.NewStringTransport()
	e.LineReceiver.ConnectionMade(tr)
	e.LineReceiver.DataReceived([]byte("one\r\ntwo\r\n"))
	e.LineReceiver.ConnectionLost(core.ErrConnectionDone)
	if got := string(tr.Value()); got != "one\r\ntwo\r\n" {
		t.Fatalf("echoed %q", got)
	}
	if p, streaming := tr.Producer(); p != &e.LineReceiver || !streaming {
		t.Fatalf("producer %v streaming %v", p, streaming)
	}
}

// G119: SendLine writes the line and the delimiter; LineOnlyReceiver gives
// the same lines whatever the split.
func TestLineOnlyReceiverBuffer(t *testing.T) {
	in := "foo\nbleakness\ndesolation\nplastic forks\n"
	for n := 1; n <= len(in); n++ {
		h := &plainRec{}
		r := NewLineOnlyReceiver(h)
		r.Delimiter = []byte("\n")
		r.MaxLength = 64
		tr := coretest.NewStringTransport()
		r.ConnectionMade(tr)
		feedSplit(r, []byte(in), n)
		if want := strings.Split(in, "\n"); !slices.Equal(h.lines, want[:len(want)-1]) {
			t.Fatalf("chunks of %d: %q", n, h.lines)
		}
		r.SendLine([]byte("x"))
		if string(tr.Value()) != "x\n" {
			t.Fatalf("SendLine wrote %q", tr.Value())
		}
	}
}

// G119: an over-long line goes to LineLengthExceeded as the line alone;
// by default the connection is dropped.
func TestLineOnlyReceiverGreaterThanMaximumLineLength(t *testing.T) {
	r := NewLineOnlyReceiver(&plainRec{})
	r.Delimiter = []byte("\n")
	r.MaxLength = 64
	tr := coretest.NewStringTransport()
	r.ConnectionMade(tr)
	r.DataReceived([]byte(strings.Repeat("x", 65) + "\r\nr"))
	if !tr.Disconnecting() {
		t.Fatal("not disconnecting")
	}

	h := &lineRec{}
	r2 := NewLineOnlyReceiver(h)
	r2.MaxLength = 4
	r2.ConnectionMade(coretest.NewStringTransport())
	r2.DataReceived([]byte("ok\r\nxxxxx\r\nnext\r\n"))
	if !slices.Equal(h.lines, []string{"ok"}) || !slices.Equal(h.exceeded, []string{"xxxxx"}) {
		t.Fatalf("lines %q exceeded %q", h.lines, h.exceeded)
	}
}

// G119: an undelimited buffer is reported once it exceeds MaxLength, not
// counting a partial delimiter at its end.
func TestLineOnlyReceiverUndelimited(t *testing.T) {
	h := &lineRec{}
	r := NewLineOnlyReceiver(h)
	r.MaxLength = 4
	r.ConnectionMade(coretest.NewStringTransport())
	r.DataReceived([]byte("xxxx\r"))
	if len(h.exceeded) != 0 {
		t.Fatalf("MaxLength and a partial delimiter exceeded: %q", h.exceeded)
	}
	r.DataReceived([]byte("\nyyyyy"))
	if !slices.Equal(h.lines, []string{"xxxx"}) || !slices.Equal(h.exceeded, []string{"yyyyy"}) {
		t.Fatalf("lines %q exceeded %q", h.lines, h.exceeded)
	}
	if r.in.buffered() != 0 {
		t.Fatalf("%d bytes kept after LineLengthExceeded", r.in.buffered())
	}
}

// G115, G119: LineOnlyReceiver stops once the transport is disconnecting.
func TestLineOnlyReceiverStopsWhenDisconnecting(t *testing.T) {
	h := &lineRec{}
	r := NewLineOnlyReceiver(h)
	tr := coretest.NewStringTransport()
	r.ConnectionMade(tr)
	h.onLine = func([]byte) { tr.LoseConnection() }
	r.DataReceived([]byte("a\r\nb\r\n"))
	r.DataReceived([]byte("c\r\n"))
	if !slices.Equal(h.lines, []string{"a"}) {
		t.Fatalf("%q", h.lines)
	}
}

// countLines counts lines and their bytes.
type countLines struct{ n, bytes int }

func (c *countLines) LineReceived(line []byte) { c.n++; c.bytes += len(line) }

// benchStream is n lines of 20 to 99 bytes cut into 64 KiB chunks, so that
// lines straddle chunk boundaries as they do off a socket.
func benchStream(n int, frame func(i int) []byte) (chunks [][]byte, total int) {
	var all []byte
	for i := range n {
		all = append(all, frame(i)...)
	}
	for len(all) > 0 {
		k := min(len(all), 64<<10)
		chunks = append(chunks, all[:k])
		all = all[k:]
	}
	for _, c := range chunks {
		total += len(c)
	}
	return chunks, total
}

// benchFeed measures r parsing chunks, total bytes in all, once per op.
func benchFeed(b *testing.B, r core.Protocol, chunks [][]byte, total int) {
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range chunks {
			r.DataReceived(c)
		}
	}
}

func benchLine(i int) []byte {
	return append(bytes.Repeat([]byte{'a' + byte(i%26)}, 20+i%80), "\r\n"...)
}

// BenchmarkLineReceiver parses 10,000 lines per op; it must not allocate.
func BenchmarkLineReceiver(b *testing.B) {
	chunks, total := benchStream(10000, benchLine)
	h := &countLines{}
	r, _ := newLR(h, 0)
	benchFeed(b, r, chunks, total)
	if h.n%10000 != 0 {
		b.Fatalf("%d lines", h.n)
	}
}

// BenchmarkLineOnlyReceiver is BenchmarkLineReceiver for LineOnlyReceiver.
func BenchmarkLineOnlyReceiver(b *testing.B) {
	chunks, total := benchStream(10000, benchLine)
	h := &countLines{}
	r := NewLineOnlyReceiver(h)
	r.ConnectionMade(coretest.NewStringTransport())
	benchFeed(b, r, chunks, total)
	if h.n%10000 != 0 {
		b.Fatalf("%d lines", h.n)
	}
}

// BenchmarkLineEcho parses and sends back 10,000 lines per op.
func BenchmarkLineEcho(b *testing.B) {
	chunks, total := benchStream(10000, benchLine)
	e := new(lineEcho)
	e.Handler = e
	tr := coretest.NewStringTransport()
	e.LineReceiver.ConnectionMade(tr)
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		tr.Clear()
		for _, c := range chunks {
			e.LineReceiver.DataReceived(c)
		}
	}
	if len(tr.Value()) != total {
		b.Fatalf("echoed %d of %d bytes", len(tr.Value()), total)
	}
}

// Sending before ConnectionMade is dropped, not a panic.
func TestReceiversSendBeforeConnectionMade(t *testing.T) {
	NewLineReceiver(&plainRec{}).SendLine([]byte("x"))
	NewLineOnlyReceiver(&plainRec{}).SendLine([]byte("x"))
	NewNetstringReceiver(&strRec{}).SendString([]byte("x"))
	if err := NewInt32StringReceiver(&strRec{}).SendString([]byte("x")); err != nil {
		t.Fatal(err)
	}
	r := NewLineReceiver(&plainRec{})
	r.PauseProducing()
	r.ResumeProducing()
	r.StopProducing()
}

// The receivers stop delivering once a loopback transport is disconnecting.
func TestLoopbackTransportDisconnecting(t *testing.T) {
	h := &lineRec{}
	r := NewLineReceiver(h)
	cli := &core.BaseProtocol{}
	pair := coretest.NewLoopbackPair(r, cli)
	h.onLine = func([]byte) { r.Transport.LoseConnection() }
	cli.Transport.Write([]byte("one\r\ntwo\r\n"))
	if !pair.Pump() || !slices.Equal(h.lines, []string{"one"}) {
		t.Fatalf("lines %q", h.lines)
	}
}
