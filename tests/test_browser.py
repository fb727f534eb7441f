"""Browser tests: real pages in headless Debian Chromium, talking to real wszero programs.

Each test starts a program with conftest's `run` (its own process, a free
port) and opens pages with `open_page`, each in its own browser context, so
every page is a different client.  Nothing sleeps a fixed time: the tests wait
for what a page shows (Playwright's `expect`), for a console message, or for
a line in the program's terminal, each with a generous deadline.
"""

import os
import re
import textwrap

import pytest

from playwright.sync_api import expect

import wszero
from conftest import DEADLINE, EXAMPLES, ROOT

MS = DEADLINE * 1000  # Playwright counts in milliseconds
CHAT = os.path.join(EXAMPLES, "chat", "chat.py")
# The same chat with a page written in JavaScript: HANDLERS, send_message, textContent.
CHATS = pytest.mark.parametrize("chat_path", [CHAT, os.path.join(EXAMPLES, "chat_js", "chat.py")],
                                ids=["attributes", "javascript"])
HELLO = os.path.join(EXAMPLES, "hello", "hello.py")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# -- helpers ---------------------------------------------------------------------


def page_file(text):
    """A file for `files={...}`: run() writes files as given, so take the indent off here."""
    return textwrap.dedent(text).lstrip()


def line_of(text, marker):
    """The line number (from 1) of the only line of `text` that contains `marker`."""
    lines = [n for n, line in enumerate(text.splitlines(), 1) if marker in line]
    assert len(lines) == 1, f"{marker!r} should be on exactly one line"
    return lines[0]


def shows(page, selector, texts):
    """Wait until the elements matching `selector` have exactly these texts, in order."""
    expect(page.page.locator(selector)).to_have_text(texts, timeout=MS)


def send(page, msg):
    """Send a message from the page, as the page's own code would."""
    page.page.evaluate("msg => send_message(msg)", msg)


# -- the chat example ---------------------------------------------------------------


def chat_say(page, text):
    page.page.fill("[name=text]", text)
    page.page.press("[name=text]", "Enter")


def chat_name(page, name):
    """Type a name in the name box: it stays there, and goes with every message."""
    page.page.fill("[name=name]", name)


def messages(page, texts):
    shows(page, "ul li:visible", texts)  # :visible leaves out the hidden templates


def chat_lines(page, texts):
    shows(page, "ul li:visible:not(:has(i))", texts)  # notices are in italics


def start_chat_with_three(run, open_page, chat_path=CHAT):
    """The chat example with Ada, Bob and Cy, each named, each join seen by all before the next.

    Returns the program, the three pages, the list each page should show, and
    a function that adds a line to every list and waits until every page shows it.
    """
    chat = run(path=chat_path)
    ada = open_page(chat.url)
    joined = ["Player 1 joined the chat"]
    messages(ada, joined)
    bob = open_page(chat.url)
    joined.append("Player 2 joined the chat")
    messages(ada, joined)
    messages(bob, joined[1:])
    cy = open_page(chat.url)
    joined.append("Player 3 joined the chat")
    seen = {ada: joined[:], bob: joined[1:], cy: joined[2:]}
    for page in (ada, bob, cy):
        messages(page, seen[page])

    def everyone_sees(line):
        for page, lines in seen.items():
            lines.append(line)
            messages(page, lines)

    for page, name in ((ada, "Ada"), (bob, "Bob"), (cy, "Cy")):
        chat_name(page, name)
    return chat, (ada, bob, cy), seen, everyone_sees


@CHATS
def test_chat_three_pages_each_show_joins_messages_and_who_left(run, open_page, chat_path):
    chat, (ada, bob, cy), seen, everyone_sees = start_chat_with_three(run, open_page, chat_path)
    chat_say(ada, "hi")
    everyone_sees("Ada: hi")
    chat_say(bob, "hello Ada")
    everyone_sees("Bob: hello Ada")
    chat_say(cy, "bye!")
    everyone_sees("Cy: bye!")

    cy.page.close()
    for page in (ada, bob):
        seen[page].append("Cy left the chat")
        messages(page, seen[page])
    assert seen[ada] == [
        "Player 1 joined the chat", "Player 2 joined the chat", "Player 3 joined the chat",
        "Ada: hi", "Bob: hello Ada", "Cy: bye!", "Cy left the chat"]
    assert seen[bob] == seen[ada][1:]
    assert [page.console_text("pageerror") for page in (ada, bob)] == [[], []]


