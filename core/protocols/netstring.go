package protocols

import (
	"strconv"

	"github.com/reactorbench/reactorbench/core"
)

// StringHandler gets the strings of a NetstringReceiver or
// IntNStringReceiver.
type StringHandler interface {
	// StringReceived is called with each string, without its framing. s
	// is only valid until StringReceived returns: copy what you keep.
	StringReceived(s []byte)
}

// NetstringReceiver reads and writes netstrings, `<decimal length>:<data>,`
// (Twisted's NetstringReceiver). Give the transport the receiver as the
// Protocol; the handler keeps a pointer to it to send strings. Zero fields
// mean Twisted's defaults.
//
// A length with a leading zero (other than "0" itself), a missing colon or
// comma, or a length above MaxLength marks the peer as broken: the receiver
// calls LoseConnection and ignores everything after. Once the transport is
// disconnecting nothing more is delivered.
type NetstringReceiver struct {
	// Handler gets the strings; it may implement ConnectionMadeHandler and
	// ConnectionLostHandler too.
	Handler StringHandler
	// MaxLength is the longest string accepted; zero means
	// DefaultMaxStringLength.
	MaxLength int
	// Transport is set by ConnectionMade: the connection's transport,
	// wrapped to notice LoseConnection and AbortConnection.
	Transport core.Transport

	receiver
	out       []byte // SendString's scratch, one Write
	length    int    // the length read so far, or of the payload expected
	digits    int    // digits of length read
	inPayload bool   // the colon was read: payload and comma follow
	broken    bool
}

// NewNetstringReceiver returns a NetstringReceiver with Twisted's defaults
// that calls h.
func NewNetstringReceiver(h StringHandler) *NetstringReceiver {
	return &NetstringReceiver{Handler: h}
}

func (r *NetstringReceiver) maxLength() int { return orDefault(r.MaxLength, DefaultMaxStringLength) }

// ConnectionMade keeps t and tells the handler.
func (r *NetstringReceiver) ConnectionMade(t core.Transport) { r.made(r.Handler, &r.Transport, t) }

// DataReceived parses data into strings for the handler. Called from inside
// a handler, it only appends data after what is buffered.
func (r *NetstringReceiver) DataReceived(data []byte) { r.in.feed(r, data) }

// ConnectionLost drops the buffer and tells the handler, once.
func (r *NetstringReceiver) ConnectionLost(reason error) { r.lost(r.Handler, reason) }

// BrokenPeer reports whether the peer sent something that is not a
// netstring (Twisted's brokenPeer).
func (r *NetstringReceiver) BrokenPeer() bool { return r.broken }

// SendString writes s as a netstring in one Write. It does nothing before
// ConnectionMade.
func (r *NetstringReceiver) SendString(s []byte) {
	if r.Transport == nil {
		return
	}
	r.out = strconv.AppendInt(r.out[:0], int64(len(s)), 10)
	r.out = append(append(append(r.out, ':'), s...), ',')
	r.Transport.Write(r.out)
}

func (r *NetstringReceiver) halt() (stop, drop bool) {
	return r.broken || disconnecting(r.Transport), true
}

func (r *NetstringReceiver) step(in *inbuf) bool {
	b := in.cur[in.pos:]
	if r.inPayload {
		if len(b) <= r.length {
			return false
		}
		if b[r.length] != ',' {
			r.brokenPeer(in)
			return true
		}
		s := b[:r.length]
		in.pos += r.length + 1
		r.length, r.digits, r.inPayload = 0, 0, false
		r.Handler.StringReceived(s)
		return true
	}
	// The length is parsed as it comes, so only payloads are ever buffered.
	maxLen := r.maxLength()
	for i, c := range b {
		if c == ':' && r.digits > 0 {
			in.pos += i + 1
			r.inPayload = true
			return true
		}
		d := int(c - '0')
		// The second length test guards the third against overflow.
		if c < '0' || c > '9' || r.digits > 0 && r.length == 0 ||
			r.length > (maxLen-d)/10 || r.length*10+d > maxLen {
			r.brokenPeer(in)
			return true
		}
		r.length = r.length*10 + d
		r.digits++
	}
	in.pos = len(in.cur)
	return false
}

func (r *NetstringReceiver) need(partial, _ []byte) int { return r.length + 1 - len(partial) }

func (r *NetstringReceiver) limit() int { return r.maxLength() + 1 }

// brokenPeer gives up on the connection after bad input.
func (r *NetstringReceiver) brokenPeer(in *inbuf) {
	r.broken = true
	in.discard()
	if r.Transport != nil {
		r.Transport.LoseConnection()
	}
}
