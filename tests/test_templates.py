"""Text templates, data-each lists, and the hint for a message nothing shows.

Real pages in headless Debian Chromium, talking to RECORDER from
test_attributes.py: its "mirror" op makes the server send a message back
to the page.  Nothing sleeps a fixed time.
"""

from playwright.sync_api import expect

from conftest import DEADLINE
from test_attributes import mirror, shows, start, wait_for_warning, warnings_about

MS = DEADLINE * 1000


# -- text templates ----------------------------------------------------------------------


def test_element_with_only_text_is_its_own_template(run, open_page):
    app, page = start(run, open_page, """
        <p id="score" data-on="score">Score: {points}</p>
    """)
    mirror(page, "score", points=5)
    shows(page, "#score", ["Score: 5"])


def test_text_template_shows_only_the_latest_message(run, open_page):
    app, page = start(run, open_page, """
        <p id="score" data-on="score">Score: {points}</p>
    """)
    for points in (1, 2, 3):
        mirror(page, "score", points=points)
    shows(page, "#score", ["Score: 3"])


def test_text_template_is_hidden_until_its_first_message_so_no_placeholder_shows(run, open_page):
    app, page = start(run, open_page, """
        <p>Your score:</p>
        <p id="score" data-on="score">{points} points</p>
    """)
    expect(page.page.locator("#score")).to_be_hidden(timeout=MS)
    assert "{points}" not in page.page.locator("body").inner_text()
    mirror(page, "score", points=0)
    expect(page.page.locator("#score")).to_be_visible(timeout=MS)
    shows(page, "#score", ["0 points"])


def test_text_template_shows_html_in_a_message_as_text(run, open_page):
    app, page = start(run, open_page, """
        <p id="status" data-on="status">Now: {text}</p>
    """)
    mirror(page, "status", text="<b>bold?</b>")
    shows(page, "#status", ["Now: <b>bold?</b>"])
    assert page.page.locator("#status b").count() == 0


def test_text_template_with_a_missing_field_shows_it_empty_and_warns(run, open_page):
    app, page = start(run, open_page, """
        <p id="score" data-on="score">Score: {points}</p>
    """)
    mirror(page, "score", score=5)
    shows(page, "#score", ["Score:"])
    wait_for_warning(page, "{points}")
    assert warnings_about(page, "{points}") == [
        'wszero: a "score" message came without points, so {points} shows as empty. '
        'Add points=... where Python sends "score".']


# -- lists: data-each ---------------------------------------------------------------------


def test_data_each_copies_the_template_for_each_item_filling_fields_from_the_item_then_the_message(run, open_page):
    app, page = start(run, open_page, """
        <ol data-on="scores" data-each="players"><li>{name}: {points} (round {round})</li></ol>
    """)
    mirror(page, "scores", round=2, players=[{"name": "Ada", "points": 3}, {"name": "Bob", "points": 5, "round": 9}])
    shows(page, "ol li", ["Ada: 3 (round 2)", "Bob: 5 (round 9)"])


def test_data_each_fills_item_with_a_plain_value(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="team" data-each="names"><li>{item}</li></ul>
    """)
    mirror(page, "team", names=["Ada", 7, True])
    shows(page, "ul li", ["Ada", "7", "true"])


def test_data_each_replaces_the_copies_of_the_last_message(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="team" data-each="names"><li>{item}</li></ul>
    """)
    mirror(page, "team", names=["Ada", "Bob", "Cy"])
    shows(page, "ul li", ["Ada", "Bob", "Cy"])
    mirror(page, "team", names=["Dee"])
    shows(page, "ul li", ["Dee"])
    expect(page.page.locator("ul li")).to_have_count(2, timeout=MS)  # Dee, and the hidden template
    mirror(page, "team", names=[])
    expect(page.page.locator("ul li")).to_have_count(1, timeout=MS)


def test_data_each_shows_html_in_items_as_text(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="team" data-each="players"><li title="{name}">{name}</li></ul>
    """)
    image = '<img src=x onerror="window.hacked = true">'
    mirror(page, "team", players=[{"name": image}, {"name": "<b>Bob</b>"}])
    shows(page, "ul li", [image, "<b>Bob</b>"])
    assert page.page.locator("ul img, ul b").count() == 0
    assert page.page.evaluate("window.hacked") is None


def test_data_each_without_the_list_shows_nothing_and_warns_once(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="team" data-each="players"><li>{item}</li></ul>
    """)
    mirror(page, "team", players=["Ada"])
    shows(page, "ul li", ["Ada"])
    mirror(page, "team", players="Ada, Bob")
    expect(page.page.locator("ul li")).to_have_count(1, timeout=MS)  # only the hidden template
    mirror(page, "team")
    mirror(page, "other")  # its own warning comes after any the team messages made
    wait_for_warning(page, '"other"')
    assert warnings_about(page, "data-each") == [
        'wszero: a "team" message came without a list called players, so data-each="players" shows nothing. '
        'Add players=[...] where Python sends "team".']


def test_data_each_item_without_a_field_warns_about_the_item(run, open_page):
    app, page = start(run, open_page, """
        <ul data-on="team" data-each="players"><li>{name}</li></ul>
    """)
    mirror(page, "team", players=["Ada", "Bob"])
    shows(page, "ul li", ["", ""])
    wait_for_warning(page, "{name}")
    assert warnings_about(page, "{name}") == [
        'wszero: an item in the players list of a "team" message has no name, so {name} shows as empty. '
        'Use {item} to show an item that is just text or a number.']


# -- the hint for a message nothing shows ---------------------------------------------------


def test_message_nothing_shows_gets_a_hint_with_data_on_and_handlers(run, open_page):
    app, page = start(run, open_page, """
        <p data-on="chat"><span>{text}</span></p>
    """)
    mirror(page, "nobody", text="hi")
    wait_for_warning(page, '"nobody"')
    assert warnings_about(page, '"nobody"') == [
        'wszero: the server sent "nobody", but HANDLERS has no function for it, and no data-on shows it. '
        'Show it with <p data-on="nobody">...</p>, or add HANDLERS["nobody"] = function (msg) { ... }']


def test_message_nothing_shows_asks_did_you_mean_for_a_data_on_name_close_to_it(run, open_page):
    app, page = start(run, open_page, """
        <ol data-on="scores chat" data-each="players"><li>{name}</li></ol>
    """)
    mirror(page, "score", players=[])
    wait_for_warning(page, '"score"')
    assert warnings_about(page, '"score"') == [
        'wszero: the server sent "score", but HANDLERS has no function for it, and no data-on shows it. '
        'The page has data-on="scores": did you mean data-on="score"?']