@CHATS
def test_chat_shows_html_in_a_message_as_plain_text_never_as_html(run, open_page, chat_path):
    chat = run(path=chat_path)
    ada = open_page(chat.url)
    bob = open_page(chat.url)
    bold = "<b>not bold</b>"
    image = "<img src=x onerror=\"window.hacked = true\">"
    chat_name(ada, "Ada")
    chat_say(ada, bold)
    chat_say(ada, image)
    for page in (ada, bob):
        chat_lines(page, [f"Ada: {bold}", f"Ada: {image}"])
        assert page.page.locator("ul b, ul img").count() == 0
        assert page.page.evaluate("window.hacked") is None


@CHATS
def test_chat_keeps_the_text_box_and_the_newest_message_on_screen_after_60_messages(run, open_page, chat_path):
    chat = run(path=chat_path)
    ada, bob = open_page(chat.url), open_page(chat.url)
    bob.page.evaluate("""() => {
        for (let n = 1; n <= 60; n++) send_message({op: 'chat', name: 'Bob', text: 'message ' + n});
    }""")
    newest = ada.page.locator("ul li:visible:not(:has(i))")
    expect(newest).to_have_count(60, timeout=MS)
    expect(newest.last).to_have_text("Bob: message 60", timeout=MS)
    expect(newest.last).to_be_in_viewport(timeout=MS)
    expect(ada.page.locator("[name=text]")).to_be_in_viewport(timeout=MS)
    # and the box still works
    chat_name(ada, "Ada")
    chat_say(ada, "still here")
    expect(newest.last).to_have_text("Ada: still here", timeout=MS)
    expect(newest.last).to_be_in_viewport(timeout=MS)
    expect(ada.page.locator("[name=text]")).to_be_in_viewport(timeout=MS)


def test_chat_page_screenshot_with_three_messages_is_a_png(run, open_page, tmp_path):
    chat, (ada, bob, cy), seen, everyone_sees = start_chat_with_three(run, open_page)
    for page, text in ((ada, "hi"), (bob, "hello Ada"), (cy, "who wants to play tag?")):
        chat_say(page, text)
    for page in (ada, bob, cy):
        chat_lines(page, ["Ada: hi", "Bob: hello Ada", "Cy: who wants to play tag?"])
    shot = tmp_path / "chat.png"
    ada.page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert len(data) > len(PNG_SIGNATURE) and data.startswith(PNG_SIGNATURE)


# -- groups ---------------------------------------------------------------------------

TEAMS_PROGRAM = """
    from wszero import *

    @on('join')
    def join(client, team):
        client.add_to_group(team)
        client.send('joined', team=team)

    @on('team')
    def team(client, team, text):
        broadcast('said', group=team, text=text)

    @on('everyone')
    def everyone(client, text):
        broadcast('said', text=text)

    run_server()
"""

TEAMS_PAGE = page_file("""
    <!doctype html>
    <meta charset="utf-8">
    <title>Teams</title>
    <script src="/wszero.js"></script>
    <p id="team">no team</p>
    <ul id="heard"></ul>
    <script>
      HANDLERS.joined = function (msg) {
        document.getElementById('team').textContent = msg.team;
      };
      HANDLERS.said = function (msg) {
        var item = document.createElement('li');
        item.textContent = msg.text;
        document.getElementById('heard').appendChild(item);
      };
    </script>
""")


