"""Promises of the wire protocol, kept by a real server and real websockets clients.

Each program runs in its own process (`python -m wszero`) on 127.0.0.1.  The
texts of errors are written out here in full, copied from wszero's `say`
class, so that a change of wording is always a deliberate one.
"""

import json
import re
import signal

import pytest
from websockets.exceptions import ConnectionClosed

from conftest import DEADLINE, wait_for


def expect(client, *messages):
    """The client's next messages are exactly these, in this order."""
    got = [client.recv() for _ in messages]
    assert got == list(messages)


def close_code(client):
    """Read until the server closes the connection, and return its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            client.ws.recv(timeout=DEADLINE)
    return closed.value.rcvd.code if closed.value.rcvd else None


def line_of(source, text):
    """The line number of the line of `source` that contains `text`."""
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


# =============================================================================
# Sending, broadcasting and groups
# =============================================================================

MESSAGING = """\
from wszero import *

@on('whisper')
def whisper(client, text):
    client.send('secret', text=text)

@on('shout')
def shout(client, text):
    broadcast('shout', text=text)

@on('join')
def join(client, group):
    client.add_to_group(group)
    client.send('groups', groups=sorted(client.groups))

@on('leave')
def leave(client, group):
    client.remove_from_group(group)
    client.send('groups', groups=sorted(client.groups))

@on('tell')
def tell(client, group, text):
    broadcast('news', group=group, text=text)
    broadcast('end')

@on('script')
def script(client, code):
    client.eval_js(code)

run_server()
"""


def test_send_reaches_only_the_client_it_is_called_on(run):
    program = run(MESSAGING)
    with program.client() as ada, program.client() as bob:
        ada.send("whisper", text="psst")
        expect(ada, {"op": "secret", "text": "psst"})
        ada.send("shout", text="after")
        expect(bob, {"op": "shout", "text": "after"})  # and not the secret before it


def test_broadcast_reaches_every_client_including_the_sender(run):
    program = run(MESSAGING)
    with program.client() as ada, program.client() as bob, program.client() as cy:
        bob.send("shout", text="hello all")
        for client in (ada, bob, cy):
            expect(client, {"op": "shout", "text": "hello all"})


def test_broadcast_to_a_group_reaches_only_its_members(run):
    program = run(MESSAGING)
    with program.client() as ada, program.client() as bob, program.client() as cy:
        for client in (ada, bob):
            client.send("join", group="red")
            expect(client, {"op": "groups", "groups": ["red"]})
        cy.send("join", group="blue")
        expect(cy, {"op": "groups", "groups": ["blue"]})
        cy.send("tell", group="red", text="red team only")
        for member in (ada, bob):
            expect(member, {"op": "news", "text": "red team only"}, {"op": "end"})
        expect(cy, {"op": "end"})


def test_broadcast_to_a_group_nobody_is_in_sends_nothing(run):
    program = run(MESSAGING)
    with program.client() as ada:
        ada.send("tell", group="nobody", text="anyone?")
        expect(ada, {"op": "end"})


def test_client_groups_lists_every_group_the_client_is_in(run):
    program = run(MESSAGING)
    with program.client() as ada:
        ada.send("join", group="red")
        ada.send("join", group="blue")
        expect(ada, {"op": "groups", "groups": ["red"]}, {"op": "groups", "groups": ["blue", "red"]})


def test_adding_a_client_to_a_group_twice_is_the_same_as_once(run):
    program = run(MESSAGING)
    with program.client() as ada, program.client() as bob:
        ada.send("join", group="red")
        ada.send("join", group="red")
        expect(ada, {"op": "groups", "groups": ["red"]}, {"op": "groups", "groups": ["red"]})
        bob.send("tell", group="red", text="once")
        expect(ada, {"op": "news", "text": "once"}, {"op": "end"})  # one copy, not two
        ada.send("leave", group="red")
        expect(ada, {"op": "groups", "groups": []})
        bob.send("tell", group="red", text="gone?")
        expect(ada, {"op": "end"})


def test_removing_a_client_from_a_group_it_is_not_in_does_nothing(run):
    program = run(MESSAGING)
    with program.client() as ada:
        ada.send("join", group="red")
        ada.send("leave", group="blue")
        ada.send("leave", group="red")
        ada.send("leave", group="red")
        expect(ada, {"op": "groups", "groups": ["red"]}, {"op": "groups", "groups": ["red"]},
               {"op": "groups", "groups": []}, {"op": "groups", "groups": []})
    assert "Traceback" not in program.stderr


def test_eval_js_sends_the_script_as_a_wszero_eval_message(run):
    program = run(MESSAGING)
    with program.client() as ada:
        ada.send("script", code="document.title = 'hi'")
        expect(ada, {"op": "wszero:eval", "script": "document.title = 'hi'"})


CLIENTS = """\
from wszero import *

