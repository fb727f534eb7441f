"""TestClient: a program with pretend pages and pretend time, for tests and grading (issue 13).

These tests are what a teacher's grading file looks like: a program file in
a folder, TestClient, and plain asserts.  No network, no threads, no waiting.
"""

import asyncio
import socket
import textwrap
import time

import pytest

import wszero
from conftest import in_a_thread
from wszero import MessageError, TestClient


def write(folder, source, name="game.py"):
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return str(path)


GAME = """\
    import time
    from wszero import *

    total = 0
    ticks = 0

    @on('connect')
    def connect(client):
        client.send('welcome', name=client.name)

    @on('point')
    def point(client, n: int):
        global total
        total = total + n
        broadcast('scores', total=total, by=client.number)
        return n

    @on('hello')
    def hello(client, name):
        client.send('greeting', text='Hello, ' + name + '!')

    @on('boom')
    def boom(client):
        return 1 / 0

    @on('countdown')
    def countdown(client):
        for n in [3, 2, 1]:
            broadcast('count', n=n)
            time.sleep(1)
        broadcast('count', n='Go!')
        return ticks

    @on('join')
    def join(client, team):
        client.add_to_group(team)

    @on('team')
    def team(client, team, text):
        broadcast('team', team, text=text)

    @on('ticks')
    def how_many(client):
        return ticks

    @every(1)
    def tick():
        global ticks
        ticks = ticks + 1

    @on('disconnect')
    def disconnect(client):
        broadcast('left', name=client.name)

    run_server()
"""


@pytest.fixture
def game(tmp_path):
    """The GAME program's path."""
    return write(tmp_path, GAME)


def test_the_example_in_the_issue_works_as_written(tmp_path, monkeypatch):
    write(tmp_path, GAME)
    monkeypatch.chdir(tmp_path)

    with TestClient("game.py") as game:   # the program, loaded fresh; run_server() opens no port
        ada = game.connect()              # runs the connect handler
        bob = game.connect()
        assert ada.send("point", n=2) == 2    # runs the handler; returns what it returned
        assert bob.received[-1] == {"op": "scores", "total": 2, "by": 1}
        game.advance(5)                   # five seconds pass at once: timers fire, sleeping handlers wake
        bob.disconnect()                  # runs the disconnect handler

        assert ada.send("ticks") == 5
        assert ada.received[-1] == {"op": "left", "name": "Player 2"}


def test_received_holds_every_message_a_page_got_as_dicts_in_order(game):
    with TestClient(game) as play:
        ada = play.connect()
        ada.send("hello", name="Ada")
        ada.send("point", n=3)
        bob = play.connect()
        assert ada.received == [{"op": "welcome", "name": "Player 1"},
                                {"op": "greeting", "text": "Hello, Ada!"},
                                {"op": "scores", "total": 3, "by": 1}]
        assert bob.received == [{"op": "welcome", "name": "Player 2"}]


def test_a_page_gets_its_groups_messages_and_not_the_others(game):
    with TestClient(game) as play:
        ada, bob = play.connect(), play.connect()
        ada.send("join", team="red")
        bob.send("join", team="blue")
        bob.send("team", team="red", text="go red")
        assert ada.received[-1] == {"op": "team", "text": "go red"}
        assert bob.received[-1] == {"op": "welcome", "name": "Player 2"}


def test_a_disconnected_page_gets_nothing_more_and_can_send_nothing(game):
    with TestClient(game) as play:
        ada, bob = play.connect(), play.connect()
        bob.disconnect()
        assert ada.received[-1] == {"op": "left", "name": "Player 2"}
        ada.send("point", n=1)
        assert bob.received[-1] == {"op": "welcome", "name": "Player 2"}
        with pytest.raises(wszero.WszeroError) as problem:
            bob.send("point", n=1)
        assert str(problem.value) == "Player 2's page has disconnected, so it can't send messages any more."
        bob.disconnect()  # twice: nothing happens
        assert ada.received[-1] == {"op": "scores", "total": 1, "by": 1}


def test_a_handlers_exception_is_raised_in_the_test_as_itself(game):
    with TestClient(game) as play:
        ada = play.connect()
        with pytest.raises(ZeroDivisionError) as problem:
            ada.send("boom")
        assert problem.traceback[-1].path.name == "game.py"
        assert ada.send("point", n=1) == 1  # the program carries on


