"""Pages without JavaScript: data-op sends messages, data-on shows them (issue 7).

Real pages in headless Debian Chromium talk to real wszero programs, as in
test_browser.py.  What a page sends is checked where it arrives: RECORDER
prints every message it gets, with the Python type of each value, and the
tests read the program's terminal.  Messages from one page arrive in order,
so a test that ends by sending a "marker" knows that nothing else was sent
before it.  RECORDER's "mirror" op sends a message back to the page, for the
data-on tests.  Nothing sleeps a fixed time.
"""

import importlib.util
import os
import re
import textwrap

from playwright.sync_api import expect

from conftest import DEADLINE, EXAMPLES, ROOT, recorded

MS = DEADLINE * 1000  # Playwright counts in milliseconds
CHAT = os.path.join(EXAMPLES, "chat")
TUG = os.path.join(EXAMPLES, "tug")

RECORDER = """
    from wszero import *


    def recorder(op):
        def record(client, **values):
            typed = {name: (type(value).__name__, value) for name, value in values.items()}
            print('RECEIVED', repr((op, typed)), flush=True)
        return record


    for op in ('form', 'move', 'marker'):
        on(op)(recorder(op))


    @on('mirror')
    def mirror(client, send_as, **fields):
        client.send(send_as, **fields)


    run_server()
"""


# -- helpers ---------------------------------------------------------------------


def start(run, open_page, body):
    """RECORDER, with a page that loads the stub and then has `body`; returns (program, page)."""
    html = '<script src="/wszero.js"></script>\n' + textwrap.dedent(body)
    app = run(RECORDER, files={"index.html": html})
    return app, open_page(app.url)


def received(app, count):
    """The first `count` messages the program got, each as (op, {name: (type name, value)})."""
    return recorded(app, count)


def marker(page):
    page.page.evaluate("send_message({op: 'marker'})")


def received_exactly(app, page, expected):
    """The page sent exactly `expected`, and nothing else, before a marker sent now."""
    marker(page)
    expected = expected + [("marker", {})]
    assert received(app, len(expected)) == expected


def mirror(page, op, **fields):
    """Make the server send {op, **fields} to this page."""
    page.page.evaluate("msg => send_message(msg)", {"op": "mirror", "send_as": op, **fields})


def shows(page, selector, texts):
    """Wait until the visible elements matching `selector` have exactly these texts, in order."""
    expect(page.page.locator(f"{selector} >> visible=true")).to_have_text(texts, timeout=MS)


def warnings_about(page, text):
    return [seen for kind, seen in page.console if kind == "warning" and text in seen]


def wait_for_warning(page, text):
    """Wait inside Playwright (it only delivers console events while one of its calls runs)."""
    if not warnings_about(page, text):
        page.page.wait_for_event("console", predicate=lambda m: m.type == "warning" and text in m.text, timeout=MS)


def page_loads(page):
    """A list that fills with the address of every page load from now on."""
    loads = []
    page.page.on("request", lambda request: loads.append(request.url) if request.resource_type == "document" else None)
    return loads


# -- sending from a form -------------------------------------------------------------


def test_form_sends_text_boxes_as_text_even_when_they_look_like_numbers(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form">
          <input name="text" value="42">
          <input name="mail" type="email" value="ada@example.org">
          <textarea name="story">007</textarea>
          <input value="a box without a name is not sent">
          <button>Send</button>
        </form>
    """)
    page.page.click("button")
    received_exactly(app, page, [("form", {
        "text": ("str", "42"), "mail": ("str", "ada@example.org"), "story": ("str", "007")})])


def test_form_sends_number_boxes_as_numbers_and_checkboxes_as_true_or_false(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form">
          <input name="age" type="number" value="11">
          <input name="height" type="number" step="0.01" value="1.45">
          <input name="ready" type="checkbox" checked>
          <input name="late" type="checkbox">
          <button>Send</button>
        </form>
    """)
    page.page.click("button")
    received_exactly(app, page, [("form", {
        "age": ("int", 11), "height": ("float", 1.45), "ready": ("bool", True), "late": ("bool", False)})])


