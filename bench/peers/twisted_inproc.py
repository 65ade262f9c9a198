"""The in-process shapes of the benchmark suite, timed in Twisted.

Usage: PYTHON twisted_inproc.py [--count N] [--quick] callbacks|timers|cross-thread|deferred

Prints one Go benchmark line per shape and repeat, named as the suite names
its own (BenchmarkTimers/pending=1000/op=fire ...), so the two sit side by
side. Each shape is warmed up with one untimed run, then grows its operation
count until one timed run lasts the target time and makes at least MIN_OPS
operations, as the suite's Go harness does: a first run over the target alone
would let one slow operation (a thread's start, the GIL's switch interval) be
the sample. chain-1e5/1e6, a million callbacks an operation, is timed once.

The suite runs callbacks, timers and cross-thread. deferred is run by hand:
the shapes of core/deferred's BenchmarkDeferred under its names, for benchstat
beside `go test ./core/deferred -bench Deferred/`. It ends with chain-1e6, one
Deferred with a million callbacks, which also prints ns/callback: flat if
running a chain is linear. Twisted pops each callback off the front of a
list, so it is quadratic there and one run lasts over a minute; --quick times
chain-1e5 instead and says so in the name.
"""
import argparse
import sys
import threading
import time

from twisted.internet import defer, reactor, threads

TIMER_BATCH = 1000  # timer operations per reactor pass
MIN_OPS = 100  # the fewest operations a sample times (minShapeOps in Go)


def grow(run, target, min_ops=MIN_OPS):
    """Calls run(n) with growing n until it lasts target seconds and makes at
    least min_ops operations; returns n and ns/op."""
    n = 1
    while True:
        took = run(n)
        if (took >= target and n >= min_ops) or n >= 10**9:
            return n, took * 1e9 / n
        per_op = max(took / n, 1e-9)
        n = int(min(max(target / per_op * 1.2, n + 1, min_ops), n * 100))


def spin(until):
    """Runs reactor passes until until() holds, checked between running the
    queued calls and waiting (iterate() waits after running them)."""
    while True:
        reactor.runUntilCurrent()
        if until():
            return
        reactor.doIteration(1)


def identity(v):
    return v


def recover(_failure):
    return None


class ShapeError(Exception):
    pass


def timed(op):
    def run(n):
        start = time.perf_counter()
        for _ in range(n):
            op()
        return time.perf_counter() - start
    return run


def create_callback_fire():
    d = defer.Deferred()
    d.addCallback(identity)
    d.callback(None)


def chain_10():
    d = defer.Deferred()
    for _ in range(10):
        d.addCallback(identity)
    d.callback(None)


def list_1000():
    ds = [defer.Deferred() for _ in range(1000)]
    defer.DeferredList(ds)
    for d in ds:
        d.callback(None)


def errback():
    d = defer.Deferred()
    d.addErrback(recover)
    d.errback(ShapeError("errback shape"))


def long_chain(length):
    def op():
        d = defer.Deferred()
        for _ in range(length):
            d.addCallback(identity)
        d.callback(None)
    return op


def defer_to_thread(n):
    """n sequential round trips: work on the pool, result back on the reactor."""
    done = [0]

    def back(_):
        done[0] += 1
        if done[0] < n:
            threads.deferToThread(identity, None).addCallback(back)

    start = time.perf_counter()
    threads.deferToThread(identity, None).addCallback(back)
    spin(lambda: done[0] >= n)
    return time.perf_counter() - start


def callbacks(quick):
    reactor.getThreadPool().start()
    try:
        yield "shape=create-callback-fire", timed(create_callback_fire)
        yield "shape=chain-10", timed(chain_10)
        yield "shape=list-1000", timed(list_1000)
        yield "shape=errback", timed(errback)
        yield "shape=defer-to-thread", defer_to_thread
    finally:
        reactor.getThreadPool().stop()


def deferred(quick):
    yield "shape=create-callback-fire", timed(create_callback_fire)
    yield "shape=chain-10", timed(chain_10)
    yield "shape=errback", timed(errback)
    yield "shape=list-1000", timed(list_1000)
    length, name = (100_000, "chain-1e5") if quick else (1_000_000, "chain-1e6")
    yield "shape=" + name, timed(long_chain(length)), length


def noop():
    pass


