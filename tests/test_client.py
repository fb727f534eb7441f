"""The browser half, wszero.js, proved in headless Chromium against real wszero programs.

What is promised here (issue 5): the React, Vue and drawing-board examples
work; a page reconnects by itself after a server restart or a dropped
connection; a short drop resumes the same client; messages sent while
disconnected arrive once each and in order; requests resolve, reject and
time out; listeners; the stub loads as a classic script, as an ES module and
from another origin; the version check; no secure-context APIs; its size.

Connections are dropped "for real" by a small TCP proxy that runs in this
test process (asyncio, 127.0.0.1 only), sits between the page and the
server, and can abort every socket it carries (no close frame, as when the
Wi-Fi drops) or refuse new ones for a while.

Nothing sleeps a fixed time: the tests wait for what a page shows or holds
(Playwright), for a line in the program's terminal (or, for what handlers
print, a mark within a line: see handler_marks), or for a port to be free,
each with conftest's generous deadline.
"""

import asyncio
import functools
import http.server
import json
import os
import re
import socket
import textwrap
import threading

import pytest
from playwright.sync_api import expect

from conftest import DEADLINE, EXAMPLES, ROOT, wait_for

MS = DEADLINE * 1000  # Playwright counts in milliseconds
REACT = os.path.join(EXAMPLES, "react", "guess.py")
VUE = os.path.join(EXAMPLES, "vue", "vote.py")
DRAWING = os.path.join(EXAMPLES, "drawing", "draw.py")
STUB = os.path.join(ROOT, "wszero.js")


# =============================================================================
# Helpers
# =============================================================================


def page_file(text):
    """A file for run(files={...}): take the indent off."""
    return textwrap.dedent(text).lstrip()


def shows(page, selector, texts):
    """Wait until the elements matching `selector` have exactly these texts, in order."""
    expect(page.page.locator(selector)).to_have_text(texts, timeout=MS)


def until(page, script, arg=None):
    """Wait until the JavaScript expression (or function of `arg`) is true in the page, and return its value."""
    return page.page.wait_for_function(script, arg=arg, timeout=MS).json_value()


def state_is(page, state):
    until(page, "state => wszero.state === state", state)


def ask(page, op, params=None, timeout=None):
    """wszero.request from the page: ("resolved", value) or ("rejected", the error's message)."""
    return page.page.evaluate("""([op, params, timeout]) =>
        wszero.request(op, params, timeout ? {timeout} : undefined).then(
            value => ["resolved", value],
            error => ["rejected", error instanceof Error ? error.message : String(error)])""",
        [op, params or {}, timeout])


def lines_of(text):
    return text.splitlines()


def wait_for_output(program, line):
    """Wait until the program printed this exact line."""
    return wait_for(lambda: line in lines_of(program.stdout),
                    what=f"the line {line!r} from the program; it printed:\n{program.stdout}\n{program.stderr}")


def port_is_free(port):
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's server does
        try:
            probe.bind(("", port))
        except OSError:
            return False
        return True


class Proxy:
    """A TCP proxy on 127.0.0.1 in its own thread, with its own asyncio loop.

    It passes bytes both ways between a page and a server.  drop() aborts
    every connection it carries (the server gets no close frame, like a
    dropped Wi-Fi); refuse() makes it abort each new connection at once, until
    allow().
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self.refusing = False
        self.links = []  # one for each connection carried: its two transports, and more
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        assert ready.wait(DEADLINE), "the proxy didn't start"

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._carry, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    async def _carry(self, page_reader, page_writer):
        if self.refusing:
            page_writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            page_writer.transport.abort()
            return
        # The links hold the task and the writers: once the page's socket is
        # gone, nothing else would, and a collected writer closes its socket.
        link = {"page": page_writer.transport, "server": server_writer.transport, "silent": False,
                "writers": (page_writer, server_writer), "task": asyncio.current_task()}
        self.links.append(link)
        await asyncio.gather(self._pump(page_reader, server_writer, link), self._pump(server_reader, page_writer, link))

    async def _pump(self, reader, writer, link):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            # One side finished: finish the other (HTTP closes after each answer),
            # unless the server must not notice anything.
            if not (link["silent"] and writer.transport is link["server"]):
                writer.close()

    def _on_loop(self, func):
        async def call():
            return func()
        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(DEADLINE)

    def drop(self, server_notices=True):
        """Abort every connection now: no close frame reaches either side.

        With server_notices=False only the page's side breaks: the server's
        sockets stay open and silent, as when a laptop's Wi-Fi goes away.
        """
        def abort_all():
            for link in self.links:
                link["silent"] = not server_notices
                link["page"].abort()
                if server_notices:
                    link["server"].abort()
        self._on_loop(abort_all)

    def refuse(self):
        self._on_loop(lambda: setattr(self, "refusing", True))

    def allow(self):
        self._on_loop(lambda: setattr(self, "refusing", False))

    def close(self):
        async def shut():
            self.server.close()
            for link in self.links:
                link["page"].abort()
                link["server"].abort()
            await asyncio.gather(*(link["task"] for link in self.links))  # each ends at its sockets' end
        asyncio.run_coroutine_threadsafe(shut(), self.loop).result(DEADLINE)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(DEADLINE)
        self.loop.close()


class StaticServer:
    """A plain http.server on another 127.0.0.1 port: a page served somewhere else."""

    def __init__(self, folder):
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(DEADLINE)



@pytest.fixture
def proxy_to():
    """proxy_to(port) starts a Proxy in front of a server's port."""
    made = []

    def start(port):
        proxy = Proxy(port)
        made.append(proxy)
        return proxy

    yield start
    for proxy in made:
        proxy.close()


