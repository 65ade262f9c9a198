package protocols

import (
	"bytes"
	"errors"
	"net"
	"slices"

	"github.com/reactorbench/reactorbench/core"
)

// Limits of the receivers when their MaxLength is zero, as in Twisted.
const (
	// DefaultMaxLineLength is the longest line LineReceiver and
	// LineOnlyReceiver accept.
	DefaultMaxLineLength = 16384
	// DefaultMaxStringLength is the longest string NetstringReceiver and
	// IntNStringReceiver accept.
	DefaultMaxStringLength = 99999
)

// defaultDelimiter ends lines when a receiver's Delimiter is empty.
var defaultDelimiter = []byte("\r\n")

// ErrNoRawHandler is returned by SetRawMode when the handler has no
// RawDataReceived method.
var ErrNoRawHandler = errors.New("core: SetRawMode needs a handler implementing RawDataHandler")

// LineHandler gets the lines of a LineReceiver or LineOnlyReceiver.
type LineHandler interface {
	// LineReceived is called with each line, without its delimiter. line
	// is only valid until LineReceived returns: copy what you keep.
	LineReceived(line []byte)
}

// RawDataHandler is a LineHandler that also takes raw data, after
// LineReceiver.SetRawMode.
type RawDataHandler interface {
	// RawDataReceived is called with bytes as they arrive, in arbitrary
	// chunks, valid until it returns.
	RawDataReceived(data []byte)
}

// LineLengthExceededHandler is a LineHandler told about over-long lines;
// without it the receiver calls LoseConnection.
type LineLengthExceededHandler interface {
	// LineLengthExceeded is called with the offending bytes (see each
	// receiver for which), valid until it returns.
	LineLengthExceeded(line []byte)
}

// ConnectionMadeHandler is a receiver's handler told when the connection is
// up; the receiver's Transport is set by then.
type ConnectionMadeHandler interface {
	ConnectionMade()
}

// ConnectionLostHandler is a receiver's handler told when the connection is
// gone, with the reason the transport gave.
type ConnectionLostHandler interface {
	ConnectionLost(reason error)
}

// disconnecting reports whether t is closing.
func disconnecting(t core.Transport) bool {
	d, ok := t.(core.DisconnectingTransport)
	return ok && d.Disconnecting()
}

// closeWatch is the Transport a receiver keeps: it notes LoseConnection and
// AbortConnection calls, so the receiver stops delivering on any transport,
// not only one that reports Disconnecting itself.
type closeWatch struct {
	core.Transport
	closing bool
}

// wrap watches t (nil stays nil).
func (w *closeWatch) wrap(t core.Transport) core.Transport {
	if t == nil {
		return nil
	}
	*w = closeWatch{Transport: t}
	return w
}

// LoseConnection notes the call and passes it on.
func (w *closeWatch) LoseConnection() {
	w.closing = true
	w.Transport.LoseConnection()
}

// AbortConnection notes the call and passes it on.
func (w *closeWatch) AbortConnection() {
	w.closing = true
	w.Transport.AbortConnection()
}

// Disconnecting reports a close asked through w or reported by the
// transport.
func (w *closeWatch) Disconnecting() bool { return w.closing || disconnecting(w.Transport) }

// receiver is what LineReceiver, LineOnlyReceiver, NetstringReceiver and
// IntNStringReceiver share: the watched transport, the unparsed bytes, and
// whether the connection is gone.
type receiver struct {
	watch closeWatch
	in    inbuf
	ended bool // ConnectionLost was called
}

// flow is the push-producer part LineReceiver and IntNStringReceiver
// share: pausing stops delivery and the transport's reads together.
type flow struct {
	paused bool
}

func (f *flow) pause(t core.Transport) {
	f.paused = true
	if t != nil {
		t.PauseProducing()
	}
}

// resume resumes t's reads and lets deliver parse what was buffered.
func (f *flow) resume(t core.Transport, deliver func([]byte)) {
	f.paused = false
	if t != nil {
		t.ResumeProducing()
	}
	deliver(nil)
}

func (f *flow) stop(t core.Transport) {
	f.paused = true
	if t != nil {
		t.StopProducing()
	}
}

// held is a framer's halt: stop and drop once t is disconnecting, stop
// while paused.
func (f *flow) held(t core.Transport) (stop, drop bool) {
	if disconnecting(t) {
		return true, true
	}
	return f.paused, false
}

