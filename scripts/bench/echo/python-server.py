"""eventlet or gevent echo server, the Python baselines of the echo benchmark.

    /usr/bin/python3 python-server.py eventlet|gevent [port]

Port 0 picks a free one. Prints `listening on 127.0.0.1:<port>` when ready and runs until
SIGTERM/SIGINT; prints {"unavailable": reason} and exits 0 when the library cannot be imported,
so the runner skips it with a note. The handler is the classic one: recv up to 64 KiB, sendall
it back, until the peer closes. Nagle is off, as in the Node servers; backlog 1024 so the
1,000-connection runs do not wait on dropped SYNs.
"""
import os
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from python_baseline import library_from_argv, ready  # noqa: E402

lib, port = library_from_argv({"eventlet": ["eventlet"], "gevent": ["gevent", "gevent.server"]})


def handle(sock, _address):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            sock.sendall(data)
    except OSError:
        pass  # the load generator drops its connections at the end of a run
    finally:
        sock.close()


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

if lib == "eventlet":
    import eventlet
    listener = eventlet.listen(("127.0.0.1", port), backlog=1024)
    ready(listener.getsockname()[1])
    try:
        # concurrency: eventlet.serve's pool defaults to 1000, exactly the largest run
        eventlet.serve(listener, handle, concurrency=4096)
    except (KeyboardInterrupt, SystemExit):
        pass
else:
    import gevent.server
    server = gevent.server.StreamServer(("127.0.0.1", port), handle, backlog=1024)
    server.start()
    ready(server.server_port)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
