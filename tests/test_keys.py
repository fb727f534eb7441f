"""Held keys (data-keys) and key buttons (data-key), in real Chromium against real programs.

KEYS records every message its handlers get, with the keys the client holds
at that moment (client.keys), and tells every page which keys are held.
Playwright presses real keys: keyboard.down() of a key that is already down
is the keyboard's auto-repeat (event.repeat).  As in test_attributes.py,
a test that ends with a "marker" message knows that nothing else was sent
before it, since one page's messages arrive in order.
"""

import textwrap

from playwright.sync_api import expect

import wszero
from conftest import DEADLINE, recorded

MS = DEADLINE * 1000

KEYS = """
    from wszero import *


    def recorder(op):
        def record(client, **values):
            print('RECEIVED', repr((op, values, sorted(client.keys))), flush=True)
            if op in ('keydown', 'keyup'):
                broadcast('held', keys=' '.join(sorted(client.keys)) or 'nothing')
        return record


    for op in ('keydown', 'keyup', 'jump', 'form', 'marker'):
        on(op)(recorder(op))


    run_server()
"""


def start(run, open_page, body):
    """KEYS, with a page that loads the stub and then has `body`; returns (program, page)."""
    html = '<script src="/wszero.js"></script>\n' + textwrap.dedent(body)
    app = run(KEYS, files={"index.html": html})
    return app, open_page(app.url)


def received(app, count):
    """The first `count` messages the handlers got, as (op, values, client.keys)."""
    return recorded(app, count)


def received_exactly(app, page, expected):
    """The handlers got exactly `expected`, and nothing else, before a marker sent now."""
    page.page.evaluate("send_message({op: 'marker'})")
    keys = set()
    for op, values, _ in expected:
        if op == "keydown":
            keys.add(values["key"])
        elif op == "keyup":
            keys.discard(values["key"])
    expected = expected + [("marker", {}, sorted(keys))]
    assert received(app, len(expected)) == expected


# -- held keys ----------------------------------------------------------------------------


def test_held_arrow_key_goes_to_the_server_as_keydown_and_another_page_sees_it(run, open_page):
    app, player = start(run, open_page, """
        <body data-keys>
        <p data-on="held" data-show="replace"><span>{keys}</span></p>
    """)
    watcher = open_page(app.url)
    player.page.keyboard.down("ArrowRight")
    expect(watcher.page.locator("p[data-on] span >> visible=true")).to_have_text("right", timeout=MS)
    assert received(app, 1) == [("keydown", {"key": "right"}, ["right"])]


def test_letting_go_of_a_key_sends_keyup_and_takes_it_out_of_client_keys(run, open_page):
    app, page = start(run, open_page, "<body data-keys>\n")
    page.page.keyboard.down("ArrowLeft")
    page.page.keyboard.down("a")
    page.page.keyboard.up("ArrowLeft")
    received_exactly(app, page, [("keydown", {"key": "left"}, ["left"]), ("keydown", {"key": "a"}, ["a", "left"]),
                                 ("keyup", {"key": "left"}, ["a"])])


def test_dom_key_names_become_short_lowercase_names(run, open_page):
    app, page = start(run, open_page, "<body data-keys>\n")
    for key in ("ArrowUp", "ArrowDown", "Space", "Enter", "Shift+KeyQ", "Digit7"):
        page.page.keyboard.press(key)
    names = ["up", "down", "space", "enter", "q", "7"]
    expected = []
    for name in names:
        expected += [("keydown", {"key": name}, [name]), ("keyup", {"key": name}, [])]
    received_exactly(app, page, expected)


def test_the_keyboards_auto_repeat_sends_nothing_more(run, open_page):
    app, page = start(run, open_page, "<body data-keys>\n")
    for _ in range(5):
        page.page.keyboard.down("ArrowRight")  # a key already down repeats, as when it is held
    page.page.keyboard.up("ArrowRight")
    received_exactly(app, page, [("keydown", {"key": "right"}, ["right"]), ("keyup", {"key": "right"}, [])])


def test_keys_typed_in_a_text_box_send_nothing(run, open_page):
    app, page = start(run, open_page, """
        <body data-keys>
        <input id="name"> <textarea></textarea> <div contenteditable>write here</div>
    """)
    page.page.type("#name", "ab 1")
    page.page.press("#name", "ArrowLeft")
    page.page.type("textarea", "cd")
    page.page.press("[contenteditable]", "ArrowRight")
    expect(page.page.locator("#name")).to_have_value("ab 1", timeout=MS)
    received_exactly(app, page, [])


