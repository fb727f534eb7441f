"""The error panel: the terminal's sentences, shown in the page where a child looks.

Real pages in headless Debian Chromium talk to real wszero programs.  The
panel is the page's only role="alert" element; each sentence is a <p> in it.
Where the terminal shows the same sentence, the test reads both.  Nothing
sleeps a fixed time: a test that expects no panel first waits for the
console line that is written just before the panel would be.
"""

import json
import textwrap

from playwright.sync_api import expect

from conftest import DEADLINE
from test_browser import line_of, page_file, send

MS = DEADLINE * 1000

PROGRAM = """
    from wszero import *

    @on('hello')
    def hello(client, name):
        client.send('greeting', text='Hi ' + name)

    @on('divide')
    def divide(client, number):
        return 10 / number

    @on('mirror')
    def mirror(client, send_as, **fields):
        client.send(send_as, **fields)

    run_server(SETTINGS)
"""

PAGE = page_file("""
    <!doctype html>
    <script src="/wszero.js"></script>
    <button id="crash" onclick="missingFunction()">crash</button>
    <button id="reject" onclick="Promise.reject(new Error('no pizza today'))">reject</button>
    <p data-on="score"><b>{points}</b></p>
""")

UNKNOWN_HELO = "No handler for 'helo' — did you mean 'hello'?"


def start(run, open_page, settings="", page=PAGE):
    app = run(PROGRAM.replace("SETTINGS", settings), files={"index.html": page})
    return app, open_page(app.url)


def panel(page):
    return page.page.locator("[role=alert]")


def panel_shows(page, sentences):
    expect(panel(page).locator("p")).to_have_text(sentences, timeout=MS)


# -- what it shows ----------------------------------------------------------------------


def test_unknown_op_shows_in_the_panel_as_the_terminal_says_it(run, open_page):
    app, page = start(run, open_page)
    send(page, {"op": "helo", "name": "Ada"})
    panel_shows(page, [UNKNOWN_HELO])
    app.wait_for_stderr(f"Player 1: {UNKNOWN_HELO}")
    page.wait_for_console("error", f"wszero: {UNKNOWN_HELO}")


def test_missing_value_shows_in_the_panel(run, open_page):
    app, page = start(run, open_page)
    send(page, {"op": "hello"})
    panel_shows(page, ["The 'hello' message needs a value for 'name', but the page sent no values. The handler is hello(client, name)."])


def test_handler_that_failed_shows_in_the_panel(run, open_page):
    app, page = start(run, open_page)
    send(page, {"op": "divide", "number": 0})
    line = line_of(textwrap.dedent(PROGRAM), "10 / number")
    panel_shows(page, [f"The 'divide' handler hit a problem: ZeroDivisionError: division by zero (app.py, line {line})"])


def test_error_that_a_request_waits_for_goes_to_the_request_not_the_panel(run, open_page):
    app, page = start(run, open_page)
    failed = page.page.evaluate("wszero.request('helo', {name: 'Ada'}).then(() => 'answered', e => e.message)")
    assert failed == UNKNOWN_HELO
    send(page, {"op": "hullo", "name": "Ada"})
    panel_shows(page, ["No handler for 'hullo' — did you mean 'hello'?"])


def test_error_in_the_pages_own_javascript_shows_in_the_panel_as_in_the_terminal(run, open_page):
    app, page = start(run, open_page)
    page.page.click("#crash")
    sentence = (f"Error in the page (index.html, line {line_of(PAGE, 'missingFunction()')}): "
                f"Uncaught ReferenceError: missingFunction is not defined")
    panel_shows(page, [sentence])
    app.wait_for_stderr(sentence)


def test_failed_promise_in_the_page_shows_in_the_panel(run, open_page):
    app, page = start(run, open_page)
    page.page.click("#reject")
    sentence = f"Error in the page (index.html, line {line_of(PAGE, 'no pizza today')}): a Promise failed: no pizza today"
    panel_shows(page, [sentence])
    app.wait_for_stderr(sentence)


def test_missing_template_field_shows_in_the_panel(run, open_page):
    app, page = start(run, open_page)
    send(page, {"op": "mirror", "send_as": "score", "score": 3})
    panel_shows(page, ['a "score" message came without points, so {points} shows as empty. '
                       'Add points=... where Python sends "score".'])


