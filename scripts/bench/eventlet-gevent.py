"""eventlet and gevent counterparts of greenthread's benchmarks (run by index.js).

    python3 eventlet-gevent.py LIB '{"rounds": 7, "warmup": 2, "roundMs": 150}'

LIB is "eventlet" or "gevent". Prints one JSON line on stdout: {"lib", "version", "python",
"results": {id: {"median", "min", "max", "spread", "samples", "n", "opsPerRound"}}} with
figures in ns per operation, or {"lib", "unavailable": reason} (exit 0) when LIB cannot be
imported, so the caller can skip it with a note. The timing scheme is harness.js's:
calibrate each benchmark to a round, warm up, then interleave the rounds and keep medians.
Everything runs inside a spawned green thread, as greenthread's benchmarks do.
"""
import json
import sys
import time

now = time.perf_counter_ns
FANOUT = 10


def one():
    return 1


POOL_SIZE = 1000


def identity(x):
    return x


def make_benches(sleep, spawn, wait, wait_all, Queue, Pool, pool_wait_all):
    """The benchmarks, written once over a library's primitives."""

    def sleep_loop(n):
        for _ in range(n):
            sleep(0)

    def sleep0(n):
        t0 = now()
        sleep_loop(n)
        return now() - t0

    def sleep0x10(n):
        t0 = now()
        wait_all([spawn(sleep_loop, n) for _ in range(FANOUT)])
        return now() - t0

    def spawn_wait(n):
        t0 = now()
        for _ in range(n):
            wait(spawn(one))
        return now() - t0

    def queue_ping_pong(n):
        there, back = Queue(), Queue()

        def echo():
            for _ in range(n):
                back.put(there.get())

        g = spawn(echo)
        t0 = now()
        for i in range(n):
            there.put(i)
            back.get()
        elapsed = now() - t0
        wait(g)
        return elapsed

    def imap_over_range(fn, n):
        pool = Pool(POOL_SIZE)
        t0 = now()
        total = 0
        for value in pool.imap(fn, range(n)):
            total += value
        elapsed = now() - t0
        assert total == n * (n - 1) // 2
        return elapsed

    def yield_then_identity(x):
        sleep(0)
        return x

    def pool_spawn(n):
        pool = Pool(POOL_SIZE)
        t0 = now()
        for _ in range(n):
            pool.spawn(one)
        pool_wait_all(pool)
        return now() - t0

    return [
        {"id": "queuePingPong", "measure": queue_ping_pong},
        {"id": "imap", "measure": lambda n: imap_over_range(identity, n)},
        {"id": "imapYield", "measure": lambda n: imap_over_range(yield_then_identity, n)},
        {"id": "poolSpawn", "measure": pool_spawn},
        {"id": "sleep0", "measure": sleep0},
        {"id": "sleep0x10", "measure": sleep0x10, "ops": lambda n: n * FANOUT},
        {"id": "spawnWait", "measure": spawn_wait},
    ]


def load(lib):
    """(version, benches, run_in_green_thread) for LIB; raises ImportError if missing."""
    if lib == "gevent":
        import gevent
        import gevent.pool
        import gevent.queue

        def wait_all(threads):
            gevent.joinall(threads, raise_error=True)

        benches = make_benches(gevent.sleep, gevent.spawn, lambda g: g.get(), wait_all,
                               gevent.queue.Queue, gevent.pool.Pool, lambda pool: pool.join())
        return gevent.__version__, benches, lambda fn: gevent.spawn(fn).get()
    if lib == "eventlet":
        import eventlet
        import eventlet.queue

        def wait_all(threads):
            for g in threads:
                g.wait()

        benches = make_benches(eventlet.sleep, eventlet.spawn, lambda g: g.wait(), wait_all,
                               eventlet.queue.Queue, eventlet.GreenPool, lambda pool: pool.waitall())
        return eventlet.__version__, benches, lambda fn: eventlet.spawn(fn).wait()
    raise ValueError("unknown library %r" % lib)


def median(values):
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def calibrate(bench, round_ns):
    n = 16
    while True:
        elapsed = bench["measure"](n)
        if elapsed >= round_ns / 4 or n >= 10 ** 8:
            return max(1, round(n * round_ns / max(elapsed, 1)))
        n *= 4


def run_interleaved(benches, rounds, warmup, round_ms):
    round_ns = round_ms * 1e6
    for b in benches:
        b["n"] = calibrate(b, round_ns)
    for _ in range(warmup):
        for b in benches:
            b["measure"](b["n"])
    samples = {b["id"]: [] for b in benches}
    for _ in range(rounds):
        for b in benches:
            ops = b["ops"](b["n"]) if "ops" in b else b["n"]
            samples[b["id"]].append(b["measure"](b["n"]) / ops)
    out = {}
    for b in benches:
        s = samples[b["id"]]
        med = median(s)
        out[b["id"]] = {
            "median": med,
            "min": min(s),
            "max": max(s),
            "spread": (max(s) - min(s)) / med if med else 0,
            "samples": s,
            "n": b["n"],
            "opsPerRound": b["ops"](b["n"]) if "ops" in b else b["n"],
        }
    return out


def main():
    lib = sys.argv[1]
    config = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    try:
        version, benches, in_green_thread = load(lib)
    except ImportError as error:
        print(json.dumps({"lib": lib, "unavailable": "cannot import %s: %s" % (lib, error)}))
        return
    results = in_green_thread(lambda: run_interleaved(
        benches, config.get("rounds", 7), config.get("warmup", 2), config.get("roundMs", 150)))
    print(json.dumps({
        "lib": lib,
        "version": version,
        "python": sys.version.split()[0],
        "results": results,
    }))


if __name__ == "__main__":
    main()
