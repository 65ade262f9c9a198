//go:build linux && (amd64 || arm64)

package uring

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// BufRing is a provided buffer ring (IORING_REGISTER_PBUF_RING): a group
// of equal buffers the kernel picks from for SQEBufferSelect requests such
// as a multishot recv. Both the ring of descriptors and the buffers are
// mmap'd, outside the Go heap.
type BufRing struct {
	ring    *Ring
	group   uint16
	mask    uint16
	size    int
	entries []bufDesc // the shared ring; entries[0].resv doubles as its tail
	mem     []byte    // the descriptor ring's mapping
	bufs    []byte    // size bytes per buffer
	tail    uint16
}

// bufDesc is struct io_uring_buf.
type bufDesc struct {
	addr uint64
	len  uint32
	bid  uint16
	resv uint16
}

// bufReg is struct io_uring_buf_reg.
type bufReg struct {
	ringAddr    uint64
	ringEntries uint32
	bgid        uint16
	flags       uint16
	resv        [3]uint64
}

// NewBufRing maps a buffer ring of n buffers of size bytes each (n a power
// of two up to 32768), the first ready of them put, for Register to hand to
// a ring. Buffers never put cost no memory.
func NewBufRing(group uint16, n, size, ready int) (*BufRing, error) {
	if n <= 0 || n > 1<<15 || n&(n-1) != 0 || size <= 0 || size > 1<<30 {
		return nil, fmt.Errorf("io_uring: buffer ring of %d x %d bytes: need a power of two up to 32768 buffers", n, size)
	}
	b := &BufRing{group: group, mask: uint16(n - 1), size: size}
	var err error
	if b.mem, err = unix.Mmap(-1, 0, n*int(unsafe.Sizeof(bufDesc{})), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANONYMOUS|unix.MAP_PRIVATE|unix.MAP_POPULATE); err != nil {
		return nil, Explain("mmap(buffer ring)", err)
	}
	// The buffers are not populated: a page costs memory once the kernel
	// first writes into it, so a loop that receives little stays small.
	if b.bufs, err = unix.Mmap(-1, 0, n*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANONYMOUS|unix.MAP_PRIVATE); err != nil {
		unix.Munmap(b.mem)
		return nil, Explain("mmap(buffers)", err)
	}
	b.entries = unsafe.Slice((*bufDesc)(unsafe.Pointer(&b.mem[0])), n)
	for i := range min(ready, n) {
		b.Put(uint16(i))
	}
	b.Publish()
	return b, nil
}

// Len is the number of buffers in the ring.
func (b *BufRing) Len() int { return len(b.entries) }

// Register hands the buffer ring to r, which must not have one in the same
// group. The buffers put so far are the kernel's from now on.
func (b *BufRing) Register(r *Ring) error {
	reg := bufReg{ringAddr: uint64(uintptr(unsafe.Pointer(&b.mem[0]))), ringEntries: uint32(len(b.entries)), bgid: b.group}
	if _, err := register(r.fd, registerPbufRing, unsafe.Pointer(&reg), 1); err != nil {
		return Explain("io_uring_register(PBUF_RING)", err)
	}
	b.ring = r
	return nil
}

// Unmap frees the memory of a buffer ring whose ring is closed: closing a
// ring ends the kernel's use of its buffer rings, and an unregister would
// be refused from any thread but a single issuer's.
func (b *BufRing) Unmap() { b.unmap() }

// RegisterBufRing maps a buffer ring (see NewBufRing) and registers it
// with r.
func (r *Ring) RegisterBufRing(group uint16, n, size int) (*BufRing, error) {
	b, err := NewBufRing(group, n, size, n)
	if err != nil {
		return nil, err
	}
	if err := b.Register(r); err != nil {
		b.unmap()
		return nil, err
	}
	return b, nil
}

// Buf is buffer bid, n bytes long as a completion reported.
func (b *BufRing) Buf(bid uint16, n int) []byte {
	off := int(bid&b.mask) * b.size
	return b.bufs[off : off+min(n, b.size) : off+b.size]
}

// Put queues buffer bid for return to the kernel; Publish hands over
// everything put so far.
func (b *BufRing) Put(bid uint16) {
	bid &= b.mask
	e := &b.entries[b.tail&b.mask]
	e.addr = uint64(uintptr(unsafe.Pointer(&b.bufs[int(bid)*b.size])))
	e.len = uint32(b.size)
	if b.tail&b.mask == 0 {
		// entry 0's bid shares a word with the tail: publish keeps it.
		bidAndTail := (*uint32)(unsafe.Pointer(&e.bid))
		atomic.StoreUint32(bidAndTail, atomic.LoadUint32(bidAndTail)&0xffff0000|uint32(bid))
	} else {
		e.bid = bid
	}
	b.tail++
}

// Publish makes the buffers put so far visible to the kernel. The 16-bit
// tail overlays entry 0's resv; sync/atomic has no 16-bit store, so the
// 32-bit word holding entry 0's bid (little-endian low half, which only
// this side writes) and the tail (high half) is stored as one.
func (b *BufRing) Publish() {
	word := (*uint32)(unsafe.Pointer(&b.entries[0].bid))
	atomic.StoreUint32(word, atomic.LoadUint32(word)&0xffff|uint32(b.tail)<<16)
}

// Close unregisters the group and unmaps its memory.
func (b *BufRing) Close() error {
	reg := bufReg{bgid: b.group}
	_, err := register(b.ring.fd, unregisterPbufRing, unsafe.Pointer(&reg), 1)
	b.unmap()
	if err != nil {
		return fmt.Errorf("io_uring_register(UNREGISTER_PBUF_RING): %w", err)
	}
	return nil
}

func (b *BufRing) unmap() {
	unix.Munmap(b.bufs)
	unix.Munmap(b.mem)
	b.entries, b.bufs, b.mem = nil, nil, nil
}