// made sets *transport to t, watched, then tells handler if it is a
// ConnectionMadeHandler (in that order: the handler may use the transport).
func (c *receiver) made(handler any, transport *core.Transport, t core.Transport) {
	*transport = c.watch.wrap(t)
	if h, ok := handler.(ConnectionMadeHandler); ok {
		h.ConnectionMade()
	}
}

// lost drops the buffer and tells handler if it is a ConnectionLostHandler,
// on the first call only.
func (c *receiver) lost(handler any, reason error) {
	if c.ended {
		return
	}
	c.ended = true
	c.in.discard()
	if h, ok := handler.(ConnectionLostHandler); ok {
		h.ConnectionLost(reason)
	}
}

// orDefault is n, or def when n is not positive (a zero field's default).
func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// lineDelimiter is d, or "\r\n" when d is empty.
func lineDelimiter(d []byte) []byte {
	if len(d) == 0 {
		return defaultDelimiter
	}
	return d
}

// lineTooLong gives line to h's LineLengthExceeded, or without one closes t.
func lineTooLong(h LineHandler, t core.Transport, line []byte) {
	if x, ok := h.(LineLengthExceededHandler); ok {
		x.LineLengthExceeded(line)
	} else if t != nil {
		t.LoseConnection()
	}
}

// framer is the message parser inside a receiver, driven by inbuf.
type framer interface {
	// halt reports whether parsing must stop now (paused, or the transport
	// is disconnecting), and whether the unparsed bytes are to be dropped.
	halt() (stop, drop bool)
	// step handles at most one message at in.cur[in.pos:], advancing in.pos
	// past it before calling any handler. It reports false when it needs
	// more bytes.
	step(in *inbuf) bool
	// need says how many bytes of rest to append to partial, the unfinished
	// message kept between chunks, for step to decide; it bounds what is
	// buffered. It is called only right after step asked for more.
	need(partial, rest []byte) int
	// limit is the most bytes an unfinished message can hold.
	limit() int
}

// inbuf holds a receiver's unparsed bytes. A chunk is parsed in place,
// without copying; only an unfinished message at its end is copied into buf,
// and completed with just the bytes it needs from the next chunk, so buf
// stays within the framer's limit while messages flow.
type inbuf struct {
	buf    []byte // the unfinished message kept between chunks
	cur    []byte // what is being parsed: buf, or a chunk in place
	pos    int    // the next unparsed byte of cur
	direct bool   // cur is a chunk, not buf (buf is then empty)
	rest   []byte // the chunk's bytes not yet in cur
	later  []byte // bytes fed re-entrantly by a handler, parsed after rest
	spare  []byte // the other of two arrays later alternates between
	busy   bool   // feed is running
}

// feed parses data after what is buffered. Called again from a handler (the
// receiver's DataReceived inside its own callback), it only appends, and the
// outer call parses those bytes after the ones it already had.
func (in *inbuf) feed(f framer, data []byte) {
	if in.busy {
		in.later = append(in.later, data...)
		return
	}
	in.busy = true
	defer in.settle(f.limit())
	in.rest = data
	for {
		if stop, drop := f.halt(); stop {
			if drop {
				in.discard()
			}
			return
		}
		if in.pos < len(in.cur) && f.step(in) {
			continue
		}
		if !in.refill(f) {
			return
		}
	}
}

// refill makes more bytes parseable after step asked for more or cur ran
// out; it reports false when there are none.
func (in *inbuf) refill(f framer) bool {
	if in.direct {
		in.buf = append(in.buf[:0], in.cur[in.pos:]...)
		in.direct = false
	} else {
		in.compact()
	}
	in.cur, in.pos = in.buf, 0
	if len(in.rest) == 0 {
		if len(in.later) == 0 {
			return false
		}
		// The chunk before is used up, so its array can take the next
		// re-entrant bytes while these are parsed.
		in.rest, in.later, in.spare = in.later, in.spare[:0], in.later[:0]
	}
	if len(in.buf) == 0 {
		in.cur, in.rest, in.direct = in.rest, nil, true
		return true
	}
	n := max(1, min(f.need(in.buf, in.rest), len(in.rest)))
	in.buf = append(in.buf, in.rest[:n]...)
	in.cur, in.rest = in.buf, in.rest[n:]
	return true
}