def test_group_broadcast_reaches_only_the_groups_members(run, open_page):
    app = run(TEAMS_PROGRAM, files={"index.html": TEAMS_PAGE})
    red1, red2, blue = (open_page(app.url) for _ in range(3))
    for page, team in ((red1, "red"), (red2, "red"), (blue, "blue")):
        send(page, {"op": "join", "team": team})
        shows(page, "#team", [team])

    send(red1, {"op": "team", "team": "red", "text": "red team only"})
    for page in (red1, red2):
        shows(page, "#heard li", ["red team only"])
    # A later message to everyone arrives after the team one would have, so
    # once the blue page has it, the blue page has had its chance at the team one.
    send(red1, {"op": "everyone", "text": "for everyone"})
    shows(blue, "#heard li", ["for everyone"])
    for page in (red1, red2):
        shows(page, "#heard li", ["red team only", "for everyone"])


# -- the hello example ------------------------------------------------------------------


def hello_say(page, name):
    page.page.fill("[name=name]", name)
    page.page.click("button")


def test_hello_example_greets_the_name_typed_in(run, open_page):
    hello = run(path=HELLO)
    page = open_page(hello.url)
    hello_say(page, "Ada")
    shows(page, "b:visible", ["Hello, Ada!"])  # :visible leaves out the hidden template


def test_hello_example_shows_only_the_newest_greeting(run, open_page):
    hello = run(path=HELLO)
    page = open_page(hello.url)
    hello_say(page, "Ada")
    shows(page, "b:visible", ["Hello, Ada!"])
    hello_say(page, "Bob")
    shows(page, "b:visible", ["Hello, Bob!"])


def test_hello_example_page_is_written_without_javascript_like_the_tutorial():
    with open(os.path.join(EXAMPLES, "hello", "index.html"), encoding="utf-8") as f:
        page = f.read()
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/wszero.js">']
    assert '<form data-op="hello">' in page and 'data-on="greeting"' in page


# -- the stub: wszero.js ------------------------------------------------------------------

ECHO_PROGRAM = """
    from wszero import *

    @on('early')
    def early(client, text):
        client.send('echo', text=text)

    run_server()
"""

# The stub is added from JavaScript so that its load event runs in the same
# task as the stub itself: the socket can't have opened before send_message.
EARLY_PAGE = page_file("""
    <!doctype html>
    <meta charset="utf-8">
    <p id="state-at-send"></p>
    <p id="echo"></p>
    <script>
      window.HANDLERS = {
        echo: function (msg) { document.getElementById('echo').textContent = msg.text; }
      };
      var stub = document.createElement('script');
      stub.src = '/wszero.js';
      stub.onload = function () {
        document.getElementById('state-at-send').textContent = wszero.state;
        send_message({op: 'early', text: 'sent before the socket was open'});
      };
      document.head.appendChild(stub);
    </script>
""")


def test_message_sent_before_the_socket_opens_is_delivered(run, open_page):
    app = run(ECHO_PROGRAM, files={"index.html": EARLY_PAGE})
    page = open_page(app.url)
    shows(page, "#state-at-send", ["connecting"])
    shows(page, "#echo", ["sent before the socket was open"])


def test_eval_js_runs_javascript_at_the_top_level_of_the_page(run, open_page):
    app = run("""
        from wszero import *

        @on('connect')
        def connect(client):
            client.eval_js("var answer = 6 * 7; document.getElementById('out').textContent = 'Python says ' + answer;")

        run_server()
    """, files={"index.html": '<!doctype html><p id="out"></p><script src="/wszero.js"></script>\n'})
    page = open_page(app.url)
    shows(page, "#out", ["Python says 42"])
    assert page.page.evaluate("window.answer") == 42


def test_server_error_for_an_unknown_op_shows_in_console_error_with_the_explanation(run, open_page):
    chat = run(path=CHAT)
    page = open_page(chat.url)
    send(page, {"op": "chta", "text": "hi"})
    page.wait_for_console("error", "wszero: No handler for 'chta' — did you mean 'chat'?")


def test_server_error_from_a_crashing_handler_shows_in_console_error(run, open_page):
    source = """
        from wszero import *

        @on('divide')
        def divide(client, number):
            client.send('result', value=10 / number)

        run_server()
    """
    app = run(source, files={"index.html": '<!doctype html><script src="/wszero.js"></script>\n'})
    page = open_page(app.url)
    send(page, {"op": "divide", "number": 0})
    line = line_of(textwrap.dedent(source), "10 / number")
    page.wait_for_console("error", "wszero: The 'divide' handler hit a problem: "
                                    f"ZeroDivisionError: division by zero (app.py, line {line})")