kept = {}

@on('connect')
def connect(client):
    client.send('welcome', name=client.name)
    broadcast('joined', name=client.name)

@on('name')
def name(client, name):
    client.name = name
    client.score = 0
    client.send('named')

@on('point')
def point(client):
    client.score += 1
    broadcast('score', name=client.name, score=client.score)

@on('join')
def join(client, group):
    client.add_to_group(group)
    kept['it'] = client
    client.send('groups', groups=sorted(client.groups))

@on('check')
def check(client):
    client.send('groups', groups=sorted(kept['it'].groups))

@on('disconnect')
def disconnect(client):
    broadcast('left', name=client.name, score=getattr(client, 'score', None))

run_server()
"""


def test_clients_are_called_player_1_player_2_and_so_on(run):
    program = run(CLIENTS)
    with program.client() as first:
        expect(first, {"op": "welcome", "name": "Player 1"}, {"op": "joined", "name": "Player 1"})
        with program.client() as second:
            expect(second, {"op": "welcome", "name": "Player 2"}, {"op": "joined", "name": "Player 2"})


def test_connect_handler_runs_when_a_client_connects(run):
    program = run(CLIENTS)
    with program.client() as ada:
        ada.recv_op("joined")
        with program.client():
            expect(ada, {"op": "joined", "name": "Player 2"})


def test_a_program_can_set_its_own_attributes_on_a_client(run):
    program = run(CLIENTS)
    with program.client() as ada, program.client() as bob:
        ada.send("name", name="Ada")
        ada.recv_op("named")
        ada.send("point")
        ada.send("point")
        assert bob.recv_op("score") == {"op": "score", "name": "Ada", "score": 1}
        assert bob.recv_op("score") == {"op": "score", "name": "Ada", "score": 2}


def test_clients_lists_a_new_client_only_once_its_connect_handler_has_started(run):
    # A timer's tick that was waiting its turn when a page joined runs before that
    # page's connect handler: clients() must not hand it a client with no .x yet.
    program = run("""
        import time
        import wszero
        from wszero import *

        @on('connect')
        def connect(client):
            client.x = 0

        @every(0.01)
        def tick():
            for player in clients():
                player.x = player.x + 1

        @on('busy')
        def busy(client):
            end = time.monotonic() + 0.1
            while time.monotonic() < end:
                pass  # a tick is due meanwhile, and waits for its turn
            print('BUSY', flush=True)
            end = time.monotonic() + 30
            while len(wszero._server.clients) < 2 and time.monotonic() < end:
                pass  # until the next page has joined: its connect handler waits behind the tick

        @on('ticks')
        def ticks(client):
            client.send('ticks', n=client.x)

        run_server()
    """)
    with program.client() as first:
        first.send("busy")
        program.wait_for_stdout("BUSY")
        with program.client() as second:
            def ticked():
                second.send("ticks")
                return second.recv_op("ticks")["n"] >= 3
            wait_for(ticked, what=lambda: f"ticks that count the second page; the terminal shows:\n{program.stderr}")
    assert "Oops" not in program.stderr


def test_disconnect_handler_sees_the_clients_attributes_and_can_tell_the_others(run):
    program = run(CLIENTS)
    with program.client() as bob:
        with program.client() as ada:
            ada.send("name", name="Ada")
            ada.recv_op("named")
            ada.send("point")
            bob.recv_op("score")
        assert bob.recv_op("left") == {"op": "left", "name": "Ada", "score": 1}


def test_a_client_leaves_all_its_groups_when_it_disconnects(run):
    program = run(CLIENTS)
    with program.client() as bob:
        with program.client() as ada:
            ada.send("join", group="red")
            ada.send("join", group="blue")
            ada.recv_op("groups")
            assert ada.recv_op("groups") == {"op": "groups", "groups": ["blue", "red"]}
        bob.recv_op("left")
        bob.send("check")
        assert bob.recv_op("groups") == {"op": "groups", "groups": []}


# =============================================================================
# Mistakes in messages: explained, and the connection carries on
# =============================================================================

MISTAKES = """\
from wszero import *