def test_form_leaves_an_empty_number_box_out(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form"><input name="age" type="number"><input name="text" value="hi"><button>Send</button></form>
    """)
    page.page.click("button")
    received_exactly(app, page, [("form", {"text": ("str", "hi")})])


def test_form_reads_selects_radios_hidden_inputs_and_the_pressed_button_like_data_values(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form">
          <select name="level"><option>easy</option><option selected>2</option></select>
          <input name="team" type="radio" value="red"><input name="team" type="radio" value="blue" checked>
          <input name="secret" type="hidden" value="true">
          <button name="pressed" value="go">Go</button>
          <button name="other" value="no">Not pressed</button>
        </form>
    """)
    page.page.click("button[value=go]")
    received_exactly(app, page, [("form", {
        "level": ("int", 2), "team": ("str", "blue"), "secret": ("bool", True), "pressed": ("str", "go")})])


def test_form_submit_does_not_reload_the_page(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form"><input name="text"></form>
    """)
    loads = page_loads(page)
    page.page.fill("input", "hi")
    page.page.press("input", "Enter")
    received_exactly(app, page, [("form", {"text": ("str", "hi")})])
    assert loads == []


def test_form_empties_its_text_boxes_after_sending_and_focuses_the_first(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form">
          <input name="title"> <input name="body"> <input name="age" type="number">
          <button>Send</button>
        </form>
    """)
    for name, value in (("title", "a"), ("body", "b"), ("age", "3")):
        page.page.fill(f"[name={name}]", value)
    page.page.click("button")
    received(app, 1)
    for name, value in (("title", ""), ("body", ""), ("age", "3")):  # only text boxes are emptied
        expect(page.page.locator(f"[name={name}]")).to_have_value(value, timeout=MS)
    expect(page.page.locator("[name=title]")).to_be_focused(timeout=MS)


def test_data_keep_on_a_form_keeps_all_its_text(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form" data-keep><input name="title"> <input name="body"> <button>Send</button></form>
    """)
    page.page.fill("[name=title]", "a")
    page.page.fill("[name=body]", "b")
    page.page.click("button")
    received(app, 1)
    expect(page.page.locator("[name=title]")).to_have_value("a", timeout=MS)
    expect(page.page.locator("[name=body]")).to_have_value("b", timeout=MS)


def test_data_keep_on_a_box_keeps_that_box_and_the_focus_goes_to_the_first_emptied_box(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form"><input name="name" data-keep> <input name="text"> <button>Send</button></form>
    """)
    page.page.fill("[name=name]", "Ada")
    page.page.fill("[name=text]", "hi")
    page.page.click("button")
    received(app, 1)
    expect(page.page.locator("[name=name]")).to_have_value("Ada", timeout=MS)
    expect(page.page.locator("[name=text]")).to_have_value("", timeout=MS)
    expect(page.page.locator("[name=text]")).to_be_focused(timeout=MS)


def test_data_guess_form_reads_typed_text_like_data_values_and_leaves_empty_boxes_out(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form" data-guess>
          <input name="dx" value="3"> <input name="ready" value="false"> <input name="name" value="Ada">
          <input name="note"> <button>Send</button>
        </form>
    """)
    page.page.click("button")
    received_exactly(app, page, [("form", {"dx": ("int", 3), "ready": ("bool", False), "name": ("str", "Ada")})])


def test_button_with_data_op_inside_a_data_op_form_submits_the_form_once(run, open_page):
    app, page = start(run, open_page, """
        <form data-op="form"><input name="text" value="hi"><button data-op="move" data-dx="1">Send</button></form>
    """)
    page.page.click("button")
    received_exactly(app, page, [("form", {"text": ("str", "hi")})])


# -- sending from a button --------------------------------------------------------------


def test_button_sends_its_data_values_with_numbers_as_numbers_and_the_rest_as_written(run, open_page):
    app, page = start(run, open_page, """
        <button data-op="move" data-dx="1" data-dy="0" data-speed="-2.5" data-code="007"
                data-ready="true" data-top-speed="3" data-name="Ada" data-big="1e3">Go</button>
    """)
    page.page.click("button")
    received_exactly(app, page, [("move", {
        "dx": ("int", 1), "dy": ("int", 0), "speed": ("float", -2.5), "code": ("str", "007"),
        "ready": ("bool", True), "top_speed": ("int", 3), "name": ("str", "Ada"), "big": ("str", "1e3")})])


def test_button_with_data_op_in_a_plain_form_sends_without_submitting_the_form(run, open_page):
    app, page = start(run, open_page, """
        <form><input name="q"><button data-op="move" data-dx="-1">Left</button></form>
    """)
    loads = page_loads(page)
    page.page.click("button")
    received_exactly(app, page, [("move", {"dx": ("int", -1)})])
    assert loads == []


def test_click_on_something_inside_a_data_op_button_sends_the_buttons_message(run, open_page):
    app, page = start(run, open_page, """
        <button data-op="move" data-dy="1"><b>Down</b></button>
    """)
    page.page.click("b")
    received_exactly(app, page, [("move", {"dy": ("int", 1)})])


def test_button_added_after_the_page_loaded_sends(run, open_page):
    app, page = start(run, open_page, "<p>Buttons come later.</p>\n")
    page.page.evaluate("""document.body.insertAdjacentHTML('beforeend',
        '<button data-op="move" data-dx="2">Added later</button>')""")
    page.page.click("button")
    received_exactly(app, page, [("move", {"dx": ("int", 2)})])


# -- showing messages ---------------------------------------------------------------------


def test_data_on_list_shows_a_filled_copy_of_its_first_child_for_each_message(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="chat"><li>{sender}: {text}</li></ul>
    """)
    mirror(page, "chat", sender="Ada", text="hi")
    mirror(page, "chat", sender="Bob", text="hello Ada")
    shows(page, "ul li", ["Ada: hi", "Bob: hello Ada"])


