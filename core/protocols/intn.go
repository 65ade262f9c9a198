package protocols

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/reactorbench/reactorbench/core"
)

// ErrStringTooLong is returned by IntNStringReceiver.SendString for a string
// its length prefix cannot express (Twisted's StringTooLongError).
var ErrStringTooLong = errors.New("core: string too long for the length prefix")

// LengthLimitExceededHandler is a StringHandler told about a length prefix
// above MaxLength; without it the receiver calls LoseConnection.
type LengthLimitExceededHandler interface {
	LengthLimitExceeded(length uint32)
}

// IntNStringReceiver reads and writes strings prefixed with their length as
// a big-endian integer of 1, 2 or 4 bytes (Twisted's Int8StringReceiver,
// Int16StringReceiver and Int32StringReceiver; build one with
// NewInt8StringReceiver and the like, the zero value has a 4-byte prefix).
// Give the transport the receiver as the Protocol; the handler keeps a
// pointer to it to send strings. A zero MaxLength means
// DefaultMaxStringLength.
//
// A prefix above MaxLength calls LengthLimitExceeded (by default
// LoseConnection) and that string is skipped unread, so memory stays within
// MaxLength plus the prefix. Once the transport is disconnecting nothing
// more is delivered.
type IntNStringReceiver struct {
	// Handler gets the strings; it may implement
	// LengthLimitExceededHandler, ConnectionMadeHandler and
	// ConnectionLostHandler too.
	Handler StringHandler
	// MaxLength is the longest string accepted; zero means
	// DefaultMaxStringLength.
	MaxLength int
	// Transport is set by ConnectionMade: the connection's transport,
	// wrapped to notice LoseConnection and AbortConnection.
	Transport core.Transport

	receiver
	prefix int    // bytes of length prefix; 0 means 4
	out    []byte // SendString's scratch, one Write
	skip   uint64 // bytes of an over-long string still to skip
	flow
}

// NewInt32StringReceiver returns a receiver of strings with a 4-byte prefix.
func NewInt32StringReceiver(h StringHandler) *IntNStringReceiver {
	return &IntNStringReceiver{Handler: h, prefix: 4}
}

// NewInt16StringReceiver returns a receiver of strings with a 2-byte prefix.
func NewInt16StringReceiver(h StringHandler) *IntNStringReceiver {
	return &IntNStringReceiver{Handler: h, prefix: 2}
}

// NewInt8StringReceiver returns a receiver of strings with a 1-byte prefix.
func NewInt8StringReceiver(h StringHandler) *IntNStringReceiver {
	return &IntNStringReceiver{Handler: h, prefix: 1}
}

// PrefixLength is the size of the length prefix in bytes: 1, 2 or 4.
func (r *IntNStringReceiver) PrefixLength() int {
	if r.prefix == 0 {
		return 4
	}
	return r.prefix
}

func (r *IntNStringReceiver) maxLength() int { return orDefault(r.MaxLength, DefaultMaxStringLength) }

// ConnectionMade keeps t and tells the handler.
func (r *IntNStringReceiver) ConnectionMade(t core.Transport) { r.made(r.Handler, &r.Transport, t) }

// DataReceived parses data into strings for the handler. Called from inside
// a handler, it only appends data after what is buffered.
func (r *IntNStringReceiver) DataReceived(data []byte) { r.in.feed(r, data) }

// ConnectionLost drops the buffer and tells the handler, once.
func (r *IntNStringReceiver) ConnectionLost(reason error) { r.lost(r.Handler, reason) }

// SendString writes the prefix and s in one Write. It fails with
// ErrStringTooLong when len(s) >= 2^(8*PrefixLength()), and does nothing
// before ConnectionMade.
func (r *IntNStringReceiver) SendString(s []byte) error {
	p := r.PrefixLength()
	if limit := uint64(1) << (8 * p); uint64(len(s)) >= limit {
		return fmt.Errorf("%w: %d bytes, a %d-byte prefix allows fewer than %d", ErrStringTooLong, len(s), p, limit)
	}
	if r.Transport == nil {
		return nil
	}
	var prefix [4]byte
	binary.BigEndian.PutUint32(prefix[:], uint32(len(s)))
	r.out = append(append(r.out[:0], prefix[4-p:]...), s...)
	r.Transport.Write(r.out)
	return nil
}

// PauseProducing stops delivering strings and pauses the transport's reads.
func (r *IntNStringReceiver) PauseProducing() { r.pause(r.Transport) }

// ResumeProducing resumes the transport's reads and delivers what was
// buffered meanwhile.
func (r *IntNStringReceiver) ResumeProducing() { r.resume(r.Transport, r.DataReceived) }

// StopProducing stops delivering and stops the transport.
func (r *IntNStringReceiver) StopProducing() { r.stop(r.Transport) }

func (r *IntNStringReceiver) halt() (stop, drop bool) { return r.held(r.Transport) }

// prefixOf reads a p-byte big-endian length.
func prefixOf(b []byte, p int) uint32 {
	var n uint32
	for _, c := range b[:p] {
		n = n<<8 | uint32(c)
	}
	return n
}

func (r *IntNStringReceiver) step(in *inbuf) bool {
	b := in.cur[in.pos:]
	if r.skip > 0 {
		n := int(min(r.skip, uint64(len(b))))
		in.pos += n
		r.skip -= uint64(n)
		return true
	}
	p := r.PrefixLength()
	if len(b) < p {
		return false
	}
	n := prefixOf(b, p)
	if uint64(n) > uint64(r.maxLength()) {
		in.pos += p
		r.skip = uint64(n)
		if h, ok := r.Handler.(LengthLimitExceededHandler); ok {
			h.LengthLimitExceeded(n)
		} else if r.Transport != nil {
			r.Transport.LoseConnection()
		}
		return true
	}
	end := p + int(n)
	if len(b) < end {
		return false
	}
	in.pos += end
	r.Handler.StringReceived(b[p:end])
	return true
}

func (r *IntNStringReceiver) need(partial, _ []byte) int {
	p := r.PrefixLength()
	if len(partial) < p {
		return p - len(partial)
	}
	return p + int(prefixOf(partial, p)) - len(partial)
}

func (r *IntNStringReceiver) limit() int { return r.PrefixLength() + r.maxLength() }