@pytest.fixture
def elsewhere(tmp_path_factory):
    """elsewhere({name: text}) serves these files from a plain http.server on another port."""
    servers = []

    def serve(files):
        folder = tmp_path_factory.mktemp("elsewhere")
        for name, text in files.items():
            (folder / name).write_text(text)
        server = StaticServer(str(folder))
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.close()


# =============================================================================
# The examples: React, Vue and a multiplayer drawing board
# =============================================================================


def test_react_example_answers_each_guess_until_the_number_is_found(run, open_page):
    app = run(path=REACT)
    page = open_page(app.url)
    shows(page, ".state", ["open"])
    low, high = 1, 100
    for tries in range(1, 8):  # halving 1..100 finds any number in 7 guesses
        number = (low + high) // 2
        page.page.fill("#number", str(number))
        page.page.press("#number", "Enter")
        hint = page.page.locator("#hints li").nth(tries - 1)
        expect(hint).to_have_text(re.compile(rf"^{number}(: go (higher|lower)| is right!.*)$"), timeout=MS)
        text = hint.text_content()
        if text.endswith("higher"):
            low = number + 1
        elif text.endswith("lower"):
            high = number - 1
        else:
            assert text == f"{number} is right! You took {tries} {'try' if tries == 1 else 'tries'}."
            break
    else:
        raise AssertionError("seven guesses should have found the number")
    assert page.console_text("pageerror") == []


def test_react_example_sends_nothing_when_the_box_is_empty(run, open_page):
    app = run(path=REACT)
    page = open_page(app.url)
    page.page.press("#number", "Enter")  # nothing typed yet
    page.page.fill("#number", "50")
    page.page.press("#number", "Enter")
    # Answers come in the order the guesses went, so an empty guess sent
    # first would have shown its hint first.
    shows(page, "#hints li", [re.compile(r"^50(: go (higher|lower)| is right! You took 1 try\.)$")])
    assert page.page.input_value("#number") == ""
    assert page.console_text("pageerror") == []


def test_vue_example_vote_on_one_page_shows_on_every_page(run, open_page):
    app = run(path=VUE)
    ada, bob = open_page(app.url), open_page(app.url)
    for page in (ada, bob):
        shows(page, "button", ["cat: 0", "dog: 0", "dragon: 0"])
        shows(page, ".state", ["open"])
    ada.page.get_by_role("button", name="dog").click()
    for page in (ada, bob):
        shows(page, "button", ["cat: 0", "dog: 1", "dragon: 0"])
    assert ada.console_text("pageerror") == bob.console_text("pageerror") == []


def draw_a_line(page):
    """Drag the mouse across the drawing board, as a child would."""
    box = page.page.locator("#board").bounding_box()
    x, y = box["x"] + 40, box["y"] + 40
    page.page.mouse.move(x, y)
    page.page.mouse.down()
    page.page.mouse.move(x + 200, y + 120, steps=10)
    page.page.mouse.up()


def lines_on_the_board(page, count):
    expect(page.page.locator("#board line")).to_have_count(count, timeout=MS)