def test_data_on_template_stays_hidden_before_and_after_messages(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="chat"><li>{sender}: {text}</li></ul>
    """)
    template = page.page.locator("ul li").first
    expect(template).to_be_hidden(timeout=MS)
    mirror(page, "chat", sender="Ada", text="hi")
    shows(page, "ul li", ["Ada: hi"])
    expect(page.page.locator("ul li")).to_have_count(2, timeout=MS)
    expect(template).to_be_hidden(timeout=MS)


def test_placeholders_in_attributes_are_filled_too(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="chat"><li class="{kind}" title="from {sender}">{text}</li></ul>
    """)
    mirror(page, "chat", sender="Ada", text="hi", kind="notice")
    shows(page, "li.notice", ["hi"])
    expect(page.page.locator("li.notice")).to_have_attribute("title", "from Ada", timeout=MS)


def test_html_in_a_message_shows_as_plain_text_and_makes_no_elements(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="chat"><li title="{text}">{text}</li></ul>
    """)
    bold = "<b>not bold</b>"
    image = '<img src=x onerror="window.hacked = true">'
    mirror(page, "chat", text=bold)
    mirror(page, "chat", text=image)
    shows(page, "ul li", [bold, image])
    expect(page.page.locator("ul li >> visible=true").last).to_have_attribute("title", image, timeout=MS)
    assert page.page.locator("ul b, ul img").count() == 0
    assert page.page.evaluate("window.hacked") is None


def test_a_message_never_becomes_code_in_a_link_or_an_on_attribute(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="link"><li><a href="{url}" onclick="{code}">{name}</a></li></ul>
    """)
    mirror(page, "link", url=" java\tscript:window.hacked = true", code="window.hacked = true", name="click me")
    shows(page, "ul li", ["click me"])
    link = page.page.locator("a >> visible=true")
    expect(link).to_have_attribute("href", "", timeout=MS)
    expect(link).to_have_attribute("onclick", "{code}", timeout=MS)


def test_replace_mode_shows_only_the_latest_message(run, open_page):
    app, page = start(run, open_page, """
        <p id="score" data-on="score" data-show="replace">Score: <b>{points}</b></p>
    """)
    for points in (1, 2, 3):
        mirror(page, "score", points=points)
    shows(page, "#score b", ["3"])
    expect(page.page.locator("#score")).to_have_text("Score: 3", use_inner_text=True, timeout=MS)


def test_one_list_shows_two_ops_each_with_its_own_template(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="chat notice"><li>{sender}: {text}</li><li class="notice">{text}</li></ul>
    """)
    mirror(page, "chat", sender="Ada", text="hi")
    mirror(page, "notice", text="Bob joined")
    mirror(page, "chat", sender="Bob", text="hello")
    shows(page, "ul li", ["Ada: hi", "Bob joined", "Bob: hello"])
    shows(page, "ul li.notice", ["Bob joined"])


def test_missing_field_shows_as_empty_and_warns_once_naming_the_op_and_the_field(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="chat"><li>{sender}: {text}</li></ul>
        <p data-on="done"><span>{later}</span></p>
    """)
    mirror(page, "chat", text="hi")
    mirror(page, "chat", text="again")
    mirror(page, "done")  # its own warning comes after any the chat messages made
    shows(page, "ul li", [": hi", ": again"])
    wait_for_warning(page, "{later}")
    warnings = warnings_about(page, "{sender}")
    assert len(warnings) == 1
    assert '"chat"' in warnings[0] and "sender=" in warnings[0]