@pytest.mark.parametrize("op, params, sentence", [
    ("helo", {"name": "Ada"}, "No handler for 'helo' — did you mean 'hello'?"),
    ("hello", {}, "The 'hello' message needs a value for 'name', but the page sent no values. "
                  "The handler is hello(client, name)."),
    ("hello", {"name": "Ada", "age": 10}, "The 'hello' message has 'age', but the handler only takes 'name'. "
                                          "The handler is hello(client, name)."),
    ("point", {"n": "two"}, "The 'point' message's 'n' must be a whole number, like 3, but the page sent \"two\"."),
    ("connect", {}, "A page can't send 'connect': wszero sends it by itself when a page connects."),
], ids=["unknown op", "missing value", "extra value", "wrong type", "connect"])
def test_a_message_the_server_would_refuse_raises_message_error_with_the_pages_sentence(game, op, params, sentence):
    with TestClient(game) as play:
        ada = play.connect()
        with pytest.raises(MessageError) as problem:
            ada.send(op, **params)
        assert str(problem.value) == sentence
        assert ada.send("point", n=0) == 0
        assert ada.received[1:] == [{"op": "scores", "total": 0, "by": 1}]  # the refused handler never ran


# =============================================================================
# Pretend time
# =============================================================================


def test_advance_runs_the_timers_that_come_due_and_no_more(game):
    with TestClient(game) as play:
        ada = play.connect()
        play.advance(0.5)
        assert ada.send("ticks") == 0
        play.advance(0.5)
        assert ada.send("ticks") == 1
        play.advance(2.999)
        assert ada.send("ticks") == 3


def test_advance_never_waits_in_real_time(game):
    started = time.monotonic()
    with TestClient(game) as play:
        ada = play.connect()
        play.advance(3600)
        assert ada.send("ticks") == 3600
    assert time.monotonic() - started < 2


def test_time_sleep_in_a_handler_is_pretend_and_timers_run_meanwhile(game):
    started = time.monotonic()
    with TestClient(game) as play:
        ada = play.connect()
        assert ada.send("countdown") == 3  # three pretend seconds passed, and tick() ran in each
        assert [msg["n"] for msg in ada.received if msg["op"] == "count"] == [3, 2, 1, "Go!"]
    assert time.monotonic() - started < 1


def test_from_time_import_sleep_is_pretend_too(tmp_path):
    path = write(tmp_path, """\
        from time import sleep
        from wszero import *

        @on('nap')
        def nap(client):
            sleep(600)
            return 'rested'

        run_server()
    """)
    started = time.monotonic()
    with TestClient(path) as play:
        assert play.connect().send("nap") == "rested"
    assert time.monotonic() - started < 1


def test_await_asyncio_sleep_in_an_async_handler_is_pretend_and_timers_run_meanwhile(tmp_path):
    path = write(tmp_path, """\
        import asyncio
        from wszero import *

        ticks = 0

        @every(1)
        def tick():
            global ticks
            ticks = ticks + 1

        @on('countdown')
        async def countdown(client, n: int):
            for left in range(n, 0, -1):
                client.send('count', n=left, ticks=ticks)
                await asyncio.sleep(60)
            await asyncio.wait_for(asyncio.sleep(5), timeout=600)  # a timeout that never comes
            client.send('count', n='Go!', ticks=ticks)
            return asyncio.get_running_loop().time()

        run_server()
    """)
    started = time.monotonic()
    with TestClient(path) as play:
        ada = play.connect()
        assert ada.send("countdown", n=3) == 185  # pretend seconds since the program started
        assert [(msg["n"], msg["ticks"]) for msg in ada.received] == [(3, 0), (2, 60), (1, 120), ("Go!", 185)]
        play.advance(2)
        assert ada.send("countdown", n=0) == 192  # pretend time goes on from where it was
    assert time.monotonic() - started < 2  # three minutes of pretend time, and no real waiting


def test_an_async_handler_runs_when_the_test_itself_runs_in_a_loop(tmp_path):
    # As in a notebook, or under a pytest plugin that keeps a loop running (Playwright's).
    path = write(tmp_path, """\
        import asyncio
        from wszero import *

        @on('later')
        async def later(client):
            await asyncio.sleep(1)
            return 'done'

        run_server()
    """)

    async def a_test_in_a_loop():
        outer = asyncio.get_running_loop()
        with TestClient(path) as play:
            answer = play.connect().send("later")
        return answer, asyncio.get_running_loop() is outer

    # In a thread of its own: under the full suite, Playwright keeps a loop running in this one.
    assert in_a_thread(a_test_in_a_loop()) == ("done", True)  # and the test's own loop is back


