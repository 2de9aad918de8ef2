"""eventlet.wsgi or gevent.pywsgi hello world, the Python baselines of the http group.

    /usr/bin/python3 python-server.py eventlet|gevent [port]

Port 0 picks a free one. Prints `listening on 127.0.0.1:<port>` when ready and runs until
SIGTERM/SIGINT; prints {"unavailable": reason} and exits 0 when the library cannot be imported,
so the runner skips it with a note. The app is the plain WSGI hello world. Both servers log
every request to stderr by default; that is switched off, as Node and greenthread log nothing.
Backlog 1024 as in every server of the group, so 1,000 connections arriving at once all get in.
Nagle is off, as Node's http server has it by default: set on the listening socket, which Linux
copies to every accepted one. Without it gevent.pywsgi, which sends the headers and the body in
two writes, waits for the client's delayed ACK on every response (about 44 ms per request at 50
connections).
"""
import os
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from python_baseline import library_from_argv, ready  # noqa: E402

lib, port = library_from_argv({"eventlet": ["eventlet", "eventlet.wsgi"], "gevent": ["gevent.pywsgi"]})

BODY = b"hello"
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))]


def app(_environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


def no_delay(listening):
    listening.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# At once: a SystemExit raised in whichever greenlet runs may be caught by the server's request
# handling (eventlet.wsgi with 1,000 connections open went on serving), and the runner is done.
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

try:
    if lib == "eventlet":
        import eventlet.wsgi
        listener = eventlet.listen(("127.0.0.1", port), backlog=1024)
        no_delay(listener)
        ready(listener.getsockname()[1])
        # max_size: eventlet.wsgi's default pool of 1024 green threads covers the 1,000 connections.
        eventlet.wsgi.server(listener, app, log_output=False)
    else:
        import gevent.pywsgi
        server = gevent.pywsgi.WSGIServer(("127.0.0.1", port), app, backlog=1024, log=None)
        server.start()
        no_delay(server.socket)
        ready(server.server_port)
        server.serve_forever()
except (KeyboardInterrupt, SystemExit):
    pass