def test_list_that_scrolls_by_itself_scrolls_to_the_newest_copy(run, open_page):
    app, page = start(run, open_page, """
        <ul id="chat" data-on="chat" style="height: 5em; overflow: auto"><li>{text}</li></ul>
    """)
    for number in range(30):
        mirror(page, "chat", text=f"message {number}")
    shows(page, "#chat li", [f"message {number}" for number in range(30)])
    page.page.wait_for_function("""() => {
        var list = document.getElementById('chat');
        return list.scrollHeight > list.clientHeight && list.scrollTop + list.clientHeight >= list.scrollHeight - 1;
    }""", timeout=MS)


def test_page_scrolls_to_the_newest_copy_of_a_list_that_does_not_scroll(run, open_page):
    app, page = start(run, open_page, """
        <div style="height: 3000px">A tall page</div>
        <ul data-on="chat"><li>{text}</li></ul>
    """)
    mirror(page, "chat", text="down here")
    shows(page, "ul li", ["down here"])
    expect(page.page.locator("ul li >> visible=true")).to_be_in_viewport(timeout=MS)


def test_list_added_after_the_page_loaded_hides_its_template_and_shows_messages(run, open_page):
    app, page = start(run, open_page, "<p>Lists come later.</p>\n")
    page.page.evaluate("""document.body.insertAdjacentHTML('beforeend',
        '<ul data-on="chat"><li id="template">{text}</li></ul>')""")
    expect(page.page.locator("#template")).to_be_hidden(timeout=MS)
    mirror(page, "chat", text="hi")
    shows(page, "ul li", ["hi"])


def test_handlers_wszero_on_and_data_on_all_run_for_the_same_op(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="chat"><li>{text}</li></ul>
        <p id="handler"></p>
        <p id="listener"></p>
        <script>
          HANDLERS.chat = function (msg) { document.getElementById('handler').textContent = 'handler: ' + msg.text; };
          wszero.on('chat', function (msg) { document.getElementById('listener').textContent = 'listener: ' + msg.text; });
        </script>
    """)
    mirror(page, "chat", text="hi")
    shows(page, "ul li", ["hi"])
    shows(page, "#handler", ["handler: hi"])
    shows(page, "#listener", ["listener: hi"])


def test_data_on_without_a_handlers_entry_does_not_warn_about_handlers(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="chat"><li>{text}</li></ul>
    """)
    mirror(page, "chat", text="hi")
    mirror(page, "nobody", text="this one has nowhere to go")  # its warning comes after any for chat
    shows(page, "ul li", ["hi"])
    wait_for_warning(page, '"nobody", but HANDLERS has no function')
    assert [warning for warning in warnings_about(page, "HANDLERS") if '"chat"' in warning] == []


# -- the chat example ------------------------------------------------------------------------