def divide(a, b):
    return a / b

@on('chat')
def chat(client, text, colour='black'):
    client.send('chat', text=text, colour=colour)

@on('echo')
def echo(client, text):
    client.send('echo', text=text)

@on('boom')
def boom(client):
    return divide(1, 0)

@on('move')
def move(client, x, y):
    client.send('moved', x=x, y=y)

@on('ping')
def ping(client):
    client.send('pong')

@on('shout')
def shout(text):
    pass

@on('connect')
def connect(client):
    pass

run_server()
"""

MISTAKE_CASES = [
    pytest.param(
        "hello there",
        "This message isn't JSON, so wszero can't read it: hello there. "
        "Send objects with send_message({op: 'chat', text: 'hi'}).",
        None, id="not JSON"),
    pytest.param(
        b"\x00\x01\x02",
        "wszero only understands text messages. Send objects with send_message({op: 'chat'}).",
        None, id="binary frame"),
    pytest.param(
        "[1, 2]",
        "A message must be an object with an 'op', like {\"op\": \"chat\"}, but this one was a list: [1, 2]",
        None, id="a list, not an object"),
    pytest.param(
        '"chat"',
        "A message must be an object with an 'op', like {\"op\": \"chat\"}, but this one was a string: \"chat\"",
        None, id="a string, not an object"),
    pytest.param(
        '{"text": "hi"}',
        "This message has no 'op', so wszero can't tell which handler should get it: {\"text\": \"hi\"}",
        None, id="no op"),
    pytest.param(
        '{"op": 5}',
        "'op' must be text, like \"chat\", but this message's op was 5.",
        None, id="op is a number"),
    pytest.param(
        '{"op": ["chat"]}',
        "'op' must be text, like \"chat\", but this message's op was [\"chat\"].",
        None, id="op is a list"),
    pytest.param(
        '{"op": "chta", "text": "hi"}',
        "No handler for 'chta' — did you mean 'chat'?",
        "chta", id="unknown op, did you mean"),
    pytest.param(
        '{"op": "xyzzy"}',
        "No handler for 'xyzzy'. The ops it knows are: boom, chat, echo, move, ping, shout.",
        "xyzzy", id="unknown op, the ops it knows"),
    pytest.param(
        '{"op": "connect"}',
        "A page can't send 'connect': wszero sends it by itself when a page connects.",
        "connect", id="page sends connect"),
    pytest.param(
        '{"op": "disconnect"}',
        "A page can't send 'disconnect': wszero sends it by itself when a page disconnects.",
        "disconnect", id="page sends disconnect"),
    pytest.param(
        '{"op": "wszero:hello"}',
        "A page can't send 'wszero:hello': ops starting with 'wszero:' belong to wszero.",
        None, id="page sends a wszero op"),
    pytest.param(
        '{"op": "chat"}',
        "The 'chat' message needs a value for 'text', but the page sent no values. "
        "The handler is chat(client, text, colour='black').",
        "chat", id="missing parameter"),
    pytest.param(
        '{"op": "chat", "text": "hi", "size": 3}',
        "The 'chat' message has 'size', but the handler only takes 'text' and 'colour'. "
        "The handler is chat(client, text, colour='black').",
        "chat", id="unexpected parameter"),
    pytest.param(
        '{"op": "move"}',
        "The 'move' message needs values for 'x' and 'y', but the page sent no values. "
        "The handler is move(client, x, y).",
        "move", id="two missing parameters"),
    pytest.param(
        '{"op": "ping", "x": 1, "y": 2}',
        "The 'ping' message has 'x' and 'y', but the handler only takes the client. "
        "The handler is ping(client).",
        "ping", id="parameters for a handler that takes none"),
    pytest.param(
        '{"op": "shout", "text": "hi"}',
        "The 'shout' message has 'text', but the handler only takes the client. The handler is shout(text). "
        "Its first parameter, 'text', is always the client: write def shout(client, text):",
        "shout", id="handler forgot the client parameter"),
    pytest.param(
        '{"op": "echo", "text": ' + "[" * 65 + "]" * 65 + "}",
        "This message has lists or objects nested more than 64 deep, so wszero didn't read it. "
        "Send something flatter.",
        None, id="nested 65 deep"),
    pytest.param(
        "[" * 100_000 + "]" * 100_000,
        "This message has lists or objects nested more than 64 deep, so wszero didn't read it. "
        "Send something flatter.",
        None, id="nested 100,000 deep"),
    pytest.param(
        '{"op": "echo", "text": ' + "9" * 5000 + "}",
        "This message has a number more than 4300 digits long, so wszero didn't read it.",
        None, id="a 5,000-digit number"),
    pytest.param(
        '{"op": "chat", "text": "hi", "client": "Ada"}',
        "The 'chat' message has 'client', but the handler only takes 'text' and 'colour'. "
        "The handler is chat(client, text, colour='black').",
        "chat", id="a value called client"),
]


@pytest.mark.parametrize("sent, text, about", MISTAKE_CASES)
def test_a_mistake_is_explained_to_that_client_and_in_the_terminal_and_nobody_stops(run, sent, text, about):
    program = run(MISTAKES)
    with program.client() as ada, program.client() as bob:
        ada.send_raw(sent)
        error = {"op": "wszero:error", "error": text}
        if about is not None:
            error["about"] = about
        expect(ada, error)
        program.wait_for_stderr(text)
        ada.send("echo", text="still here")  # the same connection keeps working
        expect(ada, {"op": "echo", "text": "still here"})
        bob.send("echo", text="me too")      # and the others never noticed
        expect(bob, {"op": "echo", "text": "me too"})
    assert "Traceback" not in program.stderr


def test_a_program_with_no_handlers_says_so(run):
    program = run("from wszero import *\nrun_server()\n")
    with program.client() as ada:
        ada.send("chat", text="hi")
        expect(ada, {"op": "wszero:error", "about": "chat",
                     "error": "No handler for 'chat'. The program has no @on handlers yet."})


def test_an_exception_in_a_handler_is_one_line_in_the_browser(run):
    program = run(MISTAKES)
    line = line_of(MISTAKES, "return a / b")
    with program.client() as ada:
        ada.send("boom")
        expect(ada, {"op": "wszero:error", "about": "boom",
                     "error": f"The 'boom' handler hit a problem: ZeroDivisionError: division by zero (app.py, line {line})"})


def test_an_exception_in_a_handler_shows_a_traceback_ending_at_the_programs_own_line(run):
    program = run(MISTAKES)
    with program.client() as ada:
        ada.send("boom")
        ada.error()
        program.wait_for_stderr("ZeroDivisionError: division by zero")
    report = program.stderr.split("Oops! The 'boom' handler hit a problem:\n", 1)[1]
    report = report[: report.index("ZeroDivisionError: division by zero")]
    assert report.startswith("Traceback (most recent call last):\n")
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\w+)', report)
    assert [(f.rsplit("/", 1)[-1], int(n), name) for f, n, name in frames] == [
        ("app.py", line_of(MISTAKES, "return divide(1, 0)"), "boom"),
        ("app.py", line_of(MISTAKES, "return a / b"), "divide"),
    ]
    assert "wszero.py" not in report


TEXT_AS_A_NUMBER = """\
from wszero import *