def test_message_with_no_handlers_entry_warns_naming_the_op_and_does_not_throw(run, open_page):
    app = run("""
        from wszero import *

        @on('poke')
        def poke(client):
            client.send('surprise', n=1)
            client.send('after', n=2)

        run_server()
    """, files={"index.html": page_file("""
        <!doctype html>
        <script src="/wszero.js"></script>
        <p id="after"></p>
        <script>
          HANDLERS.after = function (msg) { document.getElementById('after').textContent = msg.n; };
        </script>
    """)})
    page = open_page(app.url)
    send(page, {"op": "poke"})
    shows(page, "#after", ["2"])  # the message after the unhandled one was still handled
    warning = page.wait_for_console("warning", '"surprise"')
    assert "HANDLERS has no function for it" in warning
    assert page.console_text("pageerror") == []
    assert page.console_text("error") == []
    assert "Error in the page" not in app.stderr


PAGE_ERRORS_JS = page_file("""
    // game.js: a page's own code, with mistakes in it on purpose
    document.getElementById('crash').addEventListener('click', function () {
      undefinedFunction();
    });
    document.getElementById('reject').addEventListener('click', function () {
      Promise.reject(new Error('no pizza today'));
    });
""")

PAGE_ERRORS_HTML = page_file("""
    <!doctype html>
    <meta charset="utf-8">
    <script src="/wszero.js"></script>
    <button id="crash">crash</button>
    <button id="reject">reject</button>
    <button id="inline">inline</button>
    <script src="/game.js"></script>
    <script>
      document.getElementById('inline').onclick = function () {
        missingFunction();
      };
    </script>
""")


def start_page_errors(run, open_page):
    app = run("from wszero import *\nrun_server()\n",
              files={"index.html": PAGE_ERRORS_HTML, "game.js": PAGE_ERRORS_JS})
    return app, open_page(app.url)


def test_uncaught_error_in_a_page_script_is_printed_in_the_terminal_with_file_and_line(run, open_page):
    app, page = start_page_errors(run, open_page)
    page.page.click("#crash")
    line = line_of(PAGE_ERRORS_JS, "undefinedFunction()")
    app.wait_for_stderr(f"Error in the page (game.js, line {line}): "
                        f"Uncaught ReferenceError: undefinedFunction is not defined")


def test_uncaught_error_in_index_html_is_printed_in_the_terminal_as_index_html_and_line(run, open_page):
    app, page = start_page_errors(run, open_page)
    page.page.click("#inline")
    line = line_of(PAGE_ERRORS_HTML, "missingFunction()")
    app.wait_for_stderr(f"Error in the page (index.html, line {line}): "
                        f"Uncaught ReferenceError: missingFunction is not defined")


def test_unhandled_promise_rejection_is_printed_in_the_terminal(run, open_page):
    app, page = start_page_errors(run, open_page)
    page.page.click("#reject")
    app.wait_for_stderr("a Promise failed: no pizza today")


def test_unhandled_promise_rejection_is_printed_in_the_terminal_with_file_and_line(run, open_page):
    app, page = start_page_errors(run, open_page)
    page.page.click("#reject")
    line = line_of(PAGE_ERRORS_JS, "no pizza today")
    app.wait_for_stderr(f"Error in the page (game.js, line {line}): a Promise failed: no pizza today")


# -- one stub, three copies ------------------------------------------------------------------


def test_wszero_js_file_is_the_same_as_the_stub_embedded_in_wszero_py():
    with open(os.path.join(ROOT, "wszero.js"), encoding="utf-8", newline="") as f:
        assert f.read() == wszero.JS


def test_wszero_js_served_to_the_browser_is_the_file_and_the_embedded_stub(run, open_page):
    hello = run(path=HELLO)
    page = open_page(hello.url)
    served = page.page.evaluate("fetch('/wszero.js').then(r => r.text())")
    with open(os.path.join(ROOT, "wszero.js"), encoding="utf-8", newline="") as f:
        assert served == f.read() == wszero.JS
