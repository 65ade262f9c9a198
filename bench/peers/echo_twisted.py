"""Echo server on Twisted, for the benchmark suite.

Usage: python3 echo_twisted.py select|poll|epoll

Installs the named reactor, listens on 127.0.0.1 with an OS-chosen port,
prints "addr HOST:PORT", and writes back every chunk it reads.
"""
import sys

REACTORS = {
    "select": "twisted.internet.selectreactor",
    "poll": "twisted.internet.pollreactor",
    "epoll": "twisted.internet.epollreactor",
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in REACTORS:
        sys.stderr.write("usage: echo_twisted.py select|poll|epoll\n")
        return 2
    __import__(REACTORS[sys.argv[1]], fromlist=["install"]).install()
    from twisted.internet import protocol, reactor

    class Echo(protocol.Protocol):
        def connectionMade(self):
            self.transport.setTcpNoDelay(True)

        def dataReceived(self, data):
            self.transport.write(data)

    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo), backlog=4096, interface="127.0.0.1")

    def ready():
        sys.stdout.write("addr 127.0.0.1:%d\n" % port.getHost().port)
        sys.stdout.flush()

    reactor.callWhenRunning(ready)
    reactor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
