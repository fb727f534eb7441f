"""Promises about taking turns: order, no overlap, and time.sleep handing over.

A child never thinks about threads: messages from one client are handled in
the order they were sent, two handlers never run at the same moment, and
`time.sleep` in a handler lets everyone else carry on.  Each program runs in
its own process; clients are real websockets clients on 127.0.0.1.

Nothing here sleeps to synchronise.  Where a handler has to be "asleep" while
something else happens, it sleeps in small steps until another client's
handler releases it, so the test proves the hand-over without guessing times.
"""

import signal
import sys
import time

import pytest
from websockets.exceptions import ConnectionClosed

from conftest import DEADLINE


def expect(client, *messages):
    """The client's next messages are exactly these, in this order."""
    got = [client.recv() for _ in messages]
    assert got == list(messages)


# A handler that sleeps in small steps until someone releases it.  The loop
# gives up after DEADLINE seconds, so a broken hand-over fails the test
# instead of hanging it.
HOLD = f"""
released = False

@on('hold')
def hold(client):
    client.send('holding')
    for _ in range({DEADLINE * 20}):
        if released:
            break
        time.sleep(0.05)
    client.send('woke', released=released)

@on('release')
def release(client):
    global released
    released = True
    client.send('released')

@on('ping')
def ping(client):
    client.send('pong')
"""


def program_with_hold(extra=""):
    return "import time\nfrom wszero import *\n" + HOLD + extra + "\nrun_server()\n"


# =============================================================================
# Order and taking turns
# =============================================================================

BUSY = """
def busy(seconds=0.001):
    # A little work that takes a while, so an overlap would have time to happen.
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
"""


# Handlers for hammer(): 'done' answers once everything before it is handled.
TOTALS = """
@on('done')
def done(client):
    client.send('done')

@on('total')
def total(client):
    client.send('total', counter=counter)

run_server()
"""


def hammer(program, ops, rounds):
    """Five clients each send every op, `rounds` times; return the program's counter afterwards."""
    clients = [program.client() for _ in range(5)]
    try:
        for _ in range(rounds):
            for client in clients:
                for op in ops:
                    client.send(op)
        for client in clients:
            client.send("done")
        for client in clients:
            client.recv_op("done")
        clients[0].send("total")
        return clients[0].recv_op("total")["counter"]
    finally:
        for client in clients:
            client.close()


def test_messages_from_one_client_are_handled_in_the_order_they_were_sent(run):
    program = run("""\
from wszero import *

seen = []

@on('number')
def number(client, n):
    seen.append(n)

@on('done')
def done(client):
    client.send('seen', numbers=seen)

run_server()
""")
    with program.client() as ada:
        for n in range(200):
            ada.send("number", n=n)
        ada.send("done")
        assert ada.recv_op("seen")["numbers"] == list(range(200))


def test_handlers_never_overlap_so_no_update_is_lost(run):
    program = run("import time\nfrom wszero import *\n" + BUSY + """
counter = 0

@on('bump')
def bump(client):
    global counter
    value = counter
    busy()
    counter = value + 1

""" + TOTALS)
    assert hammer(program, ['bump'], rounds=100) == 500


def test_code_between_two_sleeps_runs_as_one_piece(run):
    program = run("import time\nfrom wszero import *\n" + BUSY + """
counter = 0

@on('bump')
def bump(client):
    global counter
    for _ in range(3):
        value = counter
        busy()
        counter = value + 1
        time.sleep(0.002)

""" + TOTALS)
    assert hammer(program, ['bump'], rounds=20) == 5 * 20 * 3


# =============================================================================
# time.sleep in a handler hands over
# =============================================================================


def test_a_countdown_with_time_sleep_arrives_one_second_apart(run):
    program = run("""\
import time
from wszero import *

@on('countdown')
def countdown(client):
    for n in (3, 2, 1):
        broadcast('count', n=n)
        if n > 1:
            time.sleep(1)

run_server()
""")
    with program.client() as ada, program.client() as bob:
        ada.send("countdown")
        arrivals = []
        for n in (3, 2, 1):
            assert bob.recv() == {"op": "count", "n": n}
            arrivals.append(time.monotonic())
        gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
        assert all(0.9 <= gap <= 2.0 for gap in gaps), gaps


def test_other_clients_handlers_run_while_a_handler_sleeps(run):
    program = run(program_with_hold())
    with program.client() as ada, program.client() as bob:
        ada.send("hold")
        expect(ada, {"op": "holding"})
        bob.send("ping")
        expect(bob, {"op": "pong"})
        bob.send("release")  # only a handler running during the sleep can end it
        expect(bob, {"op": "released"})
        expect(ada, {"op": "woke", "released": True})