def test_after_a_form_sends_on_a_page_played_with_keys_the_keys_reach_the_page(run, open_page):
    # A name box must not keep the arrow keys after the name is sent.
    app, page = start(run, open_page, """
        <body data-keys>
        <form data-op="form"><input name="name"><button>Join</button></form>
    """)
    page.page.fill("[name=name]", "Ada")
    page.page.press("[name=name]", "Enter")
    page.page.keyboard.down("ArrowUp")
    received_exactly(app, page, [("form", {"name": "Ada"}, []), ("keydown", {"key": "up"}, ["up"])])


def test_a_key_held_when_the_page_loses_the_focus_comes_up(run, open_page):
    app, page = start(run, open_page, """
        <body data-keys>
        <iframe srcdoc="<input id=box>"></iframe>
    """)
    page.page.keyboard.down("ArrowLeft")
    page.page.keyboard.down("x")
    received(app, 2)
    page.page.frame_locator("iframe").locator("#box").focus()  # the page itself loses the focus
    page.page.keyboard.up("ArrowLeft")  # comes later, and sends nothing more
    received_exactly(app, page, [("keydown", {"key": "left"}, ["left"]), ("keydown", {"key": "x"}, ["left", "x"]),
                                 ("keyup", {"key": "left"}, ["x"]), ("keyup", {"key": "x"}, [])])


def test_a_key_held_when_the_page_closes_comes_up(run, open_page):
    app, page = start(run, open_page, "<body data-keys>\n")
    page.page.keyboard.down("Space")
    received(app, 1)
    page.page.close()
    assert received(app, 2) == [("keydown", {"key": "space"}, ["space"]), ("keyup", {"key": "space"}, [])]


def test_data_keys_with_names_listens_for_those_keys_only(run, open_page):
    app, page = start(run, open_page, '<body data-keys="left right">\n')
    for key in ("Space", "ArrowLeft", "ArrowUp", "a", "ArrowRight"):
        page.page.keyboard.press(key)
    received_exactly(app, page, [("keydown", {"key": "left"}, ["left"]), ("keyup", {"key": "left"}, []),
                                 ("keydown", {"key": "right"}, ["right"]), ("keyup", {"key": "right"}, [])])


def test_keys_with_ctrl_alt_or_cmd_stay_browser_shortcuts(run, open_page):
    app, page = start(run, open_page, "<body data-keys>\n")
    for key in ("Control+a", "Alt+ArrowLeft", "Meta+s"):
        page.page.keyboard.press(key)
    received_exactly(app, page, [])


def prevented_keys(page):
    """Start recording, for each keydown, whether wszero.js stopped its scrolling."""
    page.page.evaluate("""window.prevented = [];
        window.addEventListener('keydown', e => prevented.push(e.code + (e.defaultPrevented ? ' stopped' : ' scrolls')))""")


def test_arrows_and_space_the_page_listens_for_do_not_scroll_it(run, open_page):
    app, page = start(run, open_page, """
        <body data-keys="up down space">
        <div style="height: 5000px">A tall page</div>
    """)
    prevented_keys(page)
    for key in ("ArrowDown", "Space", "ArrowLeft", "PageDown"):
        page.page.keyboard.press(key)
    page.page.keyboard.down("ArrowDown")
    page.page.keyboard.down("ArrowDown")  # the auto-repeat doesn't scroll either
    assert page.page.evaluate("prevented") == [
        "ArrowDown stopped", "Space stopped", "ArrowLeft scrolls", "PageDown scrolls", "ArrowDown stopped", "ArrowDown stopped"]


def test_a_page_without_data_keys_sends_no_keys_and_scrolls_as_usual(run, open_page):
    app, page = start(run, open_page, '<div style="height: 5000px">A tall page</div>\n')
    prevented_keys(page)
    page.page.keyboard.press("ArrowDown")
    page.page.keyboard.press("Space")
    assert page.page.evaluate("prevented") == ["ArrowDown scrolls", "Space scrolls"]
    received_exactly(app, page, [])


# -- client.keys on the server ------------------------------------------------------------------


def test_client_keys_works_without_keydown_handlers(run):
    app = run("""
        from wszero import *

        @on('which')
        def which(client):
            client.send('keys', keys=sorted(client.keys))

        run_server()
    """)
    with app.client() as page:
        page.send("wszero:keydown", key="left")
        page.send("wszero:keydown", key="space")
        page.send("wszero:keyup", key="left")
        page.send("which")
        assert page.recv_op("keys")["keys"] == ["space"]


