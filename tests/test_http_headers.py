"""Requests with odd headers, over real HTTP: a plain answer, never a 500 or a traceback."""

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


def test_two_upgrade_headers_get_a_plain_answer_not_500_and_no_traceback(run):
    program = run("from wszero import *\nrun_server()\n")
    for path in (b"/", b"/ws"):
        status = answer(program, b"GET " + path + b" HTTP/1.1\r\nHost: localhost\r\n"
                                                  b"Upgrade: websocket\r\nUpgrade: websocket\r\n\r\n")
        assert status.startswith((b"HTTP/1.1 2", b"HTTP/1.1 4")), status
    assert program.stop() == 0
    assert "Traceback" not in program.stderr
