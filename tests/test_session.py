"""What a page gets, and when it is read: the Session on its own, then the
four ordering bugs it fixed, each tried for real over 127.0.0.1.

The Session does no I/O, so its rules are tested the way websockets tests
its Protocol: call it, and look at what it decided.
"""

import asyncio
import json
import time

import wszero
from wszero import DROPPED, GONE, LIVE, MAX_MISSED_MESSAGES, MAX_WAITING_MESSAGES, Session

from conftest import DEADLINE, in_a_thread, wait_for


# =============================================================================
# Sending: keep, resume, end
# =============================================================================


def test_new_session_is_live_and_keeps_nothing():
    session = Session("token")
    assert (session.state, session.missed, session.paused) == (LIVE, [], False)


def test_dropped_session_keeps_messages_and_resume_gives_the_hello_first_then_them_in_order():
    session = Session("token")
    session.drop()
    assert session.state is DROPPED
    for n in range(5):
        assert session.keep(b"m%d" % n)
    assert session.resume(b"hello") == [b"hello", b"m0", b"m1", b"m2", b"m3", b"m4"]
    assert (session.state, session.missed) == (LIVE, [])


def test_resume_replays_each_kept_message_once():
    session = Session("token")
    session.drop()
    session.keep(b"m0")
    session.resume(b"hello")
    session.drop()
    assert session.resume(b"hello again") == [b"hello again"]


def test_session_still_live_keeps_what_its_closing_connection_cannot_take():
    # The page may come back before anybody noticed its connection broke.
    session = Session("token")
    assert session.keep(b"m0")
    assert session.resume(b"hello") == [b"hello", b"m0"]


def test_keeping_more_than_the_limit_says_the_client_must_leave():
    session = Session("token")
    session.drop()
    assert all(session.keep(b"m") for _ in range(MAX_MISSED_MESSAGES))
    assert not session.keep(b"one too many")


def test_ended_session_keeps_nothing_more():
    session = Session("token")
    session.drop()
    session.keep(b"m0")
    session.end()
    assert session.keep(b"m1")
    assert (session.state, session.missed) == (GONE, [])


def test_drop_after_end_stays_gone():
    session = Session("token")
    session.end()
    session.drop()
    assert session.state is GONE


# =============================================================================
# Reading: pause past the limit, read again at half
# =============================================================================


def test_reading_pauses_only_past_the_limit_of_waiting_jobs():
    session = Session("token")
    for _ in range(MAX_WAITING_MESSAGES):
        session.job_queued()
    assert not session.paused
    session.job_queued()
    assert session.paused


