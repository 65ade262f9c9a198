"""The Deferred shapes of core's benchmarks, timed in Twisted.

Usage: python3 twisted_shapes.py [-quick]

Prints Go benchmark lines named like core's own with impl=twisted added
(BenchmarkDeferred/impl=twisted/shape=chain-10 ...), six repeats per shape,
one with -quick. Each shape grows its iteration count until one timed run
lasts the target time, as Go's testing package does. chain-1e6 is quadratic
in Twisted (about a minute), so -quick times chain-1e5 instead and says so
in the name; it also prints ns/callback.
"""
import sys
import time

from twisted.internet import defer, reactor, threads


def identity(v):
    return v


def recover(_failure):
    return None


class ShapeError(Exception):
    pass


def create_callback_fire(n):
    start = time.perf_counter()
    for _ in range(n):
        d = defer.Deferred()
        d.addCallback(identity)
        d.callback(None)
    return time.perf_counter() - start


def chain_10(n):
    start = time.perf_counter()
    for _ in range(n):
        d = defer.Deferred()
        for _ in range(10):
            d.addCallback(identity)
        d.callback(None)
    return time.perf_counter() - start


def errback(n):
    start = time.perf_counter()
    for _ in range(n):
        d = defer.Deferred()
        d.addErrback(recover)
        d.errback(ShapeError("bench"))
    return time.perf_counter() - start


def list_1000(n):
    start = time.perf_counter()
    for _ in range(n):
        ds = [defer.Deferred() for _ in range(1000)]
        defer.DeferredList(ds)
        for d in ds:
            d.callback(None)
    return time.perf_counter() - start


def long_chain(length):
    def run(n):
        start = time.perf_counter()
        for _ in range(n):
            d = defer.Deferred()
            for _ in range(length):
                d.addCallback(identity)
            d.callback(None)
        return time.perf_counter() - start
    return run


def defer_to_thread(n):
    """n sequential round trips: pool thread, then back on the reactor."""
    box = {}

    def step(_, left):
        if left == 0:
            box["end"] = time.perf_counter()
            reactor.stop()
            return
        threads.deferToThread(identity, None).addCallback(step, left - 1)

    def begin():
        box["start"] = time.perf_counter()
        step(None, n)

    reactor.callWhenRunning(begin)
    reactor.run(installSignalHandlers=False)
    return box["end"] - box["start"]


def grow(run, target):
    """Calls run(n) with growing n until it lasts target seconds."""
    n = 1
    while True:
        took = run(n)
        if took >= target or n >= 10**9:
            return n, took
        per_op = max(took / n, 1e-9)
        n = int(min(max(target / per_op * 1.2, n + 1), n * 100))


def main():
    quick = "-quick" in sys.argv[1:]
    unknown = [a for a in sys.argv[1:] if a != "-quick"]
    if unknown:
        print("usage: twisted_shapes.py [-quick]", file=sys.stderr)
        sys.exit(2)
    count, target = (1, 0.2) if quick else (6, 1.0)
    long_len = 100_000 if quick else 1_000_000
    long_name = "chain-1e5" if quick else "chain-1e6"
    shapes = [
        ("create-callback-fire", create_callback_fire),
        ("chain-10", chain_10),
        ("errback", errback),
        ("list-1000", list_1000),
    ]
    for name, run in shapes:
        for _ in range(count):
            n, took = grow(run, target)
            print(f"BenchmarkDeferred/impl=twisted/shape={name} {n} {took * 1e9 / n:.1f} ns/op", flush=True)
    # One run of the long chain is already long; it is not repeated.
    took = long_chain(long_len)(1)
    print(f"BenchmarkDeferred/impl=twisted/shape={long_name} 1 {took * 1e9:.0f} ns/op "
          f"{took * 1e9 / long_len:.1f} ns/callback", flush=True)
    # The reactor cannot be restarted, so all round trips share one run.
    n = 2000 if quick else 20000
    took = defer_to_thread(n)
    print(f"BenchmarkDeferToThread/impl=twisted {n} {took * 1e9 / n:.1f} ns/op", flush=True)


if __name__ == "__main__":
    main()