@on('guess')
def guess(client, number):
    if number < 50:
        client.send('hint', text='higher')

run_server()
"""
NUMBER_BOX_TIP = ("Tip: a value typed in a box arrives as text, like '7' instead of 7. "
                  "Boxes written <input type=\"number\"> send numbers; in Python, int(...) turns text into a number.")


def test_comparing_text_with_a_number_in_a_handler_gets_the_number_box_tip_on_the_page(run):
    program = run(TEXT_AS_A_NUMBER)
    line = line_of(TEXT_AS_A_NUMBER, "if number < 50")
    with program.client() as ada:
        ada.send("guess", number="7")
        expect(ada, {"op": "wszero:error", "about": "guess",
                     "error": "The 'guess' handler hit a problem: TypeError: '<' not supported between "
                              f"instances of 'str' and 'int' (app.py, line {line}). " + NUMBER_BOX_TIP})


def test_comparing_text_with_a_number_in_a_handler_gets_the_tip_under_the_terminals_traceback(run):
    program = run(TEXT_AS_A_NUMBER)
    with program.client() as ada:
        ada.send("guess", number="7")
        ada.error()
        program.wait_for_stderr(NUMBER_BOX_TIP)
    assert ("TypeError: '<' not supported between instances of 'str' and 'int'\n" + NUMBER_BOX_TIP + "\n"
            in program.stderr)


def test_after_an_exception_in_a_handler_every_connection_keeps_working(run):
    program = run(MISTAKES)
    with program.client() as ada, program.client() as bob:
        ada.send("boom")
        ada.error()
        ada.send("echo", text="still here")
        expect(ada, {"op": "echo", "text": "still here"})
        bob.send("echo", text="me too")
        expect(bob, {"op": "echo", "text": "me too"})


def test_an_exception_in_an_async_handler_is_explained_the_same_way(run):
    source = """\
