"""A classroom's worth of coming and going, for a long while: nothing leaks, nothing is lost.

A real program runs in its own process on 127.0.0.1, and real websockets
clients connect to it many times over:

* connect and disconnect again and again: the server's open files
  (/proc/PID/fd) and memory (RSS) come back to where they were;
* many clients send many messages while others come and go: every reply
  arrives, and none arrives twice;
* Ctrl+C with many clients connected: every disconnect handler runs, and the
  program is gone within 2 seconds.

Quick by default (a few seconds each); WSZERO_SOAK=long runs the full sizes.
"""

import asyncio
import collections
import json
import os
import random
import re
import signal
import threading
import time

from websockets.asyncio.client import connect

from conftest import DEADLINE, in_a_thread, wait_for

LONG = os.environ.get("WSZERO_SOAK") == "long"

PROGRAM = """\
from wszero import *

@on('echo')
def echo(client, n, seq):
    client.send('echo', n=n, seq=seq)

@on('disconnect')
def disconnect(client):
    print(f'bye {client.name}')  # one string: one line, whichever thread prints it

run_server()
"""


def open_files(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def memory(pid):
    """The process's resident memory, in bytes."""
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+) kB", status.read()).group(1)) * 1024


async def hello(ws):
    assert json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))["op"] == "wszero:hello"


async def cycles(url, count, at_once=10):
    """Connect, echo once, and disconnect, `count` times, `at_once` clients at a time."""
    async def one(n):
        async with connect(url, open_timeout=DEADLINE, proxy=None) as ws:
            await hello(ws)
            await ws.send(json.dumps({"op": "echo", "n": n, "seq": 0}))
            assert json.loads(await asyncio.wait_for(ws.recv(), DEADLINE)) == {"op": "echo", "n": n, "seq": 0}

    for start in range(0, count, at_once):
        await asyncio.gather(*(one(n) for n in range(start, min(count, start + at_once))))


def test_connecting_and_disconnecting_again_and_again_leaks_no_files_and_no_memory(run):
    program = run(PROGRAM, args=["--no-reload"])
    pid = program.proc.pid
    count = 2000 if LONG else 300
    in_a_thread(cycles(program.ws_url, 50))  # let the allocator and the caches settle first
    program.wait_for_stdout("bye Player 50\n")
    files, rss = open_files(pid), memory(pid)

    in_a_thread(cycles(program.ws_url, count))
    program.wait_for_stdout(f"bye Player {50 + count}\n")
    wait_for(lambda: open_files(pid) <= files,
             what=lambda: f"open files back to {files}; there are {open_files(pid)}")
    grown = memory(pid) - rss
    assert grown < 4 * 1024 * 1024, f"memory grew by {grown // 1024} KiB over {count} connections"
    assert program.stop() == 0
    assert "Traceback" not in program.stderr


async def talker(url, n, messages, rng, replies):
    """One client's messages, sent over several connections that come and go."""
    seq = 0
    while seq < messages:
        session = min(rng.randint(1, 30), messages - seq)
        async with connect(url, open_timeout=DEADLINE, proxy=None) as ws:
            await hello(ws)
            for i in range(seq, seq + session):
                await ws.send(json.dumps({"op": "echo", "n": n, "seq": i}))
            for _ in range(session):
                replies.append(json.loads(await asyncio.wait_for(ws.recv(), DEADLINE)))
            if rng.random() < 0.3:
                ws.transport.abort()  # dropped rather than closed, as when Wi-Fi goes
        seq += session


async def dropper(url, rng, stop):
    """A page that sends a few messages and vanishes without waiting for the answers."""
    while not stop.is_set():
        async with connect(url, open_timeout=DEADLINE, proxy=None) as ws:
            await hello(ws)
            for i in range(rng.randint(0, 5)):
                await ws.send(json.dumps({"op": "echo", "n": -1, "seq": i}))
            ws.transport.abort()
        await asyncio.sleep(0)


async def classroom(url, clients, messages, seed):
    rng = random.Random(seed)
    replies = []
    stop = asyncio.Event()
    droppers = [asyncio.create_task(dropper(url, random.Random(seed + i), stop)) for i in range(5)]
    await asyncio.gather(*(talker(url, n, messages, random.Random(rng.random()), replies) for n in range(clients)))
    stop.set()
    await asyncio.gather(*droppers)
    return replies


def test_many_clients_coming_and_going_get_every_reply_exactly_once(run):
    program = run(PROGRAM, args=["--no-reload"])
    clients, messages = (500, 200) if LONG else (100, 50)
    seed = int(time.time()) if LONG else 11
    replies = in_a_thread(asyncio.wait_for(classroom(program.ws_url, clients, messages, seed), 600))

    counts = collections.Counter((r["n"], r["seq"]) for r in replies)
    assert all(r["op"] == "echo" for r in replies)
    assert [key for key, times in counts.items() if times > 1] == [], seed
    missing = [(n, s) for n in range(clients) for s in range(messages) if (n, s) not in counts]
    assert missing == [], seed
    assert len(replies) == clients * messages
    assert program.stop() == 0
    assert "Traceback" not in program.stderr


class Crowd:
    """Many clients held open by an asyncio loop in a thread, answering the server as browsers do."""

    def __init__(self, url, count):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.connections = asyncio.run_coroutine_threadsafe(self._open(url, count), self.loop).result(DEADLINE * 4)

    async def _open(self, url, count):
        async def one():
            ws = await connect(url, open_timeout=DEADLINE, proxy=None)
            await hello(ws)
            return ws
        connections = []
        for start in range(0, count, 50):
            connections += await asyncio.gather(*(one() for _ in range(start, min(count, start + 50))))
        return connections

    def close(self):
        async def shut():
            await asyncio.gather(*(ws.close() for ws in self.connections), return_exceptions=True)
        asyncio.run_coroutine_threadsafe(shut(), self.loop).result(DEADLINE)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(DEADLINE)


def test_ctrl_c_with_many_clients_runs_every_disconnect_handler_and_exits_within_2_seconds(run):
    program = run(PROGRAM, args=["--no-reload"])
    count = 500 if LONG else 100
    crowd = Crowd(program.ws_url, count)
    try:
        program.wait_for_stdout(f"Player {count} joined.\n")
        started = time.monotonic()
        program.proc.send_signal(signal.SIGINT)
        code = program.proc.wait(DEADLINE)
        took = time.monotonic() - started
    finally:
        crowd.close()
    assert program.stop() == code == 0
    byes = re.findall(r"^bye Player (\d+)$", program.stdout, re.MULTILINE)
    assert sorted(map(int, byes)) == list(range(1, count + 1))
    assert took < 2.0, f"it took {took:.2f} s to stop with {count} clients"
    assert "Traceback" not in program.stderr
