"""Bugs found in Server code while hardening (issue 11), kept out of the default run until fixed.

pytest doesn't collect this file by itself (its name doesn't start with
test_), because each test here fails today.  Run it on purpose:

    python -m pytest tests/pending_server_bugs.py

When a fix lands, move the test into the file named in its docstring.
"""

import socket

from conftest import DEADLINE


def answer(program, request):
    with socket.create_connection(("127.0.0.1", program.port), timeout=DEADLINE) as sock:
        sock.sendall(request)
        data = b""
        for _ in range(1000):  # until the server closes
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0]


def test_two_upgrade_headers_get_400_not_500_and_no_traceback(run):
    """Belongs in test_http.py.  Server.http reads request.headers.get("Upgrade"), which raises
    MultipleValuesError for two Upgrade headers: the answer is a 500 and the terminal gets a
    traceback, and anyone on the network can repeat it.  headers.get_all("Upgrade") avoids it."""
    program = run("from wszero import *\nrun_server()\n")
    for path in (b"/", b"/ws"):
        status = answer(program, b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\n"
                                                  b"Upgrade: websocket\r\nUpgrade: websocket\r\n\r\n")
        assert status.startswith(b"HTTP/1.1 4"), status
    assert program.stop() == 0
    assert "Traceback" not in program.stderr
