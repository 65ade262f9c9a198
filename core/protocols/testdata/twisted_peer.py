"""What the Twisted client scripts share: the reactor named on the command
line, the connection, the outcome and how it is printed.
"""
import sys

outcome = []


def install(kind):
    """Installs Twisted's select or epoll reactor; call before importing
    twisted.internet.reactor."""
    if kind == "select":
        from twisted.internet import selectreactor
        selectreactor.install()
    elif kind == "epoll":
        from twisted.internet import epollreactor
        epollreactor.install()
    else:
        sys.exit("unknown reactor " + kind)


def finish(message):
    """Records the client's outcome, the first one only, and stops the
    reactor."""
    from twisted.internet import reactor
    if not outcome:
        outcome.append(message)
        reactor.stop()


def difference(got, want):
    """Says how got differs from want, as bytes."""
    n = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    return "got %d bytes, want %d, first difference at %d" % (len(got), len(want), n)


def run(host, port, client):
    """Connects a client protocol to host:port, runs the reactor until the
    client calls finish (or 60 s pass), prints the outcome and exits with
    status 0 when it is "ok"."""
    from twisted.internet import protocol, reactor

    class Factory(protocol.ClientFactory):
        protocol = client

        def clientConnectionFailed(self, connector, reason):
            finish("connection failed: %s" % reason.getErrorMessage())

    reactor.connectTCP(host, port, Factory(), timeout=10)
    reactor.callLater(60, finish, "timed out")
    reactor.run()
    print(outcome[0] if outcome else "no outcome")
    sys.exit(0 if outcome == ["ok"] else 1)