def test_after_started_by_a_handler_runs_once_when_its_time_comes(tmp_path):
    path = write(tmp_path, """\
        from wszero import *

        @on('start')
        def start(client):
            after(10, client.send, 'ring')

        run_server()
    """)
    with TestClient(path) as play:
        ada = play.connect()
        ada.send("start")
        play.advance(9.9)
        assert ada.received == []
        play.advance(0.1)
        assert ada.received == [{"op": "ring"}]
        play.advance(100)
        assert ada.received == [{"op": "ring"}]


def test_a_cancelled_timer_does_not_run_in_pretend_time(tmp_path):
    path = write(tmp_path, """\
        from wszero import *

        runs = []

        def tick():
            runs.append(1)
            if len(runs) == 3:
                timer.cancel()

        timer = every(1, tick)

        @on('runs')
        def how_many(client):
            return len(runs)

        run_server()
    """)
    with TestClient(path) as play:
        play.advance(10)
        assert play.connect().send("runs") == 3


def test_an_error_in_a_timer_is_raised_by_advance(tmp_path):
    path = write(tmp_path, """\
        from wszero import *

        @every(1)
        def tick():
            return 1 / 0

        run_server()
    """)
    with TestClient(path) as play:
        with pytest.raises(ZeroDivisionError):
            play.advance(1)


# =============================================================================
# Each TestClient is a program of its own
# =============================================================================

REMEMBERS = """\
    from wszero import *

    seen = []

    @on('add')
    def add(client, word):
        seen.append(word)
        client.add_to_group('players')
        broadcast('words', words=seen)
        return seen

    @on('who')
    def who(client):
        return {'clients': [c.number for c in clients()], 'players': [c.number for c in members('players')]}

    run_server()
"""


def test_two_test_clients_one_after_the_other_share_nothing(tmp_path):
    path = write(tmp_path, REMEMBERS)
    with TestClient(path) as first:
        ada = first.connect()
        first.connect()
        assert ada.send("add", word="apple") == ["apple"]
    with TestClient(path) as second:
        bob = second.connect()
        assert bob.send("who") == {"clients": [1], "players": []}
        assert bob.send("add", word="banana") == ["banana"]


def test_two_test_clients_at_once_share_nothing(tmp_path):
    first_path = write(tmp_path, REMEMBERS, "first.py")
    second_path = write(tmp_path, REMEMBERS, "second.py")
    with TestClient(first_path) as first, TestClient(second_path) as second:
        ada, bob = first.connect(), second.connect()
        ada.send("add", word="apple")
        assert bob.received == []
        assert bob.send("add", word="banana") == ["banana"]
        assert ada.received == [{"op": "words", "words": ["apple"]}]
        assert ada.send("who") == {"clients": [1], "players": [1]}


def test_a_module_next_to_the_program_is_loaded_fresh_too(tmp_path):
    write(tmp_path, "words = []\n", "store.py")
    path = write(tmp_path, """\
        from wszero import *
        import store

        @on('add')
        def add(client, word):
            store.words.append(word)
            return store.words

        run_server()
    """)
    for _ in range(2):
        with TestClient(path) as play:
            assert play.connect().send("add", word="apple") == ["apple"]


def test_run_server_in_the_program_opens_no_port(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = write(tmp_path, f"""\
        from wszero import *

        @on('ping')
        def ping(client):
            return 'pong'

        run_server(port={port})
    """)
    with TestClient(path) as play:
        assert play.connect().send("ping") == "pong"
        with socket.socket() as knock:
            assert knock.connect_ex(("127.0.0.1", port)) != 0  # nobody answers there


def test_after_a_test_client_nothing_of_its_program_is_left(game):
    with TestClient(game) as play:
        play.connect()
        assert len(wszero.clients()) == 1
    assert wszero.clients() == [] and wszero._server is None
    wszero.broadcast("anyone")  # no server, no pages: nothing happens


def test_a_program_with_a_mistake_raises_it_and_leaves_nothing_behind(tmp_path):
    path = write(tmp_path, """\
        from wszero import *

        @on('chat')
        def chat():
            pass

        run_server()
    """)
    with pytest.raises(wszero.WszeroError) as problem:
        with TestClient(path):
            pass
    assert str(problem.value) == ("The handler chat() for 'chat' (game.py, line 3) needs a first parameter "
                                  "for the client, like: def chat(client):")
    assert wszero._server is None