def test_html_in_an_error_shows_as_text(run, open_page):
    app, page = start(run, open_page)
    send(page, {"op": "<b>bold</b>"})
    panel_shows(page, ["No handler for '<b>bold</b>'. The ops it knows are: divide, hello, mirror."])
    assert panel(page).locator("b").count() == 0


# -- how it behaves ---------------------------------------------------------------------------


def unknown(op):
    return f"No handler for '{op}'. The ops it knows are: divide, hello, mirror."


def test_panel_keeps_the_last_three_sentences(run, open_page):
    app, page = start(run, open_page)
    for op in ("apple", "banana", "cherry", "dragonfruit"):
        send(page, {"op": op})
    panel_shows(page, [unknown("banana"), unknown("cherry"), unknown("dragonfruit")])


def test_the_same_sentence_again_is_counted_not_repeated(run, open_page):
    app, page = start(run, open_page)
    for op in ("apple", "apple", "apple", "banana", "apple"):
        send(page, {"op": op})
    panel_shows(page, [unknown("apple") + " (×3)", unknown("banana"), unknown("apple")])


def test_close_button_closes_the_panel_and_the_next_error_opens_it_afresh(run, open_page):
    app, page = start(run, open_page)
    send(page, {"op": "apple"})
    panel_shows(page, [unknown("apple")])
    panel(page).get_by_role("button", name="Close").click()
    expect(panel(page)).to_have_count(0, timeout=MS)
    send(page, {"op": "banana"})
    panel_shows(page, [unknown("banana")])


def test_panel_is_a_small_box_that_scrolls_and_never_covers_the_page(run, open_page):
    app, page = start(run, open_page)
    page.page.set_viewport_size({"width": 1280, "height": 720})
    page.page.evaluate("setTimeout(() => { throw new Error('long '.repeat(2000)); })")
    expect(panel(page)).to_be_visible(timeout=MS)
    box = panel(page).bounding_box()
    assert box["width"] <= 40 * 14 + 1  # 40em of its 14px text
    assert box["height"] <= 0.4 * 720 + 1
    assert panel(page).evaluate("p => p.scrollHeight > p.clientHeight && getComputedStyle(p).overflowY") == "auto"
    assert panel(page).evaluate("p => getComputedStyle(p).position") == "fixed"


def test_page_without_errors_has_no_panel(run, open_page):
    app, page = start(run, open_page)
    send(page, {"op": "hello", "name": "Ada"})
    page.page.wait_for_function("document.readyState === 'complete'")
    send(page, {"op": "mirror", "send_as": "score", "points": 3})
    expect(page.page.locator("[data-on=score] b >> visible=true")).to_have_text("3", timeout=MS)
    assert panel(page).count() == 0


# -- turning it off --------------------------------------------------------------------------


def test_show_errors_false_keeps_errors_in_the_console_only(run, open_page):
    app, page = start(run, open_page, settings="show_errors=False")
    send(page, {"op": "helo", "name": "Ada"})
    page.wait_for_console("error", f"wszero: {UNKNOWN_HELO}")
    page.page.click("#crash")
    app.wait_for_stderr("missingFunction is not defined")
    assert panel(page).count() == 0


def test_hello_says_show_errors_false_only_when_run_server_turns_it_off(run):
    from websockets.sync.client import connect
    for settings, expected in (("", None), ("show_errors=False", False)):
        app = run(PROGRAM.replace("SETTINGS", settings))
        with connect(app.ws_url, open_timeout=DEADLINE) as ws:
            hello = json.loads(ws.recv(timeout=DEADLINE))
        assert hello["op"] == "wszero:hello"
        assert hello.get("show_errors", None) is expected
        app.stop()


def test_wszero_errors_false_in_the_page_turns_the_panel_off(run, open_page):
    page_html = PAGE.replace('<script src="/wszero.js">', '<script>window.WSZERO = {errors: false};</script>\n'
                                                           '<script src="/wszero.js">')
    app, page = start(run, open_page, page=page_html)
    send(page, {"op": "helo", "name": "Ada"})
    page.wait_for_console("error", f"wszero: {UNKNOWN_HELO}")
    assert panel(page).count() == 0