def test_paused_page_is_read_again_once_half_the_waiting_jobs_are_done():
    session = Session("token")
    for _ in range(MAX_WAITING_MESSAGES + 1):
        session.job_queued()
    done_says = [session.job_done() for _ in range(MAX_WAITING_MESSAGES // 2)]
    assert not any(done_says)
    assert not session.read_again()
    assert session.job_done()
    assert session.read_again()
    assert not session.paused
    assert not session.read_again()  # once is enough


def test_job_done_asks_for_nothing_when_reading_was_never_paused():
    session = Session("token")
    session.job_queued()
    assert not session.job_done()


def test_pause_is_not_set_when_the_jobs_were_done_meanwhile():
    # job_queued looks twice: the game thread may finish jobs between the looks.
    session = Session("token")
    session.queued = session.done = 10
    session.job_queued()
    assert not session.paused


# =============================================================================
# The bugs, for real
# =============================================================================

TICKER = """
import threading
from wszero import *

def tick():
    n = 0
    while True:
        broadcast('tick', n=n)
        n += 1
        time.sleep(0.0005)

@on('start')
def start(client):
    threading.Thread(target=tick, daemon=True).start()

import time
run_server(grace=30)
"""


def test_resumed_page_gets_its_hello_then_every_missed_message_in_order_then_new_ones(run):
    program = run(TICKER)

    async def main():
        from websockets.asyncio.client import connect
        ws = await connect(program.ws_url)
        hello = json.loads(await ws.recv())
        token = hello["resume"]
        await ws.send(json.dumps({"op": "start"}))
        last = seen_at_resume = -1
        for attempt in range(150):
            while last < 0 or (attempt and last < seen_at_resume + 5):
                msg = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
                assert msg["op"] == "tick", msg
                assert msg["n"] > last, f"tick {msg['n']} came after {last}"
                last = msg["n"]
            ws.transport.abort()  # a drop, not a goodbye
            ws = await connect(f"{program.ws_url}?resume={token}")
            first = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
            assert first["op"] == "wszero:hello" and first["resumed"], first
            seen_at_resume = last
        await ws.close()

    in_a_thread(main())
    assert "Traceback" not in program.stderr


PAUSER = """
from wszero import *

released = False
count = 0

@on('hold')
def hold(client):
    while not released:
        time.sleep(0.01)

@on('release')
def release(client):
    global released
    released = True

@on('noop')
def noop(client):
    global count
    count += 1

@on('count')
def how_many(client):
    return count

import time
run_server(grace=30)
"""


def test_page_paused_dropped_back_and_paused_again_is_read_and_the_server_still_stops(run):
    program = run(PAUSER)
    extra = MAX_WAITING_MESSAGES + 50

    async def flood(ws):
        for _ in range(extra):
            await ws.send('{"op": "noop"}')

    async def main():
        from websockets.asyncio.client import connect
        ws = await connect(program.ws_url)
        token = json.loads(await ws.recv())["resume"]
        await ws.send('{"op": "hold"}')
        await flood(ws)  # more than the server reads while hold() waits: it pauses
        ws.transport.abort()
        ws = await connect(f"{program.ws_url}?resume={token}")
        assert json.loads(await ws.recv())["resumed"]
        await flood(ws)  # paused again, on the new connection
        async with connect(program.ws_url) as other:
            await other.send('{"op": "release"}')
            answered = 0
            deadline = time.monotonic() + DEADLINE
            while answered != 2 * extra and time.monotonic() < deadline:
                await other.send('{"op": "count", "wszero:id": 1}')
                while True:
                    msg = json.loads(await asyncio.wait_for(other.recv(), DEADLINE))
                    if msg["op"] == "wszero:reply":
                        answered = msg["result"]
                        break
            # Some of the first flood may have gone down with the dropped connection.
            assert answered >= extra, f"only {answered} of the page's messages were handled"
        # The live page is still read: one more message is handled.
        await ws.send('{"op": "count", "wszero:id": 7}')
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
            if msg["op"] == "wszero:reply":
                break
        await ws.close()

    in_a_thread(main())
    started = time.monotonic()
    assert program.stop() == 0
    assert time.monotonic() - started < DEADLINE
    assert "Stopped. Bye!" in program.stdout


FLOODED = """
from wszero import *
import wszero

@on('busy')
def busy(client):
    most = 0
    end = time.monotonic() + 3
    print('busy started', flush=True)
    while time.monotonic() < end:
        most = max(most, len(wszero._game.inbox))
    return most

import time
run_server()
"""


def test_refused_messages_count_against_the_same_limit_as_messages(run):
    program = run(FLOODED)
    sent = 3000

    async def main():
        from websockets.asyncio.client import connect
        async with connect(program.ws_url) as busy, connect(program.ws_url) as flooder:
            await busy.recv()
            await flooder.recv()
            await busy.send('{"op": "busy", "wszero:id": 1}')
            await asyncio.to_thread(program.wait_for_stdout, "busy started")

            async def send_all():
                for _ in range(sent):
                    await flooder.send('{"op": "nosuchop"}')

            async def count_errors():
                errors = 0
                while errors < sent:
                    msg = json.loads(await asyncio.wait_for(flooder.recv(), DEADLINE))
                    errors += msg["op"] == "wszero:error"
                return errors

            sending = asyncio.ensure_future(send_all())
            reply = json.loads(await asyncio.wait_for(busy.recv(), DEADLINE))
            assert await count_errors() == sent  # every refusal answered, none lost
            await sending
            return reply["result"]

    most = in_a_thread(main())
    # The flooding page stops being read once its refusals wait in line with everything else.
    assert most <= MAX_WAITING_MESSAGES + 10, f"{most} jobs waited in the game's inbox"
    wait_for(lambda: program.stderr.count("No handler for 'nosuchop'") == sent,
             what=lambda: f"{sent} refusals in the terminal, not {program.stderr.count('nosuchop')}")


WAITING_ASYNC = """
from wszero import *

@on('busy')
def busy(client):
    print('busy started', flush=True)
    end = time.monotonic() + 0.8  # a stop waits STOP_SECONDS for a handler that is running
    while time.monotonic() < end:
        pass

@on('later')
async def later(client):
    print('async ran', flush=True)

@on('disconnect')
def bye(client):
    print('bye', client.name, flush=True)

import time
run_server()
"""


def test_stopping_while_an_async_handler_waits_for_its_turn_still_runs_its_disconnect_handler(run):
    program = run(WAITING_ASYNC)
    with program.client() as waiter, program.client() as worker:
        worker.send("busy")
        program.wait_for_stdout("busy started")
        waiter.send("later")   # its turn comes after the first busy(): then it waits behind the second
        worker.send("busy")
        wait_for(lambda: program.stdout.count("busy started") == 2, what="the second busy() to start")
        assert program.stop() == 0
    assert "bye Player 1" in program.stdout
    assert "bye Player 2" in program.stdout
    assert "Stopped. Bye!" in program.stdout


def test_game_turns_a_job_into_exactly_one_finished():
    calls = []

    class Game(wszero.Game):
        def finished(self, job):
            calls.append(job)

    game = Game(type("Server", (), {"loop": None})())
    client = type("Client", (), {"_held": None, "_session": Session("t")})()
    job = wszero.Job(client, wszero.Handler("x", lambda client: 1 / 0), {})
    game.failed = lambda job, exc: None
    game._handle(job)
    assert calls == [job]