def test_drawing_example_two_pages_list_both_players_and_follow_a_rename(run, open_page):
    app = run(path=DRAWING)
    ada, bob = open_page(app.url), open_page(app.url)
    for page in (ada, bob):
        shows(page, "#players li", ["Player 1", "Player 2"])
    ada.page.fill("#name", "Ada")
    ada.page.click("#name-form button")
    for page in (ada, bob):
        shows(page, "#players li", ["Ada", "Player 2"])


def test_drawing_example_tells_players_in_words_that_everyone_sees_their_drawing(run, open_page):
    app = run(path=DRAWING)
    page = open_page(app.url)
    shows(page, "#state", ["Everyone here sees what you draw."])


def test_drawing_example_says_when_it_cannot_reach_the_board_never_the_word_closed(run, open_page):
    app = run(path=DRAWING)
    page = open_page(app.url)
    shows(page, "#state", ["Everyone here sees what you draw."])
    kill(app)
    shows(page, "#state", ["Can't reach the board. Trying again…"])


def test_drawing_example_a_line_drawn_on_one_page_shows_on_both_in_the_drawers_colour(run, open_page):
    app = run(path=DRAWING)
    ada, bob = open_page(app.url), open_page(app.url)
    shows(ada, "#players li", ["Player 1", "Player 2"])
    draw_a_line(bob)
    # Bob's request goes after his draw messages, so the answer holds all of them.
    kind, board = ask(bob, "board")
    assert kind == "resolved" and len(board) >= 5
    for page in (ada, bob):
        lines_on_the_board(page, len(board))
    strokes = ada.page.eval_on_selector_all("#board line", "lines => lines.map(l => l.getAttribute('stroke'))")
    assert set(strokes) == {"royalblue"}  # the second player's colour
    assert ada.console_text("pageerror") == bob.console_text("pageerror") == []


def test_drawing_example_page_that_comes_later_is_given_the_board_so_far(run, open_page):
    app = run(path=DRAWING)
    ada = open_page(app.url)
    draw_a_line(ada)
    kind, board = ask(ada, "board")
    assert kind == "resolved" and len(board) >= 5
    bob = open_page(app.url)
    lines_on_the_board(bob, len(board))
    shows(bob, "#players li", ["Player 1", "Player 2"])


@pytest.mark.parametrize("program, vendored", [
    (REACT, ["vendor/react.production.min.js", "vendor/react-dom.production.min.js", "vendor/htm.umd.js"]),
    (VUE, ["vendor/vue.global.prod.js"]),
    (DRAWING, ["vendor/react.production.min.js", "vendor/react-dom.production.min.js", "vendor/htm.umd.js"]),
], ids=["react", "vue", "drawing"])
def test_example_loads_every_file_from_its_own_wszero_server(run, open_page, program, vendored):
    app = run(path=program)
    page = open_page(app.url)
    loaded = page.page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert all(url.startswith(app.url + "/") for url in loaded), loaded
    assert {app.url + "/" + name for name in vendored} <= set(loaded)


# =============================================================================
# Restarting the server: the page comes back by itself
# =============================================================================

RESTART_PROGRAM = """
    from wszero import *

    @on('connect')
    def connect(client):
        print('connect', client.name)

    @on('ping')
    def ping(client):
        return 'pong'

    run_server()
"""

# Records every state change (both ways of hearing them), every hello, and
# every element added to the page, from before the stub loads.
RECORDER = """
    <script>
      window.states = [];
      window.heardStates = [];
      window.hellos = [];
      window.added = [];
      addEventListener('wszero:state', event => states.push(event.detail));
      new MutationObserver(records => records.forEach(record =>
        record.addedNodes.forEach(node => added.push(node.textContent || '')))
      ).observe(document.documentElement, {childList: true, subtree: true});
    </script>
"""

RESTART_PAGE = page_file("""
    <!doctype html>
    <meta charset="utf-8">
    <title>Restart</title>
    """ + RECORDER + """
    <script src="/wszero.js"></script>
    <script>
      wszero.on('wszero:state', msg => heardStates.push(msg.state));
      wszero.on('*', msg => { if (msg.op === 'wszero:hello') hellos.push(msg); });
    </script>
    <p>A page that survives its server restarting.</p>
""")

NO_BADGE_PAGE = RESTART_PAGE.replace('<script src="/wszero.js">',
                                     '<script>window.WSZERO = {badge: false};</script>\n<script src="/wszero.js">')

