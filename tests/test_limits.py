"""A classroom can't break it: the limits on open files and on what waits to
be written, tried for real over 127.0.0.1, and the platform parts with a
pretend `resource` module.
"""

import asyncio
import json
import socket
import subprocess
import sys
import threading
import types

import wszero
from conftest import DEADLINE, Program, environment, wait_for


# =============================================================================
# Open files: the platform part
# =============================================================================


def fake_resource(soft, hard, refuses=()):
    calls = []

    def setrlimit(which, limits):
        if limits[0] in refuses:
            raise ValueError("not allowed")
        calls.append(limits)

    module = types.SimpleNamespace(RLIMIT_NOFILE=7, RLIM_INFINITY=-1, getrlimit=lambda which: (soft, hard),
                                   setrlimit=setrlimit)
    return module, calls


def test_the_soft_open_files_limit_is_raised_to_the_hard_one():
    module, calls = fake_resource(256, 4096)
    assert wszero.raise_open_files_limit(module) == 4096
    assert calls == [(4096, 4096)]


def test_a_soft_limit_already_at_the_hard_one_is_left_alone():
    module, calls = fake_resource(4096, 4096)
    assert wszero.raise_open_files_limit(module) == 4096
    assert calls == []


def test_an_infinite_hard_limit_as_on_macos_raises_to_what_the_kernel_allows():
    module, calls = fake_resource(256, -1, refuses=(65536,))
    assert wszero.raise_open_files_limit(module) == 10240
    assert calls == [(10240, -1)]


def test_a_limit_that_cannot_be_raised_stays_as_it_was():
    module, calls = fake_resource(256, 4096, refuses=(4096,))
    assert wszero.raise_open_files_limit(module) == 256


def test_connections_leave_room_for_files_and_windows_has_no_limit_to_respect():
    assert wszero.connection_limit(1024) == 1024 - wszero.SPARE_FILES
    assert wszero.connection_limit(20) == 16
    assert wszero.connection_limit(None) == 10000


# =============================================================================
# Open files: a flood of connections, for real
# =============================================================================

ECHO = """
from wszero import *

@on('echo')
def echo(client, text):
    client.send('echo', text=text)

run_server()
"""

LIMITED = ("import os, resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256)); "
           "os.execv(sys.executable, [sys.executable, '-m', 'wszero'] + sys.argv[1:])")


def test_more_connections_than_files_are_turned_away_in_a_few_lines_and_pages_connect_after(tmp_path):
    program_file = tmp_path / "app.py"
    program_file.write_text(ECHO)
    program = Program(str(program_file), ["--port", "0"], command=[sys.executable, "-c", LIMITED, str(program_file)])
    try:
        program.started()
        flood = []
        try:
            for _ in range(400):
                sock = socket.create_connection(("127.0.0.1", program.port), timeout=DEADLINE)
                sock.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             b"Sec-WebSocket-Version: 13\r\n\r\n")
                flood.append(sock)
            wait_for(lambda: "Too many connections at once" in program.stderr,
                     what=lambda: f"a line about the flood in:\n{program.stderr[-2000:]}")
        finally:
            for sock in flood:
                sock.close()
        assert program.proc.poll() is None, "the server stopped"

        def answers():
            try:
                with program.client() as client:
                    client.send("echo", text="still here")
                    return client.recv_op("echo", timeout=5) == {"op": "echo", "text": "still here"}
            except (OSError, AssertionError, TimeoutError):
                return False
        wait_for(answers, what="a new page to be answered after the flood")
        lines = [line for line in program.stderr.splitlines() if line]
        assert len(lines) <= 5, "\n".join(lines[:20])
        assert all(line == ("Too many connections at once: wszero is turning new ones away, to keep the game "
                            "running for the 192 it can hold. Is a program opening connections in a loop?")
                   for line in lines), lines
        assert "Traceback" not in program.stderr
    finally:
        assert program.stop() == 0


# =============================================================================
# Fairness and bounded memory
# =============================================================================

BROADCASTER = """
import threading
from wszero import *

@on('join')
def join(client):
    client.add_to_group('all')
    return 'joined'

@on('go')
def go(client):
    def send_lots():
        for n in range(2000):
            broadcast('big', group='all', n=n, data='x' * 10000)
        print('all sent', flush=True)
    threading.Thread(target=send_lots).start()

@on('echo')
def echo(client, n):
    client.send('echo', n=n)

run_server()
"""


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


ECHOER = """
import asyncio, json, os, sys, time
from websockets.asyncio.client import connect

async def main(url, stop_file):
    times = []
    async with connect(url) as ws:
        await ws.recv()
        print("ready", flush=True)
        n = 0
        while not os.path.exists(stop_file) and n < 20000:
            n += 1
            started = time.monotonic()
            await ws.send(json.dumps({"op": "echo", "n": n}))
            while json.loads(await ws.recv()) != {"op": "echo", "n": n}:
                pass
            times.append(time.monotonic() - started)
    print(json.dumps(times), flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_pages_that_never_read_cannot_slow_others_or_fill_the_memory(run, tmp_path):
    program = run(BROADCASTER)
    stop_file = tmp_path / "stop"
    # The echoing page has a process of its own, so the reading page's work doesn't slow it.
    echoer = subprocess.Popen([sys.executable, "-c", ECHOER, program.ws_url, str(stop_file)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment())
    result = {}

    async def join_replies(reader):
        while json.loads(await reader.recv())["op"] != "wszero:reply":
            pass
        await asyncio.to_thread(wait_for, lambda: program.stdout.count("joined.") >= 51,
                                what="every page to join")

    async def main():
        from websockets.asyncio.client import connect
        stuck = [await connect(program.ws_url, max_queue=1) for _ in range(50)]  # they never read
        reader = await connect(program.ws_url, max_size=None)
        for ws in stuck + [reader]:
            await ws.send('{"op": "join", "wszero:id": 1}')
        await asyncio.wait_for(join_replies(reader), DEADLINE)
        start_rss = peak = rss_kib(program.proc.pid)
        got = []
        await reader.send('{"op": "go"}')
        while len(got) < 2000:
            msg = json.loads(await asyncio.wait_for(reader.recv(), DEADLINE))
            if msg["op"] == "big":
                got.append(msg["n"])
            peak = max(peak, rss_kib(program.proc.pid))
        result.update(got=got, grew=(peak - start_rss) / 1024)
        for ws in stuck + [reader]:
            ws.transport.abort()

    try:
        assert echoer.stdout.readline() == "ready\n"
        def client_thread():
            try:
                asyncio.run(main())
            except BaseException as exc:
                result["error"] = repr(exc)
        thread = threading.Thread(target=client_thread)
        thread.start()
        thread.join(DEADLINE * 6)
    finally:
        stop_file.write_text("")
        out, err = echoer.communicate(timeout=DEADLINE)
        assert echoer.returncode == 0, err
        times = sorted(json.loads(out))
    assert "got" in result, f"the reading page never finished: {result}\n{program.stdout[-1500:]}"
    assert result["got"] == list(range(2000))
    p99 = times[int(len(times) * 0.99)]
    assert p99 < 0.2, f"echo p99 was {p99 * 1000:.0f} ms over {len(times)} round trips"
    assert result["grew"] < 200, f"the server's memory grew by {result['grew']:.0f} MB"
    wait_for(lambda: program.stdout.count("stopped reading messages, so wszero disconnected it.") == 50,
             what=lambda: f"50 lines about the stuck pages in:\n{program.stdout[-3000:]}")