import asyncio
from wszero import *

@on('boom')
async def boom(client):
    await asyncio.sleep(0.01)
    return {}['missing']

@on('echo')
def echo(client, text):
    client.send('echo', text=text)

run_server()
"""
    program = run(source)
    line = line_of(source, "return {}['missing']")
    with program.client() as ada:
        ada.send("boom")
        expect(ada, {"op": "wszero:error", "about": "boom",
                     "error": f"The 'boom' handler hit a problem: KeyError: 'missing' (app.py, line {line})"})
        program.wait_for_stderr("Oops! The 'boom' handler hit a problem:\n")
        ada.send("echo", text="still here")
        expect(ada, {"op": "echo", "text": "still here"})


NUMBERS = """\
from wszero import *

@on('nan')
def nan(client):
    client.send('scores', scores={'ada': [1, float('nan')]})

@on('huge')
def huge(client):
    broadcast('huge', n=10 ** 5000)

@on('deep')
def deep(client):
    tree = []
    for _ in range(5000):
        tree = [tree]
    return tree

@on('echo')
def echo(client, text):
    client.send('echo', text=text)

run_server()
"""


@pytest.mark.parametrize("op, error", [
    ("nan", "TypeError: send() can't send 'scores': scores['ada'][1] was nan, "
            "which isn't a number a browser understands."),
    ("huge", "TypeError: broadcast() can't send 'n': it was a whole number more than 4300 digits long, "
             "too long to send."),
])
def test_a_value_json_cant_carry_is_explained_at_the_programs_line(run, op, error):
    program = run(NUMBERS)
    line = line_of(NUMBERS, "client.send('scores'" if op == "nan" else "broadcast('huge'")
    with program.client() as ada:
        ada.send(op)
        expect(ada, {"op": "wszero:error", "about": op,
                     "error": f"The '{op}' handler hit a problem: {error} (app.py, line {line})"})
        program.wait_for_stderr(error)
        ada.send("echo", text="still here")
        expect(ada, {"op": "echo", "text": "still here"})
    report = program.stderr.split(f"Oops! The '{op}' handler hit a problem:", 1)[1]
    assert [f.rsplit("/", 1)[-1] for f in re.findall(r'File "([^"]+)"', report)] == ["app.py"]


def test_a_handler_returning_a_value_nested_too_deep_gets_a_sentence_and_the_game_goes_on(run):
    program = run(NUMBERS)
    with program.client() as ada:
        request(ada, "deep", 7)
        expect(ada, {"op": "wszero:error", "id": 7,
                     "error": "A handler's return can't send 'result': it has lists or dicts nested too deep to send."})
        ada.send("echo", text="still here")
        expect(ada, {"op": "echo", "text": "still here"})
    assert "Traceback" not in program.stderr


# =============================================================================
# The size limit
# =============================================================================

SIZES = """\
from wszero import *

