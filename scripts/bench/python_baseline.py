"""What the Python baseline servers of the benchmarks (echo/ and http/python-server.py) share.

Their command line, `python-server.py eventlet|gevent [port]` (port 0 picks a free one); the
library's import, which, when it fails, prints {"unavailable": reason} and exits 0 so the runner
skips that baseline with a note; and the `listening on 127.0.0.1:<port>` line the runner waits
for (scripts/bench/server-process.js).
"""
import importlib
import json
import sys


def library_from_argv(modules):
    """Returns (library, port) from the command line, once the library's `modules` (a dict from
    library name to the modules it needs) are imported; exits as described above otherwise."""
    lib = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if lib not in modules:
        raise SystemExit(f"unknown library {lib!r}")
    try:
        for name in modules[lib]:
            importlib.import_module(name)
    except ImportError as error:
        print(json.dumps({"unavailable": f"cannot import {lib}: {error}"}), flush=True)
        sys.exit(0)
    return lib, port


def ready(bound_port):
    """Tells the runner the server accepts connections."""
    print(f"listening on 127.0.0.1:{bound_port}", flush=True)