BADGE = "[role=status]"


def opened(page, times):
    """Wait until the page has been connected `times` times in all."""
    until(page, "times => states.filter(s => s === 'open').length >= times", times)


def kill(program):
    program.proc.kill()
    program.proc.wait(DEADLINE)


def start_again(run, program):
    """Start the same program on the same port, once the port is free."""
    port = program.port
    wait_for(lambda: port_is_free(port), what=f"port {port} to be free")
    again = run(path=program.path, args=["--port", str(port)])
    assert again.port == port, f"the program came back on port {again.port}, not {port}"
    return again


def test_page_state_goes_closed_then_open_by_itself_when_the_server_restarts(run, open_page):
    app = run(RESTART_PROGRAM, files={"index.html": RESTART_PAGE})
    page = open_page(app.url)
    kill(app)
    until(page, "states.includes('closed')")
    start_again(run, app)
    opened(page, 2)
    states = page.page.evaluate("states")
    assert states[:2] == ["open", "closed"] and states[-1] == "open", states
    assert set(states[2:-1]) <= {"connecting", "closed"}, states
    assert page.page.evaluate("heardStates") == states  # wszero.on and the window event agree


def test_reconnecting_badge_shows_while_the_server_is_down_and_goes_when_it_is_back(run, open_page):
    app = run(RESTART_PROGRAM, files={"index.html": RESTART_PAGE})
    page = open_page(app.url)
    badge = page.page.locator(BADGE)
    assert badge.count() == 0
    kill(app)
    expect(badge).to_have_text("reconnecting\u2026", timeout=MS)
    expect(badge).to_be_visible(timeout=MS)
    start_again(run, app)
    opened(page, 2)
    expect(badge).to_have_count(0, timeout=MS)


def test_badge_false_setting_never_shows_the_badge(run, open_page):
    app = run(RESTART_PROGRAM, files={"index.html": NO_BADGE_PAGE})
    page = open_page(app.url)
    kill(app)
    # A "connecting" after a "closed" is a second try: the badge would show by then.
    until(page, "states.lastIndexOf('connecting') > states.indexOf('closed') && states.includes('closed')")
    start_again(run, app)
    opened(page, 2)
    assert not [text for text in page.page.evaluate("added") if "reconnecting" in text]
    assert page.page.locator(BADGE).count() == 0


def test_after_a_server_restart_the_page_is_a_new_client_and_the_connect_handler_runs(run, open_page):
    app = run(RESTART_PROGRAM, files={"index.html": RESTART_PAGE})
    page = open_page(app.url)
    wait_for_output(app, "connect Player 1")
    kill(app)
    again = start_again(run, app)
    opened(page, 2)
    wait_for_output(again, "connect Player 1")
    until(page, "hellos.length >= 2")  # 'open' comes before the hello that follows it
    assert [hello["resumed"] for hello in page.page.evaluate("hellos")] == [False, False]
    assert ask(page, "ping") == ["resolved", "pong"]


# =============================================================================
# Dropped connections: resume within the grace period
# =============================================================================

RESUME_PROGRAM = """
    import wszero
    from wszero import *

    numbers = []

    @on('connect')
    def connect(client):
        print(f'<connect {client.name}>')

    @on('disconnect')
    def disconnect(client):
        print(f'<disconnect {client.name}>')

    @on('setup')
    def setup(client, name, team):
        client.name = name
        client.score = 7
        client.add_to_group(team)

    @on('whoami')
    def whoami(client):
        return {'name': client.name, 'score': getattr(client, 'score', None), 'groups': sorted(client.groups)}

    @on('shout')
    def shout(client, team, text):
        broadcast('heard', group=team, text=text)

    @on('away')
    def away(client):
        # How many dropped pages the server is keeping for now.  A program never
        # needs this (it sees nothing of a drop); the test must know the server noticed.
        return len(wszero._server.parked)

    @on('number')
    def number(client, n):
        numbers.append(n)

    @on('numbers')
    def all_numbers(client):
        return numbers

    run_server(GRACE)
"""

RESUME_PAGE = page_file("""
    <!doctype html>
    <meta charset="utf-8">
    <title>Resume</title>
    """ + RECORDER + """
    <script src="/wszero.js"></script>
    <script>
      window.heard = [];
      HANDLERS.heard = msg => heard.push(msg.text);
      wszero.on('*', msg => { if (msg.op === 'wszero:hello') hellos.push(msg); });
    </script>
""")