// settle keeps whatever is unparsed once feed returns (more than the limit
// only when parsing stopped early or a handler panicked), so that nothing
// refers to the caller's chunk afterwards. An array grown far past limit
// (by SetLineMode's extra bytes, or while paused) is let go.
func (in *inbuf) settle(limit int) {
	in.busy = false
	if in.direct {
		in.buf = append(in.buf[:0], in.cur[in.pos:]...)
	} else {
		in.compact()
	}
	in.buf = append(append(in.buf, in.rest...), in.later...)
	if cap(in.buf) > maxKeep(limit) && len(in.buf) <= limit {
		in.buf = slices.Clone(in.buf)
	}
	in.cur, in.pos, in.rest, in.later, in.direct = in.buf, 0, nil, in.later[:0], false
}

// maxKeep is the largest buffer capacity kept for a framer's limit: room
// for growth by append, not for a burst that has passed.
func maxKeep(limit int) int { return 4*limit + 64 }

// compact moves the unparsed bytes of buf to its start.
func (in *inbuf) compact() {
	if in.pos > 0 {
		in.buf = in.buf[:copy(in.buf, in.buf[in.pos:])]
	}
}

// discard drops every unparsed byte.
func (in *inbuf) discard() {
	in.buf = in.buf[:0]
	in.cur, in.pos, in.rest, in.later, in.direct = in.buf, 0, nil, in.later[:0], false
}

// takeAll returns a copy of every unparsed byte, in order, and drops them.
func (in *inbuf) takeAll() []byte {
	var out []byte
	if n := in.buffered(); n > 0 {
		out = make([]byte, 0, n)
		out = append(append(append(out, in.cur[in.pos:]...), in.rest...), in.later...)
	}
	in.discard()
	return out
}

// unread puts extra in front of the unparsed bytes. It copies into a new
// array, since a handler may still be reading a slice of the old one.
func (in *inbuf) unread(extra []byte) {
	b := make([]byte, 0, len(extra)+len(in.cur)-in.pos+len(in.rest))
	b = append(append(append(b, extra...), in.cur[in.pos:]...), in.rest...)
	in.buf, in.cur, in.pos, in.rest, in.direct = b, b, 0, nil, false
}

// buffered counts the unparsed bytes.
func (in *inbuf) buffered() int { return len(in.cur) - in.pos + len(in.rest) + len(in.later) }

// lineNeed is how much of rest completes a line after partial: up to the
// first delimiter, but no more than a line of maxLen plus its delimiter.
func lineNeed(partial, rest, delim []byte, maxLen int) int {
	room := max(1, maxLen+len(delim)-len(partial))
	if i := bytes.Index(rest[:min(len(rest), room)], delim); i >= 0 {
		return i + len(delim)
	}
	return room
}

// LineReceiver splits a byte stream into lines for its Handler, and can
// switch to raw mode and back (Twisted's LineReceiver). Give the transport
// the LineReceiver as the Protocol; the handler keeps a pointer to it to
// send lines. Set the fields before the connection starts; zero values
// mean Twisted's defaults. All methods run on the reactor goroutine.
//
// Lines are cut at Delimiter and passed without it; a line of MaxLength
// bytes is accepted. A longer one, or MaxLength+len(Delimiter) bytes with no
// delimiter, goes to LineLengthExceeded with everything buffered from its
// start (line, delimiter and the rest), and the buffer is cleared. Once the
// transport is disconnecting nothing more is delivered.
type LineReceiver struct {
	// Handler gets the lines; it may implement RawDataHandler,
	// LineLengthExceededHandler, ConnectionMadeHandler and
	// ConnectionLostHandler too.
	Handler LineHandler
	// Delimiter ends lines; empty means "\r\n".
	Delimiter []byte
	// MaxLength is the longest line accepted; zero means
	// DefaultMaxLineLength.
	MaxLength int
	// Transport is set by ConnectionMade: the connection's transport,
	// wrapped to notice LoseConnection and AbortConnection.
	Transport core.Transport

	receiver
	flow
	out []byte // SendLine's scratch: line and delimiter, one Write
	raw bool
}

// NewLineReceiver returns a LineReceiver with Twisted's defaults that calls h.
func NewLineReceiver(h LineHandler) *LineReceiver { return &LineReceiver{Handler: h} }