def test_a_key_name_wszero_does_not_know_is_refused_in_words(run):
    app = run(KEYS)
    with app.client() as page:
        page.send("wszero:keydown", key="jump")
        assert page.error() == ('"jump" isn\'t a key wszero knows. The keys are left, right, up, down, '
                                "space, enter, a to z and 0 to 9.")
        page.send("wszero:keyup", key=5)
        assert page.error() == ("5 isn't a key wszero knows. The keys are left, right, up, down, "
                                "space, enter, a to z and 0 to 9.")
        page.send("marker")
    assert received(app, 1) == [("marker", {}, [])]


def test_keydown_handler_runs_once_for_a_key_sent_down_twice(run):
    app = run(KEYS)
    with app.client() as page:
        page.send("wszero:keydown", key="up")
        page.send("wszero:keydown", key="up")
        page.send("wszero:keyup", key="down")  # never went down: nothing to let go of
        page.send("marker")
    assert received(app, 2) == [("keydown", {"key": "up"}, ["up"]), ("marker", {}, ["up"])]


def test_keydown_handler_without_a_key_parameter_is_told_in_words_at_start_up(run):
    app = run("""
        from wszero import *

        @on('keydown')
        def keydown(client):
            pass

        run_server()
    """, wait=False)
    assert app.proc.wait(DEADLINE) == 1
    app.stop()
    assert app.stderr == ("The 'keydown' handler keydown() (app.py, line 4) gets the name of the key, "
                          "so it needs a parameter for it: def keydown(client, key):\n")


def test_client_keys_is_emptied_when_the_client_leaves(run):
    app = run("""
        from wszero import *

        everyone = []

        @on('connect')
        def connect(client):
            everyone.append(client)

        @on('disconnect')
        def disconnect(client):
            print('LEAVING WITH', sorted(client.keys), flush=True)

        @on('second')
        def second(client):
            client.send('keys', keys=sorted(everyone[1].keys))

        run_server()
    """)
    with app.client() as watcher:
        with app.client() as player:
            player.send("wszero:keydown", key="left")
            watcher.send("second")
            assert watcher.recv_op("keys")["keys"] == ["left"]
        app.wait_for_stdout("Player 2 left.")
        watcher.send("second")
        assert watcher.recv_op("keys")["keys"] == []
    assert "LEAVING WITH ['left']" in app.stdout  # the disconnect handler still sees them


def test_key_names_are_the_ones_wszero_js_sends():
    assert wszero.KEY_NAMES == {"left", "right", "up", "down", "space", "enter", *"abcdefghijklmnopqrstuvwxyz",
                                *"0123456789"}


# -- key buttons -------------------------------------------------------------------------------


def test_key_button_is_pressed_by_its_key_and_does_not_send_data_key(run, open_page):
    app, page = start(run, open_page, """
        <button data-op="jump" data-key="space" data-height="3">Jump</button>
    """)
    page.page.keyboard.press("Space")
    received_exactly(app, page, [("jump", {"height": 3}, [])])


def test_key_button_is_pressed_once_while_its_key_is_held(run, open_page):
    app, page = start(run, open_page, """
        <button data-op="jump" data-key="up">Jump</button>
    """)
    for _ in range(4):
        page.page.keyboard.down("ArrowUp")
    page.page.keyboard.up("ArrowUp")
    page.page.keyboard.press("ArrowUp")
    received_exactly(app, page, [("jump", {}, []), ("jump", {}, [])])


def test_key_button_in_a_form_submits_the_form(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form"><input name="text" value="hi" data-keep><button data-key="s">Send</button></form>
    """)
    page.page.keyboard.press("s")
    received_exactly(app, page, [("form", {"text": "hi"}, [])])


def test_key_button_is_not_pressed_by_keys_typed_in_a_text_box(run, open_page):
    app, page = start(run, open_page, """
        <input id="name">
        <button data-op="jump" data-key="j">Jump</button>
    """)
    page.page.type("#name", "jj")
    expect(page.page.locator("#name")).to_have_value("jj", timeout=MS)
    received_exactly(app, page, [])


def test_key_button_and_data_keys_both_hear_the_same_key(run, open_page):
    app, page = start(run, open_page, """
        <body data-keys="space">
        <button data-op="jump" data-key="space">Jump</button>
    """)
    page.page.keyboard.press("Space")
    received_exactly(app, page, [("jump", {}, []), ("keydown", {"key": "space"}, ["space"]),
                                 ("keyup", {"key": "space"}, [])])


def test_form_with_data_key_is_sent_by_its_key(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form" data-key="enter"><input name="text" value="hi" data-keep></form>
    """)
    page.page.keyboard.press("Enter")
    received_exactly(app, page, [("form", {"text": "hi"}, [])])