def handler_marks(program):
    """The marks the connect and disconnect handlers printed, in order.

    wszero prints its own lines ("Ada left.") from the asyncio thread while
    handlers print from the game thread, and print() writes a line's text and
    its newline separately; under load one lands inside the other ("Ada
    left.<disconnect Ada>").  So the handlers print one mark each, written in
    one piece, and the tests look for the marks, not for whole lines.
    """
    return re.findall(r"<(?:dis)?connect [^<>\n]*>", program.stdout)


def wait_for_mark(program, mark):
    return wait_for(lambda: mark in handler_marks(program),
                    what=f"{mark} from the program; it printed:\n{program.stdout}\n{program.stderr}")


def start_resumable(run, open_page, proxy_to, grace=""):
    """A program, a proxy in front of it, and a page loaded through the proxy, set up as Ada of team red."""
    app = run(RESUME_PROGRAM.replace("GRACE", grace), files={"index.html": RESUME_PAGE})
    proxy = proxy_to(app.port)
    page = open_page(proxy.url)
    assert ask(page, "setup", {"name": "Ada", "team": "red"}) == ["resolved", None]
    return app, proxy, page


def away(other):
    """How many dropped pages the server keeps, asked by a websockets client."""
    other.send("away", **{"wszero:id": 1})
    return other.recv_op("wszero:reply")["result"]


def drop_and_keep_away(page, proxy, other):
    """Drop the page's connection and keep it from coming back, until the server has noticed."""
    proxy.refuse()
    proxy.drop()
    until(page, "wszero.state !== 'open'")
    wait_for(lambda: away(other) == 1, what="the server to keep the dropped page")


def test_short_drop_keeps_the_same_client_with_its_name_values_and_groups(run, open_page, proxy_to):
    app, proxy, page = start_resumable(run, open_page, proxy_to)
    proxy.drop()
    opened(page, 2)
    assert ask(page, "whoami") == ["resolved", {"name": "Ada", "score": 7, "groups": ["red"]}]


def test_short_drop_runs_neither_the_disconnect_nor_the_connect_handler(run, open_page, proxy_to):
    app, proxy, page = start_resumable(run, open_page, proxy_to)
    proxy.drop()
    opened(page, 2)
    ask(page, "whoami")  # handlers run in order, so any connect or disconnect has run by now
    assert handler_marks(app) == ["<connect Player 1>"]


def test_short_drop_is_told_in_the_terminal_and_in_the_pages_hello(run, open_page, proxy_to):
    app, proxy, page = start_resumable(run, open_page, proxy_to)
    proxy.drop()
    opened(page, 2)
    wait_for_output(app, "Ada lost its connection for a moment, and is back.")
    # 'open' comes before the hello that follows it, so wait for that hello too.
    until(page, "hellos.length >= 2")
    assert [hello["resumed"] for hello in page.page.evaluate("hellos")] == [False, True]


def test_group_broadcast_sent_while_a_page_was_away_arrives_after_it_is_back(run, open_page, proxy_to):
    app, proxy, page = start_resumable(run, open_page, proxy_to)
    with app.client() as other:
        drop_and_keep_away(page, proxy, other)
        other.send("shout", team="red", text="while you were away")
        assert away(other) == 1  # answered after the shout, so the shout was sent first
        proxy.allow()
        until(page, "heard.length > 0")
        assert ask(page, "whoami")[1]["name"] == "Ada"
        assert page.page.evaluate("heard") == ["while you were away"]


def test_page_back_before_the_server_noticed_the_drop_is_still_the_same_client(run, open_page, proxy_to):
    # A real Wi-Fi drop: the page's side breaks, but nothing at all reaches the
    # server, which still believes the old connection is open when the page
    # comes back with its resume token.
    app, proxy, page = start_resumable(run, open_page, proxy_to)
    proxy.drop(server_notices=False)
    opened(page, 2)
    assert ask(page, "whoami") == ["resolved", {"name": "Ada", "score": 7, "groups": ["red"]}]


def test_page_away_longer_than_the_grace_period_runs_the_disconnect_handler(run, open_page, proxy_to):
    app, proxy, page = start_resumable(run, open_page, proxy_to, grace="grace=1")
    proxy.refuse()
    proxy.drop()
    wait_for_mark(app, "<disconnect Ada>")


