"""Twisted client for the interoperability test: sends SIZE varied bytes in
pieces of varied length to an echo server and checks every byte comes back.

usage: python3 twisted_echo_client.py select|epoll HOST PORT SIZE
"""
import sys

kind, host, port, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if kind == "select":
    from twisted.internet import selectreactor
    selectreactor.install()
elif kind == "epoll":
    from twisted.internet import epollreactor
    epollreactor.install()
else:
    sys.exit("unknown reactor " + kind)

from twisted.internet import protocol, reactor

want = bytes((i * 7 + (i >> 8)) % 256 for i in range(size))
outcome = []


class Client(protocol.Protocol):
    def connectionMade(self):
        self.got = bytearray()
        i, step = 0, 1
        while i < size:
            self.transport.write(want[i:i + step])
            i += step
            step = step * 3 % 4099 + 1

    def dataReceived(self, data):
        self.got += data
        if len(self.got) >= size:
            self.transport.loseConnection()

    def connectionLost(self, reason):
        got = bytes(self.got)
        if got == want:
            outcome.append("ok")
        else:
            n = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            outcome.append("got %d bytes, want %d, first difference at %d" % (len(got), size, n))
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