func (r *LineReceiver) delimiter() []byte { return lineDelimiter(r.Delimiter) }

func (r *LineReceiver) maxLength() int { return orDefault(r.MaxLength, DefaultMaxLineLength) }

// ConnectionMade keeps t and tells the handler.
func (r *LineReceiver) ConnectionMade(t core.Transport) { r.made(r.Handler, &r.Transport, t) }

// DataReceived parses data into lines (or raw data) for the handler. Called
// from inside a handler, it only appends data after what is buffered.
func (r *LineReceiver) DataReceived(data []byte) { r.in.feed(r, data) }

// ConnectionLost drops the buffer and tells the handler, once.
func (r *LineReceiver) ConnectionLost(reason error) { r.lost(r.Handler, reason) }

// SendLine writes line and the delimiter in one Write. It does nothing
// before ConnectionMade.
func (r *LineReceiver) SendLine(line []byte) {
	if r.Transport == nil {
		return
	}
	r.out = append(append(r.out[:0], line...), r.delimiter()...)
	r.Transport.Write(r.out)
}

// SetRawMode sends what follows, from the rest of the current buffer on, to
// the handler's RawDataReceived. Called inside LineReceived, the rest of the
// buffer is delivered before DataReceived returns.
func (r *LineReceiver) SetRawMode() error {
	if _, ok := r.Handler.(RawDataHandler); !ok {
		return ErrNoRawHandler
	}
	r.raw = true
	return nil
}

// SetLineMode parses what follows as lines again. extra is bytes the handler
// took but did not use: they are parsed first, before anything buffered.
func (r *LineReceiver) SetLineMode(extra []byte) {
	r.raw = false
	switch {
	case len(extra) == 0:
	case r.in.busy:
		r.in.unread(extra)
	default:
		r.DataReceived(extra)
	}
}

// ClearLineBuffer empties the buffer and returns what it held (a copy the
// caller owns). Inside LineReceived it returns what follows the line.
func (r *LineReceiver) ClearLineBuffer() []byte { return r.in.takeAll() }

// PauseProducing stops delivering lines and pauses the transport's reads.
func (r *LineReceiver) PauseProducing() { r.pause(r.Transport) }

// ResumeProducing resumes the transport's reads and delivers what was
// buffered meanwhile.
func (r *LineReceiver) ResumeProducing() { r.resume(r.Transport, r.DataReceived) }

// StopProducing stops delivering and stops the transport.
func (r *LineReceiver) StopProducing() { r.stop(r.Transport) }

func (r *LineReceiver) halt() (stop, drop bool) { return r.held(r.Transport) }

func (r *LineReceiver) step(in *inbuf) bool {
	b := in.cur[in.pos:]
	if r.raw {
		in.pos = len(in.cur)
		if h, ok := r.Handler.(RawDataHandler); ok {
			h.RawDataReceived(b)
		}
		return true
	}
	delim := r.delimiter()
	limit := r.maxLength() + len(delim)
	i := bytes.Index(b[:min(len(b), limit)], delim)
	if i < 0 {
		if len(b) < limit {
			return false
		}
		lineTooLong(r.Handler, r.Transport, in.takeAll())
		return true
	}
	in.pos += i + len(delim)
	r.Handler.LineReceived(b[:i])
	return true
}

func (r *LineReceiver) need(partial, rest []byte) int {
	return lineNeed(partial, rest, r.delimiter(), r.maxLength())
}

func (r *LineReceiver) limit() int { return r.maxLength() + len(r.delimiter()) }

// LineOnlyReceiver splits a byte stream into lines for its Handler, with no
// raw mode and no pausing (Twisted's LineOnlyReceiver). Zero fields mean
// Twisted's defaults.
//
// A delimited line longer than MaxLength goes to LineLengthExceeded as that
// line; without a delimiter, once more than MaxLength bytes are buffered
// (not counting a partial delimiter at the end) they go there as they are.
// Either way the buffer is then cleared. Once the transport is disconnecting
// nothing more is delivered.
type LineOnlyReceiver struct {
	// Handler gets the lines; it may implement LineLengthExceededHandler,
	// ConnectionMadeHandler and ConnectionLostHandler too.
	Handler LineHandler
	// Delimiter ends lines; empty means "\r\n".
	Delimiter []byte
	// MaxLength is the longest line accepted; zero means
	// DefaultMaxLineLength.
	MaxLength int
	// Transport is set by ConnectionMade: the connection's transport,
	// wrapped to notice LoseConnection and AbortConnection.
	Transport core.Transport

	receiver
	seq [2][]byte // SendLine's WriteSequence argument, kept to not allocate
}