def test_page_back_after_the_grace_period_is_a_new_client_and_the_connect_handler_runs(run, open_page, proxy_to):
    app, proxy, page = start_resumable(run, open_page, proxy_to, grace="grace=1")
    proxy.refuse()
    proxy.drop()
    wait_for_mark(app, "<disconnect Ada>")
    proxy.allow()
    wait_for_mark(app, "<connect Player 2>")
    opened(page, 2)
    assert ask(page, "whoami")[1]["name"] == "Player 2"


def test_messages_sent_while_disconnected_arrive_once_each_and_in_order(run, open_page, proxy_to):
    app, proxy, page = start_resumable(run, open_page, proxy_to)
    proxy.refuse()
    proxy.drop()
    until(page, "wszero.state !== 'open'")
    states_while_sending = page.page.evaluate("""() => {
        const states = [];
        for (let n = 1; n <= 50; n++) {
            states.push(wszero.state);
            send_message({op: 'number', n});
        }
        return states;
    }""")
    assert "open" not in states_while_sending
    proxy.allow()
    opened(page, 2)
    assert ask(page, "numbers") == ["resolved", list(range(1, 51))]


# =============================================================================
# wszero.request: resolve, reject, time out
# =============================================================================

REQUEST_PROGRAM = """
    import time
    from wszero import *

    @on('add')
    def add(client, a, b):
        return a + b

    @on('boom')
    def boom(client):
        raise ValueError('no cake today')

    @on('slow')
    def slow(client):
        time.sleep(5)
        return 'too late'

    @on('chat')
    def chat(client, text):
        pass

    run_server()
"""

PLAIN_PAGE = page_file("""
    <!doctype html>
    <meta charset="utf-8">
    <script src="/wszero.js"></script>
""")

# Long enough that only a missing answer makes a request time out.
PATIENT = DEADLINE * 1000 * 2 // 3


def start_requests(run, open_page):
    app = run(REQUEST_PROGRAM, files={"index.html": PLAIN_PAGE})
    return app, open_page(app.url)


def test_request_resolves_with_the_handlers_return_value(run, open_page):
    app, page = start_requests(run, open_page)
    assert ask(page, "add", {"a": 2, "b": 3}) == ["resolved", 5]


def test_request_rejects_with_the_servers_explanation_when_the_handler_raises(run, open_page):
    app, page = start_requests(run, open_page)
    line = textwrap.dedent(REQUEST_PROGRAM).splitlines().index("    raise ValueError('no cake today')") + 1
    assert ask(page, "boom", timeout=PATIENT) == [
        "rejected", f"The 'boom' handler hit a problem: ValueError: no cake today (app.py, line {line})"]


def test_request_for_an_unknown_op_rejects_with_the_servers_explanation(run, open_page):
    app, page = start_requests(run, open_page)
    assert ask(page, "chta", {"text": "hi"}, timeout=PATIENT) == [
        "rejected", "No handler for 'chta' — did you mean 'chat'?"]


def test_request_missing_a_value_rejects_with_the_servers_explanation(run, open_page):
    app, page = start_requests(run, open_page)
    assert ask(page, "add", {"a": 1}, timeout=PATIENT) == [
        "rejected", "The 'add' message needs a value for 'b', but the page sent 'a'. The handler is add(client, a, b)."]


def test_request_with_no_answer_in_time_rejects_with_the_timeout_message(run, open_page):
    app, page = start_requests(run, open_page)
    assert ask(page, "slow", timeout=1500) == ["rejected", 'wszero: no answer to "slow" after 1.5 seconds']


# =============================================================================
# Listeners: wszero.on
# =============================================================================

LISTEN_PROGRAM = """
    from wszero import *

    @on('tell')
    def tell(client, what, n):
        client.send(what, n=n)

    run_server()
"""

# A module's imports run before it, in the same task, so its listeners are
# there before the socket can open: they hear the first message too.
LISTEN_PAGE = page_file("""
    <!doctype html>
    <meta charset="utf-8">
    <script type="module">
      import wszero from "/wszero.mjs";
      window.got = [];
      window.everything = [];
      wszero.on('*', msg => everything.push(msg.op));
      window.offA = wszero.on('news', msg => got.push('a' + msg.n));
      window.offB = wszero.on('news', msg => got.push('b' + msg.n));
    </script>
""")


