"""Twisted client for the interoperability test: sends SIZE varied bytes in
pieces of varied length to an echo server and checks every byte comes back.

usage: python3 twisted_echo_client.py select|epoll HOST PORT SIZE
"""
import sys

import twisted_peer

kind, host, port, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
twisted_peer.install(kind)

from twisted.internet import protocol  # only now: the reactor is installed

want = bytes((i * 7 + (i >> 8)) % 256 for i in range(size))


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
        twisted_peer.finish("ok" if got == want else twisted_peer.difference(got, want))


twisted_peer.run(host, port, Client)
