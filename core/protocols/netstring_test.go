package protocols

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/reactorbench/reactorbench/core/coretest"
)

// strRec records strings, then calls onString when it is set (a test can
// write each string back, as Twisted's TestNetstring does).
type strRec struct {
	strs     []string
	lengths  []uint32
	onString func(s []byte)
}

func (h *strRec) StringReceived(s []byte) {
	h.strs = append(h.strs, string(s))
	if h.onString != nil {
		h.onString(s)
	}
}

func newNetstring(maxLen int) (*NetstringReceiver, *strRec, *coretest.StringTransport) {
	h := &strRec{}
	r := NewNetstringReceiver(h)
	r.MaxLength = maxLen
	tr := coretest.NewStringTransport()
	r.ConnectionMade(tr)
	return r, h, tr
}

// G120: SendString writes `<len>:<data>,`, and the strings come back the
// same for every chunk size.
func TestNetstringBufferAnySplit(t *testing.T) {
	strs := []string{"hello", "world", "how", "are", "you123", ":today", strings.Repeat("a", 515), ""}
	src, _, tr := newNetstring(0)
	for _, s := range strs {
		src.SendString([]byte(s))
	}
	if got := string(tr.Value()[:8]); got != "5:hello," {
		t.Fatalf("SendString wrote %q", got)
	}
	wire := tr.Value()
	for n := 1; n <= 20; n++ {
		r, h, rtr := newNetstring(699)
		feedSplit(r, wire, n)
		if !slices.Equal(h.strs, strs) || rtr.Disconnecting() || r.BrokenPeer() {
			t.Fatalf("chunks of %d: %q", n, h.strs)
		}
	}
}

// G120: edge cases of valid netstrings (Twisted's test_receive*).
func TestNetstringValid(t *testing.T) {
	cases := []struct {
		chunks []string
		want   []string
	}{
		{[]string{"0:,"}, []string{""}},
		{[]string{"1:a,"}, []string{"a"}},
		{[]string{"2:ab,"}, []string{"ab"}},
		{[]string{"4:1:a,,"}, []string{"1:a,"}},
		{[]string{"4:aa", "aa,"}, []string{"aaaa"}},
		{[]string{"1", "0:01234", "56789", ","}, []string{"0123456789"}},
		{[]string{"2", ":", "a", "b", ","}, []string{"ab"}},
		{[]string{"1:a,1", ":b,"}, []string{"a", "b"}},
		{[]string{"12:", "xxxxxxxxxxxx,"}, []string{"xxxxxxxxxxxx"}},
	}
	for _, c := range cases {
		r, h, tr := newNetstring(12)
		for _, chunk := range c.chunks {
			r.DataReceived([]byte(chunk))
		}
		if !slices.Equal(h.strs, c.want) || tr.Disconnecting() {
			t.Errorf("%q: got %q (disconnecting %v), want %q", c.chunks, h.strs, tr.Disconnecting(), c.want)
		}
	}
}

// G120: bad input of every kind disconnects and marks the peer broken, fed
// whole or a byte at a time; nothing after it is delivered.
func TestNetstringIllegal(t *testing.T) {
	bad := []string{
		"9999999999999999999999", "abc", "4:abcde", "2:aaa,", "0:a,", ":aaa,", "3aaa,", "aaa,",
		"aaa", "00:,", "01:a,", "13:xxxxxxxxxxxxx,", "1000:", "-1:a,", " 1:a,",
	}
	for _, s := range bad {
		for _, n := range []int{1, len(s)} {
			r, h, tr := newNetstring(12)
			feedSplit(r, []byte(s), n)
			r.DataReceived([]byte("1:a,"))
			if !tr.Disconnecting() || !r.BrokenPeer() || len(h.strs) != 0 {
				t.Errorf("%q in chunks of %d: disconnecting %v broken %v strings %q",
					s, n, tr.Disconnecting(), r.BrokenPeer(), h.strs)
			}
			if r.in.buffered() != 0 {
				t.Errorf("%q: %d bytes kept", s, r.in.buffered())
			}
		}
	}
}

// G120: the default limit is 99999; a longer length is refused before its
// payload arrives.
func TestNetstringMaxLength(t *testing.T) {
	r, _, tr := newNetstring(0)
	if r.maxLength() != 99999 {
		t.Fatalf("default MaxLength %d", r.maxLength())
	}
	r.DataReceived([]byte("99999:"))
	if tr.Disconnecting() {
		t.Fatal("99999 refused")
	}
	r2, _, tr2 := newNetstring(0)
	r2.DataReceived([]byte("100000"))
	if !tr2.Disconnecting() {
		t.Fatal("100000 accepted")
	}
}

// BenchmarkNetstringReceiver parses 10,000 netstrings per op.
func BenchmarkNetstringReceiver(b *testing.B) {
	chunks, total := benchStream(10000, func(i int) []byte {
		s := benchString(i)
		return []byte(strconv.Itoa(len(s)) + ":" + s + ",")
	})
	h := &countStrings{}
	r := NewNetstringReceiver(h)
	r.ConnectionMade(coretest.NewStringTransport())
	benchFeed(b, r, chunks, total)
	if h.n%10000 != 0 || r.BrokenPeer() {
		b.Fatalf("%d strings, broken %v", h.n, r.BrokenPeer())
	}
}