@on('big')
def big(client, text):
    client.send('size', length=len(text))

@on('echo')
def echo(client, text):
    client.send('echo', text=text)

run_server()
"""
MIB = 1024 * 1024


def big_message(size):
    """A 'big' message of exactly `size` bytes."""
    empty = len(json.dumps({"op": "big", "text": ""}))
    return json.dumps({"op": "big", "text": "x" * (size - empty)})


def test_a_message_of_exactly_1_mib_is_handled(run):
    program = run(SIZES)
    with program.client() as ada:
        message = big_message(MIB)
        assert len(message) == MIB
        ada.send_raw(message)
        expect(ada, {"op": "size", "length": MIB - len(json.dumps({"op": "big", "text": ""}))})


def test_a_message_over_1_mib_closes_that_connection_with_1009(run):
    program = run(SIZES)
    with program.client() as ada:
        try:
            ada.send_raw(big_message(MIB + 1))
        except ConnectionClosed:
            pass  # the server may close before the client has finished sending
        assert close_code(ada) == 1009


def test_after_a_message_over_1_mib_the_server_keeps_serving_others(run):
    program = run(SIZES)
    with program.client() as ada, program.client() as bob:
        try:
            ada.send_raw(big_message(2 * MIB))
        except ConnectionClosed:
            pass
        close_code(ada)
        bob.send("echo", text="still here")
        expect(bob, {"op": "echo", "text": "still here"})
        with program.client() as cy:
            cy.send("echo", text="new here")
            expect(cy, {"op": "echo", "text": "new here"})
    assert "Traceback" not in program.stderr


# =============================================================================
# Request and reply: "wszero:id"
# =============================================================================

REQUESTS = """\
import asyncio
from wszero import *

@on('add')
def add(client, a, b):
    return a + b

@on('nothing')
def nothing(client):
    pass

@on('boom')
def boom(client):
    return 1 / 0

@on('double')
async def double(client, a):
    await asyncio.sleep(0.01)
    return a * 2

