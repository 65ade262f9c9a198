"""Twisted echo server for the interoperability test: prints its port, then
echoes until stdin closes.

usage: python3 twisted_echo_server.py
"""
import sys

from twisted.internet import protocol, reactor, stdio
from twisted.protocols.wire import Echo


class StopOnEOF(protocol.Protocol):
    def connectionLost(self, reason):
        reactor.stop()


port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), interface="127.0.0.1")
print(port.getHost().port, flush=True)
stdio.StandardIO(StopOnEOF())
reactor.run()