def start_listening(run, open_page):
    app = run(LISTEN_PROGRAM, files={"index.html": LISTEN_PAGE})
    return app, open_page(app.url)


def tell(page, what, n):
    page.page.evaluate("([what, n]) => send_message({op: 'tell', what, n})", [what, n])


def test_several_listeners_for_one_op_each_get_every_message(run, open_page):
    app, page = start_listening(run, open_page)
    tell(page, "news", 1)
    tell(page, "news", 2)
    until(page, "got.length >= 4")
    assert page.page.evaluate("got") == ["a1", "b1", "a2", "b2"]


def test_unsubscribing_one_listener_stops_only_that_one(run, open_page):
    app, page = start_listening(run, open_page)
    tell(page, "news", 1)
    until(page, "got.length >= 2")
    page.page.evaluate("offA()")
    tell(page, "news", 2)
    until(page, "got.includes('b2')")  # the listeners of one message run together
    assert page.page.evaluate("got") == ["a1", "b1", "b2"]


def test_star_listener_hears_every_message_including_wszeros_own(run, open_page):
    app, page = start_listening(run, open_page)
    tell(page, "news", 1)
    page.page.evaluate("send_message({op: 'nope'})")
    page.page.evaluate("wszero.request('tell', {what: 'news', n: 2})")
    until(page, "everything.includes('wszero:reply')")
    assert page.page.evaluate("everything") == [
        "wszero:hello", "news", "wszero:error", "news", "wszero:reply"]


# =============================================================================
# Loading: classic script, ES module, from another origin, explicit url
# =============================================================================

ECHO_PROGRAM = """
    from wszero import *

    @on('echo')
    def echo(client, text):
        client.send('echo', text=text)
        return text.upper()

    run_server()
"""

CLASSIC_PAGE = page_file("""
    <!doctype html>
    <meta charset="utf-8">
    <script src="STUB"></script>
    <script>
      window.echoed = [];
      HANDLERS.echo = msg => echoed.push(msg.text);
    </script>
""")

MODULE_PAGE = page_file("""
    <!doctype html>
    <meta charset="utf-8">
    <script type="module">
      import wszero, {send_message, on, request} from "STUB";
      window.echoed = [];
      window.named = {
        default: wszero === window.wszero,
        send_message: send_message === wszero.send_message,
        on: on === wszero.on,
        request: request === wszero.request,
      };
      on('echo', msg => echoed.push(msg.text));
      window.moduleRequest = request;
      send_message({op: 'echo', text: 'from a module'});
    </script>
""")


def echoes(page):
    """The page talks to the echo program both ways: a message, a reply and a request."""
    page.page.evaluate("send_message({op: 'echo', text: 'hi'})")
    until(page, "echoed.includes('hi')")
    return ask(page, "echo", {"text": "hello"}) == ["resolved", "HELLO"]


def test_classic_script_tag_loads_the_stub_that_talks_to_the_server(run, open_page):
    app = run(ECHO_PROGRAM, files={"index.html": CLASSIC_PAGE.replace("STUB", "/wszero.js")})
    assert echoes(open_page(app.url))


def test_es_module_import_gives_wszero_and_named_functions_that_work(run, open_page):
    app = run(ECHO_PROGRAM, files={"index.html": MODULE_PAGE.replace("STUB", "/wszero.mjs")})
    page = open_page(app.url)
    until(page, "echoed.includes('from a module')")
    assert page.page.evaluate("named") == {"default": True, "send_message": True, "on": True, "request": True}
    assert page.page.evaluate("moduleRequest('echo', {text: 'hi'})") == "HI"


def test_page_from_another_origin_loads_the_classic_stub_and_talks_to_its_server(run, open_page, elsewhere):
    app = run(ECHO_PROGRAM)
    site = elsewhere({"index.html": CLASSIC_PAGE.replace("STUB", app.url + "/wszero.js")})
    page = open_page(site.url)
    assert page.page.evaluate("location.origin") == site.url != app.url
    assert echoes(page)


def test_page_from_another_origin_imports_the_module_stub_and_talks_to_its_server(run, open_page, elsewhere):
    app = run(ECHO_PROGRAM)
    site = elsewhere({"index.html": MODULE_PAGE.replace("STUB", app.url + "/wszero.mjs")})
    page = open_page(site.url)
    assert page.page.evaluate("location.origin") == site.url != app.url
    until(page, "echoed.includes('from a module')")
    assert page.page.evaluate("moduleRequest('echo', {text: 'hi'})") == "HI"