run_server()
"""


def request(client, op, reply_id, **params):
    client.send_raw(json.dumps({"op": op, "wszero:id": reply_id, **params}))


def test_a_message_with_an_id_gets_the_handlers_return_value_as_its_reply(run):
    program = run(REQUESTS)
    with program.client() as ada:
        request(ada, "add", 7, a=2, b=3)
        expect(ada, {"op": "wszero:reply", "id": 7, "result": 5})


def test_a_handler_that_returns_nothing_replies_null(run):
    program = run(REQUESTS)
    with program.client() as ada:
        request(ada, "nothing", "first")
        expect(ada, {"op": "wszero:reply", "id": "first", "result": None})


def test_an_async_handlers_return_value_is_its_reply(run):
    program = run(REQUESTS)
    with program.client() as ada:
        request(ada, "double", 7, a=21)
        expect(ada, {"op": "wszero:reply", "id": 7, "result": 42})


def test_a_message_without_an_id_gets_no_reply(run):
    program = run(REQUESTS)
    with program.client() as ada:
        ada.send("add", a=1, b=1)
        request(ada, "add", 2, a=2, b=2)
        expect(ada, {"op": "wszero:reply", "id": 2, "result": 4})


def test_an_exception_in_a_handler_answers_with_an_error_carrying_the_id(run):
    program = run(REQUESTS)
    line = line_of(REQUESTS, "return 1 / 0")
    with program.client() as ada:
        request(ada, "boom", 7)
        expect(ada, {"op": "wszero:error", "about": "boom", "id": 7,
                     "error": f"The 'boom' handler hit a problem: ZeroDivisionError: division by zero (app.py, line {line})"})


@pytest.mark.parametrize("op, params, error", [
    pytest.param("add", {"a": 1}, "The 'add' message needs a value for 'b', but the page sent 'a'. "
                                   "The handler is add(client, a, b).",
                 id="missing parameter"),
    pytest.param("ad", {"a": 1, "b": 2}, "No handler for 'ad' — did you mean 'add'?", id="unknown op"),
])
def test_a_mistake_in_a_request_answers_with_an_error_carrying_the_id(run, op, params, error):
    program = run(REQUESTS)
    with program.client() as ada:
        request(ada, op, 7, **params)
        expect(ada, {"op": "wszero:error", "about": op, "id": 7, "error": error})


# =============================================================================
# Stopping: Ctrl+C and SIGTERM
# =============================================================================

STOPPING = """\
from wszero import *

@on('name')
def name(client, name):
    client.name = name
    client.send('named')

@on('disconnect')
def disconnect(client):
    print(f'Goodbye, {client.name}')  # one string: wszero prints from another thread

run_server()
"""

SIGNALS = [pytest.param(signal.SIGINT, id="Ctrl+C"), pytest.param(signal.SIGTERM, id="SIGTERM")]


@pytest.mark.parametrize("sig", SIGNALS)
def test_stopping_exits_with_code_0_and_no_traceback(run, sig):
    program = run(STOPPING)
    with program.client():
        assert program.stop(sig) == 0
    assert "Traceback" not in program.stderr


@pytest.mark.parametrize("sig", SIGNALS)
def test_stopping_runs_every_disconnect_handler(run, sig):
    program = run(STOPPING)
    with program.client() as ada, program.client():
        ada.send("name", name="Ada")
        ada.recv_op("named")
        program.stop(sig)
    assert "Goodbye, Ada" in program.stdout
    assert "Goodbye, Player 2" in program.stdout


@pytest.mark.parametrize("sig", SIGNALS)
def test_stopping_closes_every_connection_normally_with_1001(run, sig):
    program = run(STOPPING)
    with program.client() as ada, program.client() as bob:
        program.stop(sig)
        assert close_code(ada) == 1001
        assert close_code(bob) == 1001


def test_wszeros_lines_and_the_programs_prints_never_split_each_other(run):
    program = run("""\
from wszero import *

@on('connect')
def connect(client):
    print('hello', client.name)

@on('disconnect')
def disconnect(client):
    print('goodbye', client.name)

run_server()
""")
    for _ in range(100):
        with program.client():
            pass
    program.wait_for_stdout("goodbye Player 100\nPlayer 100 left.\n")
    lines = program.stdout.split("Press Ctrl+C to stop.\n", 1)[1].splitlines()
    odd = [line for line in lines
           if not re.fullmatch(r"(hello|goodbye) Player \d+|Player \d+ (joined|left)\.", line)]
    assert odd == []
    assert len(lines) == 400