def count_chars():
    spec = importlib.util.spec_from_file_location("count_chars", os.path.join(ROOT, "benchmarks", "count_chars.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_chat_example_is_at_most_640_typed_characters(capsys):
    # 600 until the list got its scroll box (34 characters), which keeps the form on screen.
    assert count_chars().main([CHAT]) <= 640


def test_readme_states_the_chat_examples_count_of_typed_characters(capsys):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    assert f"The chat above, Python and HTML together, is **{count_chars().main([CHAT])} characters**" in readme


def test_chat_example_page_has_no_script_but_the_stub():
    with open(os.path.join(CHAT, "index.html"), encoding="utf-8") as f:
        page = f.read()
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/wszero.js">']


def chat_say(page, name, text):
    page.page.fill("[name=name]", name)
    page.page.fill("[name=text]", text)
    page.page.press("[name=text]", "Enter")


def test_chat_example_two_pages_see_joins_named_messages_and_who_left(run, open_page):
    chat = run(path=os.path.join(CHAT, "chat.py"))
    ada = open_page(chat.url)
    shows(ada, "ul li", ["Player 1 joined the chat"])
    bob = open_page(chat.url)
    seen = {ada: ["Player 1 joined the chat", "Player 2 joined the chat"], bob: ["Player 2 joined the chat"]}
    for page, name, text in ((ada, "Ada", "hi"), (bob, "Bob", "hello <b>Ada</b>")):
        chat_say(page, name, text)
        for lines in seen.values():
            lines.append(f"{name}: {text}")
        for other, lines in seen.items():
            shows(other, "ul li", lines)
    bob.page.close()
    shows(ada, "ul li", seen[ada] + ["Bob left the chat"])
    assert ada.console_text("pageerror") == [] and ada.console_text("warning") == []


def test_chat_example_empties_the_message_box_keeps_the_name_and_the_focus(run, open_page):
    chat = run(path=os.path.join(CHAT, "chat.py"))
    page = open_page(chat.url)
    page.page.fill("[name=name]", "Ada")
    page.page.fill("[name=text]", "hi")
    page.page.click("button")
    shows(page, "ul li", ["Player 1 joined the chat", "Ada: hi"])
    expect(page.page.locator("[name=text]")).to_have_value("", timeout=MS)
    expect(page.page.locator("[name=text]")).to_be_focused(timeout=MS)
    expect(page.page.locator("[name=name]")).to_have_value("Ada", timeout=MS)


# -- the tug-of-war example ----------------------------------------------------------------


def rope(knot):
    return "RED " + "~" * (10 + knot) + "O" + "~" * (10 - knot) + " BLUE"


def test_tug_example_a_pull_moves_the_knot_on_every_page(run, open_page):
    tug = run(path=os.path.join(TUG, "tug.py"))
    red, blue = open_page(tug.url), open_page(tug.url)
    for page in (red, blue):
        shows(page, "[data-on=rope] span", [rope(0)])
    red.page.click("text=Pull for Red")
    for page in (red, blue):
        shows(page, "[data-on=rope] span", [rope(-1)])
    blue.page.click("text=Pull for Blue")
    blue.page.click("text=Pull for Blue")
    for page in (red, blue):
        shows(page, "[data-on=rope] span", [rope(1)])


def test_tug_example_ten_pulls_win_and_every_page_lists_the_winner(run, open_page):
    tug = run(path=os.path.join(TUG, "tug.py"))
    red, blue = open_page(tug.url), open_page(tug.url)
    for pulls in range(1, 10):
        red.page.click("text=Pull for Red")
        shows(red, "[data-on=rope] span", [rope(-pulls)])
    red.page.click("text=Pull for Red")
    for page in (red, blue):
        shows(page, "[data-on=winner] li", ["Red won! Player 1 gave the last pull."])
        shows(page, "[data-on=rope] span", [rope(0)])


# -- the playground -------------------------------------------------------------------------


def test_playground_form_sends_typed_values_and_leaves_empty_optional_boxes_out(run, open_page):
    app = run("""
        from wszero import *


        @on('move')
        def move(client, dx, ready, name, note='none'):
            values = dict(dx=dx, ready=ready, name=name, note=note)
            print('RECEIVED', repr(('move', {k: (type(v).__name__, v) for k, v in values.items()})), flush=True)


        run_server()
    """)
    page = open_page(app.url)
    for name, value in (("dx", "3"), ("ready", "true"), ("name", "Ada")):
        page.page.fill(f"form[data-op=move] [name={name}]", value)
    page.page.click("form[data-op=move] button")
    assert received(app, 1) == [("move", {
        "dx": ("int", 3), "ready": ("bool", True), "name": ("str", "Ada"), "note": ("str", "none")})]
    expect(page.page.locator("form[data-op=move] [name=dx]")).to_have_value("3", timeout=MS)


def test_playground_box_for_text_sends_true_as_text_and_an_empty_one_is_left_out(run, open_page):
    # Without data-guess="text", "true" would go as true, which a `text: str` handler refuses.
    app = run("""
        from wszero import *


        @on('note')
        def note(client, text: str, flag=None, sign: str = 'none'):
            values = dict(text=text, flag=flag, sign=sign)
            print('RECEIVED', repr(('note', {k: (type(v).__name__, v) for k, v in values.items()})), flush=True)


        run_server()
    """)
    page = open_page(app.url)
    for text, flag in (("true", "true"), ("42", "42")):
        page.page.fill("form[data-op=note] [name=text]", text)
        page.page.fill("form[data-op=note] [name=flag]", flag)
        page.page.click("form[data-op=note] button")
        received(app, 1)  # in order: the boxes keep what was typed
    assert received(app, 2) == [
        ("note", {"text": ("str", "true"), "flag": ("bool", True), "sign": ("str", "none")}),
        ("note", {"text": ("str", "42"), "flag": ("int", 42), "sign": ("str", "none")})]
    expect(page.page.locator("#log .error")).to_have_count(0)