def test_another_clients_answer_comes_well_before_a_long_sleep_ends(run):
    program = run("""\
import time
from wszero import *

@on('nap')
def nap(client):
    broadcast('napping')
    time.sleep(8)
    broadcast('awake')

@on('ping')
def ping(client):
    client.send('pong')

run_server()
""")
    with program.client() as ada, program.client() as bob:
        ada.send("nap")
        expect(bob, {"op": "napping"})
        asked = time.monotonic()
        bob.send("ping")
        expect(bob, {"op": "pong"})
        assert time.monotonic() - asked < 4, "the answer waited for the sleep"


def test_new_clients_can_connect_while_a_handler_sleeps(run):
    program = run(program_with_hold("""
@on('connect')
def connect(client):
    client.send('welcome', name=client.name)
"""))
    with program.client() as ada:
        expect(ada, {"op": "welcome", "name": "Player 1"})
        ada.send("hold")
        expect(ada, {"op": "holding"})
        with program.client() as bob:
            expect(bob, {"op": "welcome", "name": "Player 2"})
            bob.send("release")
            expect(bob, {"op": "released"})
        expect(ada, {"op": "woke", "released": True})


def test_the_sleeping_clients_own_next_message_waits_until_its_handler_ends(run):
    program = run(program_with_hold())
    with program.client() as ada, program.client() as bob:
        ada.send("hold")
        ada.send("ping")  # sent while 'hold' sleeps: it must wait its turn
        expect(ada, {"op": "holding"})
        bob.send("release")
        expect(bob, {"op": "released"})
        expect(ada, {"op": "woke", "released": True}, {"op": "pong"})


def test_every_later_message_is_answered_after_a_handler_that_slept_several_times(run):
    program = run("""\
import time
from wszero import *

@on('naps')
def naps(client):
    for _ in range(5):
        time.sleep(0.01)
    client.send('rested')

@on('ping')
def ping(client, n):
    client.send('pong', n=n)

run_server()
""")
    with program.client() as ada, program.client() as bob:
        ada.send("naps")
        expect(ada, {"op": "rested"})
        for n in range(10):
            bob.send("ping", n=n)
            expect(bob, {"op": "pong", "n": n})


def test_a_quiz_that_sleeps_collects_every_answer_as_it_arrives(run):
    program = run("""\
import time
from wszero import *

answers = []

@on('quiz')
def quiz(client):
    answers.clear()
    broadcast('question', text='What is 6 times 7?')
    time.sleep(3)
    broadcast('results', answers=sorted(answers))

@on('answer')
def answer(client, text):
    answers.append(client.name + ': ' + text)
    client.send('thanks', text=text)

run_server()
""")
    with program.client() as host, program.client() as ada, program.client() as bob:
        host.send("quiz")
        for player, text in ((ada, "42"), (bob, "41")):
            expect(player, {"op": "question", "text": "What is 6 times 7?"})
            player.send("answer", text=text)
            expect(player, {"op": "thanks", "text": text})  # answered during the sleep
        results = {"op": "results", "answers": ["Player 2: 42", "Player 3: 41"]}
        for client in (host, ada, bob):
            assert client.recv_op("results") == results


FROM_TIME_IMPORT_SLEEP = f"""\
from time import sleep
from wszero import *

released = False

@on('hold')
def hold(client):
    client.send('holding')
    for _ in range({DEADLINE * 20}):
        if released:
            break
        sleep(0.05)
    client.send('woke', released=released)

@on('release')
def release(client):
    global released
    released = True
    client.send('released')

run_server()
"""


@pytest.mark.parametrize("how", ["python -m wszero app.py", "python app.py"])
def test_sleep_imported_from_time_before_wszero_also_hands_over(run, tmp_path, how):
    command = None if how.startswith("python -m") else [sys.executable, str(tmp_path / "app.py"), "--port", "0"]
    program = run(FROM_TIME_IMPORT_SLEEP, command=command)
    with program.client() as ada, program.client() as bob:
        ada.send("hold")
        expect(ada, {"op": "holding"})
        bob.send("release")
        expect(bob, {"op": "released"})
        expect(ada, {"op": "woke", "released": True})


