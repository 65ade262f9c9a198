"""Twisted LineReceiver client for the interoperability test: sends COUNT
lines of varied length and bytes, in pieces that split lines and
delimiters anywhere, to a line echo server and checks every line comes
back, in order.

usage: python3 twisted_lines_client.py select|epoll HOST PORT COUNT
"""
import sys

kind, host, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if kind == "select":
    from twisted.internet import selectreactor
    selectreactor.install()
elif kind == "epoll":
    from twisted.internet import epollreactor
    epollreactor.install()
else:
    sys.exit("unknown reactor " + kind)

from twisted.internet import protocol, reactor
from twisted.protocols import basic


def line(i):
    """Line i: 0 to 1199 bytes of any value but CR and LF."""
    return bytes(b if b not in (10, 13) else 32
                 for b in ((j * 7 + i * 13) % 256 for j in range(i * 263 % 1200)))


want = [line(i) for i in range(count)]
outcome = []


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
            w = want[self.got]
            n = next((k for k, (a, b) in enumerate(zip(got, w)) if a != b), min(len(got), len(w)))
            outcome.append("line %d: got %d bytes, want %d, first difference at %d" % (self.got, len(got), len(w), n))
            self.transport.loseConnection()
            return
        self.got += 1
        if self.got == count:
            outcome.append("ok")
            self.transport.loseConnection()

    def lineLengthExceeded(self, got):
        outcome.append("line %d: longer than %d bytes" % (self.got, self.MAX_LENGTH))
        self.transport.loseConnection()

    def connectionLost(self, reason):
        if not outcome:
            outcome.append("connection lost after %d of %d lines: %s" % (self.got, count, reason.getErrorMessage()))
        reactor.stop()


class Factory(protocol.ClientFactory):
    protocol = Client

    def clientConnectionFailed(self, connector, reason):
        outcome.append("connection failed: %s" % reason.getErrorMessage())
        reactor.stop()


reactor.connectTCP(host, port, Factory(), timeout=10)
reactor.callLater(60, lambda: (outcome.append("timed out"), reactor.stop()))
reactor.run()
print(outcome[0] if outcome else "no outcome")
sys.exit(0 if outcome == ["ok"] else 1)
