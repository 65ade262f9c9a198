package protocols

import (
	"slices"
	"testing"

	"github.com/reactorbench/reactorbench/core"
	"github.com/reactorbench/reactorbench/core/coretest"
)

// chunks feeds data to p whole (cuts empty) or in chunks whose sizes cycle
// through cuts (0..32; 0 feeds an empty chunk first), calling after each.
func chunks(p core.Protocol, data, cuts []byte, after func()) {
	for i := 0; len(data) > 0 || i == 0; i++ {
		n := len(data)
		if len(cuts) > 0 {
			n = int(cuts[i%len(cuts)] % 33)
			if n == 0 {
				p.DataReceived(nil)
				after()
				n = 1
			}
			n = min(n, len(data))
		}
		p.DataReceived(data[:n])
		data = data[n:]
		after()
	}
}

// checkBuffer fails when the receiver keeps more than limit unparsed bytes,
// or an array far larger than that.
func checkBuffer(t *testing.T, in *inbuf, limit int) {
	t.Helper()
	if in.buffered() > limit || cap(in.buf) > maxKeep(limit) {
		t.Fatalf("buffered %d bytes in an array of %d, limit %d", in.buffered(), cap(in.buf), limit)
	}
}

func addSeeds(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s), []byte{1})
		f.Add([]byte(s), []byte{3, 0, 7, 32})
	}
}

// runLineTester feeds a Twisted-style lineTester (raw mode by length,
// pauses, re-parsing after an over-long line) and resumes it after every
// chunk, checking the buffer bound whenever it is not paused.
func runLineTester(t *testing.T, data, cuts []byte) []string {
	lt := newLineTester()
	lt.r.Delimiter = []byte("\r\n")
	lt.r.MaxLength = 8
	chunks(lt.r, data, cuts, func() {
		for lt.r.paused && lt.t.ProducerState() != coretest.Stopped {
			lt.r.ResumeProducing()
		}
		if !lt.r.paused {
			checkBuffer(t, &lt.r.in, lt.r.limit()-1)
		}
	})
	return lt.received
}

// G112-G118: any split gives the lines and raw data of the whole input; no
// input panics; the buffer stays under MaxLength+len(delimiter).
func FuzzLineReceiver(f *testing.F) {
	addSeeds(f, lineTesterInput, "len 3\r\n\r\nabcdef\r\n", "pause\r\na\r\nrawpause\r\nxy",
		"xxxxxxxxx\r\nyy\r\n", "xxxxxxxx\r\r\n", "\r\n\r\n\r\n", "len -1\r\n\r\nq\r\n", "stop\r\nz\r\n")
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		whole := runLineTester(t, data, nil)
		split := runLineTester(t, data, cuts)
		if !slices.Equal(whole, split) {
			t.Fatalf("whole: %q\nsplit: %q", whole, split)
		}
	})
}

func runLineOnly(t *testing.T, data, cuts []byte) ([]string, bool) {
	h := &plainRec{}
	r := NewLineOnlyReceiver(h)
	r.MaxLength = 8
	tr := coretest.NewStringTransport()
	r.ConnectionMade(tr)
	chunks(r, data, cuts, func() { checkBuffer(t, &r.in, r.limit()-1) })
	return h.lines, tr.Disconnecting()
}

// G119: any split gives the same lines and the same disconnect.
func FuzzLineOnlyReceiver(f *testing.F) {
	addSeeds(f, "foo\r\nbar\r\n", "xxxxxxxx\r\nxxxxxxxxx\r\nz\r\n", "xxxxxxxx\r", "a\r\r\n\r\n")
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		wl, wd := runLineOnly(t, data, nil)
		sl, sd := runLineOnly(t, data, cuts)
		if !slices.Equal(wl, sl) || wd != sd {
			t.Fatalf("whole: %q %v\nsplit: %q %v", wl, wd, sl, sd)
		}
	})
}

func runNetstring(t *testing.T, data, cuts []byte) ([]string, bool) {
	h := &strRec{}
	r := NewNetstringReceiver(h)
	r.MaxLength = 16
	tr := coretest.NewStringTransport()
	r.ConnectionMade(tr)
	chunks(r, data, cuts, func() { checkBuffer(t, &r.in, r.limit()) })
	if r.BrokenPeer() != tr.Disconnecting() {
		t.Fatalf("broken %v but disconnecting %v", r.BrokenPeer(), tr.Disconnecting())
	}
	return h.strs, r.BrokenPeer()
}

// G120: any split gives the same strings and the same verdict on the peer.
func FuzzNetstringReceiver(f *testing.F) {
	addSeeds(f, "5:hello,0:,", "4:1:a,,", "16:0123456789abcdef,", "17:", "01:a,", "2:aaa,", "3aaa,")
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		ws, wb := runNetstring(t, data, nil)
		ss, sb := runNetstring(t, data, cuts)
		if !slices.Equal(ws, ss) || wb != sb {
			t.Fatalf("whole: %q %v\nsplit: %q %v", ws, wb, ss, sb)
		}
	})
}

func runIntN(t *testing.T, prefix byte, data, cuts []byte) ([]string, []uint32) {
	h := &lengthRec{}
	r := []func(StringHandler) *IntNStringReceiver{
		NewInt8StringReceiver, NewInt16StringReceiver, NewInt32StringReceiver,
	}[prefix%3](h)
	r.MaxLength = 16
	r.ConnectionMade(coretest.NewStringTransport())
	chunks(r, data, cuts, func() { checkBuffer(t, &r.in, r.limit()) })
	return h.strs, h.lengths
}

// G120: any split gives the same strings and the same over-long lengths
// (the handler keeps the connection, so over-long strings are skipped).
func FuzzIntNStringReceiver(f *testing.F) {
	for p := byte(0); p < 3; p++ {
		f.Add(p, []byte("\x03abc\x00\x11xxxxxxxxxxxxxxxxx\x01z"), []byte{2, 5})
		f.Add(p, []byte("\x00\x00\x00\x04ubar\xff\xff\xff\xff"), []byte{1})
	}
	f.Fuzz(func(t *testing.T, prefix byte, data, cuts []byte) {
		ws, wl := runIntN(t, prefix, data, nil)
		ss, sl := runIntN(t, prefix, data, cuts)
		if !slices.Equal(ws, ss) || !slices.Equal(wl, sl) {
			t.Fatalf("whole: %q %v\nsplit: %q %v", ws, wl, ss, sl)
		}
	})
}