def timers(quick):
    for pending in (0, 1000) if quick else (0, 1000, 1000000):
        calls = [reactor.callLater(3600 + i * 1e-9, noop) for i in range(pending)]
        reactor.runUntilCurrent()  # moves the new calls into the heap
        fired = [0]

        def fire():
            fired[0] += 1

        def run_fire(n):
            fired[0] = 0
            start = time.perf_counter()
            done = 0
            while done < n:
                k = min(TIMER_BATCH, n - done)
                for _ in range(k):
                    reactor.callLater(0, fire)
                done += k
                while fired[0] < done:
                    reactor.iterate(0)
            return time.perf_counter() - start

        def run_cancel(n):
            start = time.perf_counter()
            for _ in range(n):
                reactor.callLater(7200, noop).cancel()
            return time.perf_counter() - start

        yield "pending=%d/op=fire" % pending, run_fire
        yield "pending=%d/op=cancel" % pending, run_cancel
        for c in calls:
            c.cancel()
        reactor.runUntilCurrent()
    yield from idle_timeouts()


IDLE_CONNS = 4096


def idle_timeouts():
    # One 30-second idle timeout per connection, moved back on every
    # request in connection order, none firing; one reactor pass per
    # TIMER_BATCH requests, as the Go shapes make them.
    calls = [reactor.callLater(30, noop) for _ in range(IDLE_CONNS)]
    reactor.runUntilCurrent()

    def run_reset(n):
        start = time.perf_counter()
        for i in range(n):
            calls[i % IDLE_CONNS].reset(30)
            if i % TIMER_BATCH == TIMER_BATCH - 1:
                reactor.runUntilCurrent()
        return time.perf_counter() - start

    def run_rearm(n):
        start = time.perf_counter()
        for i in range(n):
            k = i % IDLE_CONNS
            calls[k].cancel()
            calls[k] = reactor.callLater(30, noop)
            if i % TIMER_BATCH == TIMER_BATCH - 1:
                reactor.runUntilCurrent()
        return time.perf_counter() - start

    yield "conns=%d/op=reset" % IDLE_CONNS, run_reset
    yield "conns=%d/op=rearm" % IDLE_CONNS, run_rearm
    for c in calls:
        c.cancel()
    reactor.runUntilCurrent()


def cross_thread(quick):
    for g in (1, 4):
        def run(n, g=g):
            count = [0]

            def inc():
                count[0] += 1

            def produce(k):
                for _ in range(k):
                    reactor.callFromThread(inc)

            go = threading.Event()

            def produce_on_go(k):
                go.wait()
                produce(k)

            # The threads start before the timer and wait for go, so their
            # start-up is not timed.
            ts = [threading.Thread(target=produce_on_go, args=(n // g + (i < n % g),)) for i in range(g)]
            for t in ts:
                t.start()
            start = time.perf_counter()
            go.set()
            spin(lambda: count[0] >= n)
            took = time.perf_counter() - start
            for t in ts:
                t.join()
            return took

        yield "goroutines=%d" % g, run


WORKLOADS = {
    "callbacks": ("Callbacks", callbacks),
    "timers": ("Timers", timers),
    "cross-thread": ("CrossThread", cross_thread),
    "deferred": ("Deferred", deferred),
}


def main():
    ap = argparse.ArgumentParser(description="Time the suite's in-process shapes in Twisted.")
    ap.add_argument("--count", type=int, default=1, help="samples per shape")
    ap.add_argument("--quick", action="store_true", help="short runs, no million pending timers")
    ap.add_argument("workload", choices=sorted(WORKLOADS))
    args = ap.parse_args()
    if args.count < 1:
        ap.error("--count must be at least 1")
    # A sample spans ten of the GIL's switch intervals at least (5 ms each
    # by default), so the shapes with threads are not decided by where one
    # switch fell.
    target = max(0.005 if args.quick else 0.03, 10 * sys.getswitchinterval())
    prefix, shapes = WORKLOADS[args.workload]
    for key, run, *callbacks in shapes(args.quick):
        min_ops = 1 if callbacks else MIN_OPS  # a long chain is slow enough alone
        if not callbacks:
            run(MIN_OPS)  # warm-up, untimed
        for _ in range(args.count):
            n, ns = grow(run, target, min_ops)
            line = "Benchmark%s/%s\t%d\t%.1f ns/op" % (prefix, key, n, ns)
            if callbacks:
                line += "\t%.1f ns/callback" % (ns / callbacks[0])
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