def test_url_setting_connects_to_that_server_rather_than_where_the_stub_came_from(run, open_page, elsewhere):
    app = run(ECHO_PROGRAM)
    with open(STUB, encoding="utf-8") as f:
        stub = f.read()
    page_html = CLASSIC_PAGE.replace(
        '<script src="STUB">', f'<script>window.WSZERO = {{url: "{app.ws_url}"}};</script>\n<script src="/wszero.js">')
    site = elsewhere({"index.html": page_html, "wszero.js": stub})  # no /ws there
    page = open_page(site.url)
    assert echoes(page)


# =============================================================================
# The protocol version
# =============================================================================

WRONG_VERSION_TEXT = ("This page's wszero.js speaks version 999, but the server speaks version 1. "
                      "Reload the page to get the new one.")


def test_wrong_protocol_version_gets_a_plain_message_and_close_code_4001(run):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect
    app = run(ECHO_PROGRAM)
    with connect(app.ws_url + "?v=999", open_timeout=DEADLINE) as ws:
        assert json.loads(ws.recv(timeout=DEADLINE)) == {"op": "wszero:error", "error": WRONG_VERSION_TEXT}
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=DEADLINE)
        assert ws.close_code == 4001


def old_stub_page(run):
    """A program whose page loads a stub that speaks protocol version 999."""
    with open(STUB, encoding="utf-8") as f:
        stub = f.read()
    assert "var PROTOCOL = 1;" in stub
    page = page_file("""
        <!doctype html>
        <meta charset="utf-8">
        <script>
          // Count each socket the stub opens, and each retry it plans.
          window.sockets = 0;
          window.planned = [];
          const RealSocket = window.WebSocket;
          window.WebSocket = class extends RealSocket {
            constructor(...args) { super(...args); sockets++; }
          };
          const realSetTimeout = window.setTimeout;
          window.setTimeout = function (fn, ...rest) {
            planned.push(fn && fn.name);
            return realSetTimeout.call(this, fn, ...rest);
          };
          window.states = [];
          addEventListener('wszero:state', event => states.push(event.detail));
        </script>
        <script src="/old-wszero.js"></script>
    """)
    return run(ECHO_PROGRAM, files={"index.html": page, "old-wszero.js": stub.replace(
        "var PROTOCOL = 1;", "var PROTOCOL = 999;")})


def test_page_with_another_version_of_the_stub_is_told_why_in_the_console(run, open_page):
    app = old_stub_page(run)
    page = open_page(app.url, connected=False)
    assert page.wait_for_console("error", "wszero: " + WRONG_VERSION_TEXT)


def test_page_with_another_version_of_the_stub_does_not_try_again(run, open_page):
    app = old_stub_page(run)
    page = open_page(app.url, connected=False)
    page.page.wait_for_function("states.includes('closed')", timeout=MS)
    # The close handler has finished: a retry would be planned by now.
    assert page.page.evaluate("[sockets, planned, wszero.state]") == [1, [], "closed"]
    app.wait_for_stderr(WRONG_VERSION_TEXT)
    assert app.stderr.count(WRONG_VERSION_TEXT) == 1


# =============================================================================
# Plain http, size, no dependencies
# =============================================================================

SECURE_CONTEXT_ONLY = ["crypto.randomUUID", "crypto.subtle", "navigator.clipboard", "serviceWorker",
                       "navigator.credentials", "navigator.geolocation", "getUserMedia", "Notification"]


def read_stub():
    with open(STUB, encoding="utf-8") as f:
        return f.read()


def test_wszero_js_uses_no_browser_api_that_needs_a_secure_context():
    stub = read_stub()
    assert [name for name in SECURE_CONTEXT_ONLY if name in stub] == []


def test_wszero_js_is_smaller_than_28_kb():
    # 20 KB until keys, lists, text templates and the error panel came; more than a quarter of it is comments.
    size = os.path.getsize(STUB)
    print(f"\nwszero.js is {size} bytes ({size / 1024:.1f} KB)")
    assert size < 28 * 1024, f"wszero.js is {size} bytes ({size / 1024:.1f} KB)"


def test_wszero_js_has_no_import_or_require():
    stub = read_stub()
    assert re.findall(r"\bimport\b(?!\.meta)|\brequire\s*\(", stub) == []
