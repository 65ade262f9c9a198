"""Twisted LineReceiver client for the interoperability test: sends COUNT
lines of varied length and bytes, in pieces that split lines and
delimiters anywhere, to a line echo server and checks every line comes
back, in order.

usage: python3 twisted_lines_client.py select|epoll HOST PORT COUNT
"""
import sys

import twisted_peer

kind, host, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
twisted_peer.install(kind)

from twisted.protocols import basic  # only now: the reactor is installed


def line(i):
    """Line i: 0 to 1199 bytes of any value but CR and LF."""
    return bytes(b if b not in (10, 13) else 32
                 for b in ((j * 7 + i * 13) % 256 for j in range(i * 263 % 1200)))


want = [line(i) for i in range(count)]


class Client(basic.LineReceiver):
    def connectionMade(self):
        self.got = 0
        stream = b"".join(w + b"\r\n" for w in want)
        i, step = 0, 1
        while i < len(stream):
            self.transport.write(stream[i:i + step])
            i += step
            step = step * 3 % 4099 + 1

    def lineReceived(self, got):
        if got != want[self.got]:
            twisted_peer.finish("line %d: %s" % (self.got, twisted_peer.difference(got, want[self.got])))
            self.transport.loseConnection()
            return
        self.got += 1
        if self.got == count:
            twisted_peer.finish("ok")
            self.transport.loseConnection()

    def lineLengthExceeded(self, got):
        twisted_peer.finish("line %d: longer than %d bytes" % (self.got, self.MAX_LENGTH))
        self.transport.loseConnection()

    def connectionLost(self, reason):
        twisted_peer.finish("connection lost after %d of %d lines: %s" % (self.got, count, reason.getErrorMessage()))


twisted_peer.run(host, port, Client)
