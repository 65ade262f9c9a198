package protocols

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/core/coretest"
)

// frame prefixes s with its length in p big-endian bytes.
func frame(p int, s string) []byte {
	out := make([]byte, p, p+len(s))
	for i, n := p-1, len(s); i >= 0; i, n = i-1, n>>8 {
		out[i] = byte(n)
	}
	return append(out, s...)
}

var intNKinds = []struct {
	name   string
	prefix int
	build  func(StringHandler) *IntNStringReceiver
}{
	{"Int32", 4, NewInt32StringReceiver},
	{"Int16", 2, NewInt16StringReceiver},
	{"Int8", 1, NewInt8StringReceiver},
}

func newIntN(build func(StringHandler) *IntNStringReceiver, maxLen int) (*IntNStringReceiver, *strRec, *coretest.StringTransport) {
	h := &strRec{}
	r := build(h)
	r.MaxLength = maxLen
	tr := coretest.NewStringTransport()
	r.ConnectionMade(tr)
	return r, h, tr
}

// lengthRec also records LengthLimitExceeded.
type lengthRec struct{ strRec }

func (h *lengthRec) LengthLimitExceeded(n uint32) { h.lengths = append(h.lengths, n) }

// G120: big-endian prefixes; strings come out the same for every split.
func TestIntNReceiveAnySplit(t *testing.T) {
	strs := []string{"a", strings.Repeat("b", 16), "", "ubar", strings.Repeat("c", 200)}
	for _, k := range intNKinds {
		var wire []byte
		for _, s := range strs {
			wire = append(wire, frame(k.prefix, s)...)
		}
		for n := 1; n <= 12; n++ {
			r, h, tr := newIntN(k.build, 0)
			feedSplit(r, wire, n)
			if !slices.Equal(h.strs, strs) || tr.Disconnecting() {
				t.Fatalf("%s chunks of %d: %q", k.name, n, h.strs)
			}
		}
	}
}

// G120: SendString writes the prefix then the string.
func TestIntNSend(t *testing.T) {
	want := map[string]string{"Int32": "\x00\x00\x00\x03foo", "Int16": "\x00\x03foo", "Int8": "\x03foo"}
	for _, k := range intNKinds {
		r, _, tr := newIntN(k.build, 0)
		if err := r.SendString([]byte("foo")); err != nil || string(tr.Value()) != want[k.name] {
			t.Fatalf("%s: %q %v", k.name, tr.Value(), err)
		}
		if r.PrefixLength() != k.prefix {
			t.Fatalf("%s: PrefixLength %d", k.name, r.PrefixLength())
		}
	}
	if (&IntNStringReceiver{}).PrefixLength() != 4 {
		t.Fatal("zero value is not Int32")
	}
}

// G120: SendString refuses len >= 2^(8*prefix) (Int16: 65536).
func TestIntNTooLongSend(t *testing.T) {
	r16, _, tr := newIntN(NewInt16StringReceiver, 0)
	if err := r16.SendString(make([]byte, 65536)); !errors.Is(err, ErrStringTooLong) {
		t.Fatalf("Int16 65536 bytes: %v", err)
	}
	if err := r16.SendString(make([]byte, 65535)); err != nil {
		t.Fatalf("Int16 65535 bytes: %v", err)
	}
	r8, _, _ := newIntN(NewInt8StringReceiver, 0)
	if err := r8.SendString(make([]byte, 256)); !errors.Is(err, ErrStringTooLong) {
		t.Fatalf("Int8 256 bytes: %v", err)
	}
	if len(tr.Value()) != 65537 {
		t.Fatalf("wrote %d bytes", len(tr.Value()))
	}
}

// G120: partial data delivers nothing.
func TestIntNPartial(t *testing.T) {
	for _, s := range []string{"\x00\x00\x00", "hello there", ""} {
		r, h, _ := newIntN(NewInt32StringReceiver, 0)
		feedSplit(r, []byte(s), 1)
		if len(h.strs) != 0 {
			t.Fatalf("%q delivered %q", s, h.strs)
		}
	}
}

// G120: a prefix above MaxLength (default 99999) goes to LengthLimitExceeded,
// and that string is not delivered but skipped; by default the connection
// is dropped.
func TestIntNLengthLimitExceeded(t *testing.T) {
	for _, k := range intNKinds {
		h := &lengthRec{}
		r := k.build(h)
		r.MaxLength = 10
		r.ConnectionMade(coretest.NewStringTransport())
		wire := append(frame(k.prefix, strings.Repeat("x", 11)), frame(k.prefix, "ok")...)
		for n := 1; n <= len(wire); n++ {
			h.strs, h.lengths = nil, nil
			feedSplit(r, wire, n)
			if !slices.Equal(h.lengths, []uint32{11}) || !slices.Equal(h.strs, []string{"ok"}) {
				t.Fatalf("%s chunks of %d: lengths %v strings %q", k.name, n, h.lengths, h.strs)
			}
		}
	}
	r, h, tr := newIntN(NewInt32StringReceiver, 0)
	if r.maxLength() != 99999 {
		t.Fatalf("default MaxLength %d", r.maxLength())
	}
	r.DataReceived(frame(4, strings.Repeat("x", 100000)))
	if !tr.Disconnecting() || len(h.strs) != 0 || r.in.buffered() != 0 {
		t.Fatalf("disconnecting %v strings %d buffered %d", tr.Disconnecting(), len(h.strs), r.in.buffered())
	}
}

// IntN receivers pause and resume like LineReceiver, and nest DataReceived.
func TestIntNPausingAndReentrancy(t *testing.T) {
	r, h, tr := newIntN(NewInt16StringReceiver, 0)
	h.onString = func(s []byte) {
		switch string(s) {
		case "pause":
			r.PauseProducing()
		case "feed":
			r.DataReceived(frame(2, "fed"))
		}
	}
	wire := bytes.Join([][]byte{frame(2, "a"), frame(2, "pause"), frame(2, "b"), frame(2, "feed"), frame(2, "c")}, nil)
	r.DataReceived(wire)
	if !slices.Equal(h.strs, []string{"a", "pause"}) || tr.ProducerState() != coretest.Paused {
		t.Fatalf("paused: %q %v", h.strs, tr.ProducerState())
	}
	r.ResumeProducing()
	if want := []string{"a", "pause", "b", "feed", "c", "fed"}; !slices.Equal(h.strs, want) {
		t.Fatalf("resumed: %q, want %q", h.strs, want)
	}
	r.StopProducing()
	r.DataReceived(frame(2, "late"))
	if len(h.strs) != 6 || tr.ProducerState() != coretest.Stopped {
		t.Fatalf("after stop: %q", h.strs)
	}
}

// countStrings counts strings.
type countStrings struct{ n int }

func (c *countStrings) StringReceived([]byte) { c.n++ }

func benchString(i int) string { return strings.Repeat("s", 20+i%80) }

// BenchmarkInt32StringReceiver parses 10,000 strings per op; it must not
// allocate.
func BenchmarkInt32StringReceiver(b *testing.B) {
	chunks, total := benchStream(10000, func(i int) []byte { return frame(4, benchString(i)) })
	h := &countStrings{}
	r := NewInt32StringReceiver(h)
	r.ConnectionMade(coretest.NewStringTransport())
	benchFeed(b, r, chunks, total)
	if h.n%10000 != 0 {
		b.Fatalf("%d strings", h.n)
	}
}