// NewLineOnlyReceiver returns a LineOnlyReceiver with Twisted's defaults
// that calls h.
func NewLineOnlyReceiver(h LineHandler) *LineOnlyReceiver { return &LineOnlyReceiver{Handler: h} }

func (r *LineOnlyReceiver) delimiter() []byte { return lineDelimiter(r.Delimiter) }

func (r *LineOnlyReceiver) maxLength() int { return orDefault(r.MaxLength, DefaultMaxLineLength) }

// ConnectionMade keeps t and tells the handler.
func (r *LineOnlyReceiver) ConnectionMade(t core.Transport) { r.made(r.Handler, &r.Transport, t) }

// DataReceived parses data into lines for the handler. Called from inside a
// handler, it only appends data after what is buffered.
func (r *LineOnlyReceiver) DataReceived(data []byte) { r.in.feed(r, data) }

// ConnectionLost drops the buffer and tells the handler, once.
func (r *LineOnlyReceiver) ConnectionLost(reason error) { r.lost(r.Handler, reason) }

// SendLine writes line and the delimiter with one WriteSequence. It does
// nothing before ConnectionMade.
func (r *LineOnlyReceiver) SendLine(line []byte) {
	if r.Transport == nil {
		return
	}
	r.seq = [2][]byte{line, r.delimiter()}
	r.Transport.WriteSequence(r.seq[:])
	r.seq = [2][]byte{}
}

func (r *LineOnlyReceiver) halt() (stop, drop bool) {
	return disconnecting(r.Transport), true
}

func (r *LineOnlyReceiver) step(in *inbuf) bool {
	b := in.cur[in.pos:]
	delim := r.delimiter()
	maxLen := r.maxLength()
	i := bytes.Index(b, delim)
	if i < 0 {
		if len(b)-partialSuffix(b, delim) <= maxLen {
			return false
		}
		in.discard()
		lineTooLong(r.Handler, r.Transport, b)
		return true
	}
	if i > maxLen {
		in.discard()
		lineTooLong(r.Handler, r.Transport, b[:i])
		return true
	}
	in.pos += i + len(delim)
	r.Handler.LineReceived(b[:i])
	return true
}

func (r *LineOnlyReceiver) need(partial, rest []byte) int {
	return lineNeed(partial, rest, r.delimiter(), r.maxLength())
}

func (r *LineOnlyReceiver) limit() int { return r.maxLength() + len(r.delimiter()) }

// partialSuffix is the length of the longest proper prefix of delim that b
// ends with: the start of a delimiter whose end has not arrived.
func partialSuffix(b, delim []byte) int {
	for k := min(len(delim)-1, len(b)); k > 0; k-- {
		if bytes.Equal(b[len(b)-k:], delim[:k]) {
			return k
		}
	}
	return 0
}

// lineEcho sends every line back.
type lineEcho struct {
	LineReceiver
}

// ConnectionMade registers the receiver as the transport's producer, so a
// peer that does not read pauses the reading side and memory stays bounded.
func (e *lineEcho) ConnectionMade() { _ = e.Transport.RegisterProducer(&e.LineReceiver, true) }

// LineReceived sends line back.
func (e *lineEcho) LineReceived(line []byte) { e.SendLine(line) }

// lineEchoProtocol is the line echo's LineReceiver, made half-closeable.
type lineEchoProtocol struct{ *LineReceiver }

// ReadConnectionLost closes once the answers are flushed: every complete
// line has been answered by then, since the receiver pauses the reads
// while it holds lines back.
func (p lineEchoProtocol) ReadConnectionLost() { p.Transport.LoseConnection() }

// LineEchoFactory builds, per connection, a half-closeable LineReceiver
// that sends every "\r\n"-terminated line back (the "lines" workload).
var LineEchoFactory core.Factory = core.FactoryFunc(func(net.Addr) core.Protocol {
	e := new(lineEcho)
	e.Handler = e
	return lineEchoProtocol{&e.LineReceiver}
})
