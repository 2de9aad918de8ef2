"""eventlet and gevent counterparts of crowd.js (run by index.js, a fresh process per measure).

    python3 crowd.py LIB '{"parked": 10000}'
    python3 crowd.py LIB '{"sleepers": 10000, "sleepSeconds": 0.5, "rounds": 2}'

"parked": RSS per greenlet parked in Event.wait() (RSS delta / N after gc.collect() on both
sides). "sleepers": seconds from the first of N spawn(sleep, 0.5) until all were joined, per
round (round 1 cold). Prints one JSON line: {"lib", "version", "parked", "sleepers"}, or
{"lib", "unavailable": reason} (exit 0) when LIB cannot be imported.
"""
import gc
import json
import sys
import time


def self_status():
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmSize", "Threads"):
                fields[name] = int(rest.split()[0])
    return {"rssKiB": fields.get("VmRSS"), "vmKiB": fields.get("VmSize"), "threads": fields.get("Threads")}


def load(lib):
    """(version, spawn, sleep, make_event, set_event, join_all) for LIB."""
    if lib == "gevent":
        import gevent
        import gevent.event
        return (gevent.__version__, gevent.spawn, gevent.sleep, gevent.event.Event,
                lambda ev: ev.set(), lambda gs: gevent.joinall(gs, raise_error=True))
    if lib == "eventlet":
        import eventlet
        import eventlet.event

        def join_all(gs):
            for g in gs:
                g.wait()
        return (eventlet.__version__, eventlet.spawn, eventlet.sleep, eventlet.event.Event,
                lambda ev: ev.send(True), join_all)
    raise ValueError("unknown library %r" % lib)


def main():
    lib = sys.argv[1]
    config = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    try:
        version, spawn, sleep, make_event, set_event, join_all = load(lib)
    except ImportError as error:
        print(json.dumps({"lib": lib, "unavailable": "cannot import %s: %s" % (lib, error)}))
        return
    out = {"lib": lib, "version": version, "python": sys.version.split()[0], "parked": None, "sleepers": None}

    count = config.get("parked", 0)
    if count:
        join_all([spawn(lambda: 1)])  # the hub and its first allocations are not per greenlet
        gc.collect()
        before = self_status()
        ev = make_event()
        t0 = time.perf_counter_ns()
        gs = [spawn(ev.wait) for _ in range(count)]
        sleep(0)  # every greenlet runs until it parks in wait()
        spawn_park = (time.perf_counter_ns() - t0) / count
        gc.collect()
        after = self_status()
        set_event(ev)
        join_all(gs)
        out["parked"] = {
            "count": count, "gc": True, "spawnParkNsPerThread": spawn_park, "before": before, "after": after,
            "perThread": {
                "rssKiB": (after["rssKiB"] - before["rssKiB"]) / count,
                "vmKiB": (after["vmKiB"] - before["vmKiB"]) / count,
                "osThreads": (after["threads"] - before["threads"]) / count,
            },
        }

    n = config.get("sleepers", 0)
    if n:
        seconds = config.get("sleepSeconds", 0.5)
        rounds = []
        for _ in range(config.get("rounds", 2)):
            t0 = time.perf_counter_ns()
            join_all([spawn(sleep, seconds) for _ in range(n)])
            rounds.append((time.perf_counter_ns() - t0) / 1e9)
            time.sleep(0.02)
        out["sleepers"] = {"count": n, "sleepSeconds": seconds, "seconds": rounds, "peak": self_status()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