def test_time_sleep_in_the_programs_own_thread_sleeps_as_usual(run):
    program = run("""\
import threading
import time
from wszero import *

def clock():
    while True:
        started = time.monotonic()
        time.sleep(0.2)
        broadcast('tick', took=time.monotonic() - started)

threading.Thread(target=clock, daemon=True).start()

@on('busy')
def busy(client, seconds):
    # Holds the game thread without sleeping: the clock must not wait for it.
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    client.send('done')

run_server()
""")
    with program.client() as ada:
        ada.recv_op("tick")
        ada.send("busy", seconds=1.5)
        took = []
        while (msg := ada.recv())["op"] == "tick":
            took.append(msg["took"])
        assert msg == {"op": "done"}
        assert len(took) >= 2, took
        assert all(0.19 <= t < 1.0 for t in took), took


# =============================================================================
# async def handlers
# =============================================================================


def test_an_async_handler_can_await_asyncio_sleep(run):
    program = run("""\
import asyncio
from wszero import *

@on('later')
async def later(client, text):
    await asyncio.sleep(0.1)
    client.send('later', text=text)

run_server()
""")
    with program.client() as ada:
        ada.send("later", text="hi")
        expect(ada, {"op": "later", "text": "hi"})


def test_async_and_plain_handlers_keep_one_clients_order(run):
    program = run("""\
import asyncio
from wszero import *

@on('slow')
async def slow(client, n):
    await asyncio.sleep(0.02 if n % 3 == 0 else 0)
    client.send('step', n=n)

@on('quick')
def quick(client, n):
    client.send('step', n=n)

run_server()
""")
    with program.client() as ada:
        for n in range(30):
            ada.send("slow" if n % 2 else "quick", n=n)
        for n in range(30):
            assert ada.recv() == {"op": "step", "n": n}


def test_another_clients_handler_runs_while_an_async_handler_awaits(run):
    program = run("""\
import asyncio
from wszero import *

released = asyncio.Event()

@on('hold')
async def hold(client):
    client.send('holding')
    await released.wait()
    client.send('woke')

@on('release')
async def release(client):
    released.set()
    client.send('released')

run_server()
""")
    with program.client() as ada, program.client() as bob:
        ada.send("hold")
        expect(ada, {"op": "holding"})
        bob.send("release")
        expect(bob, {"op": "released"})
        expect(ada, {"op": "woke"})


def test_async_and_plain_handlers_never_overlap_between_awaits(run):
    program = run("import asyncio\nimport time\nfrom wszero import *\n" + BUSY + """
counter = 0

@on('plain')
def plain(client):
    global counter
    value = counter
    busy()
    counter = value + 1

@on('fancy')
async def fancy(client):
    global counter
    for _ in range(2):
        value = counter
        busy()
        counter = value + 1
        await asyncio.sleep(0)

""" + TOTALS)
    assert hammer(program, ['plain', 'fancy'], rounds=40) == 5 * 40 * 3


# =============================================================================
# The program's own threads
# =============================================================================


def test_a_program_thread_can_send_broadcast_and_change_groups(run):
    program = run("""\
import threading
from wszero import *

def work(client):
    client.send('direct', text='just you')
    client.add_to_group('red')
    broadcast('news', group='red', text='red only')
    client.remove_from_group('red')
    broadcast('news', group='red', text='nobody')
    broadcast('everyone', text='all')
    client.eval_js('1 + 1')

@on('start')
def start(client):
    threading.Thread(target=work, args=(client,)).start()

run_server()
""")
    with program.client() as ada, program.client() as bob:
        ada.send("start")
        expect(ada, {"op": "direct", "text": "just you"}, {"op": "news", "text": "red only"},
               {"op": "everyone", "text": "all"}, {"op": "wszero:eval", "script": "1 + 1"})
        expect(bob, {"op": "everyone", "text": "all"})


def test_a_thread_started_before_run_server_can_broadcast_once_it_serves(run):
    program = run("""\
import threading
import time
from wszero import *

def ticker():
    n = 0
    while True:
        n += 1
        broadcast('tick', n=n)
        time.sleep(0.05)

threading.Thread(target=ticker, daemon=True).start()
run_server()
""")
    with program.client() as ada:
        first = ada.recv_op("tick")["n"]
        assert ada.recv_op("tick")["n"] > first


# =============================================================================
# Stopping while a handler sleeps
# =============================================================================


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl+C", "SIGTERM"])
def test_stopping_while_a_handler_sleeps_exits_cleanly(run, sig):
    program = run(program_with_hold())
    with program.client() as ada, program.client() as bob:
        ada.send("hold")
        expect(ada, {"op": "holding"})
        assert program.stop(sig) == 0
        for client in (ada, bob):
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    client.ws.recv(timeout=DEADLINE)
            assert closed.value.rcvd.code == 1001
    assert "Traceback" not in program.stderr
