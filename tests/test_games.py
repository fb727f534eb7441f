"""The games of issue 14, played in headless Chromium with several pages.

examples/arena: held arrow keys move a dot on a shared board.  examples/snake:
key buttons steer a snake to the apples, and a scoreboard counts them.  Both
pages have no JavaScript of their own; the tests read what the pages show,
and read it again until it is right, with generous deadlines.  A small script
the test adds to a page counts the updates it gets, as a clock that does not
depend on this machine's speed.
"""

import os
import re

from playwright.sync_api import expect

from conftest import DEADLINE, EXAMPLES, wait_for

MS = DEADLINE * 1000  # Playwright counts in milliseconds
ARENA = os.path.join(EXAMPLES, "arena", "arena.py")


# -- helpers ------------------------------------------------------------------------------


def count_updates(page, selector):
    """From now on, window.updates counts the messages that redraw `selector` on this page."""
    page.page.evaluate("""selector => {
        window.updates = 0;
        new MutationObserver(() => window.updates++).observe(document.querySelector(selector), {childList: true});
    }""", selector)


def wait_for_updates(page, count):
    """Wait until the page has had `count` more updates."""
    page.page.wait_for_function(f"window.updates >= {page.page.evaluate('window.updates') + count}",
                                timeout=MS)


def page_has_no_javascript_of_its_own(folder):
    with open(os.path.join(EXAMPLES, folder, "index.html"), encoding="utf-8") as f:
        page = f.read()
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/wszero.js">']
    assert not re.search(r"\son\w+=", page), "an onclick=... is JavaScript too"


# -- the arena ----------------------------------------------------------------------------


def your_number(page):
    """The number of the page's own dot, from "You are the red dot, number 2."."""
    you = page.page.locator("p[data-on=you]")
    expect(you).to_have_text(re.compile(r"number \d+\."), timeout=MS)
    return int(re.search(r"number (\d+)\.", you.inner_text()).group(1))


def dot(page, number):
    """Where the dot with this number is on this page, as (x, y); None while it isn't there."""
    return page.page.evaluate("""number => {
        for (const dot of document.querySelectorAll('#board > .dot[data-wszero-copy]'))
            if (dot.textContent === String(number)) return [parseFloat(dot.style.left), parseFloat(dot.style.top)];
        return null;
    }""", number)


def test_arena_page_has_no_javascript_of_its_own():
    page_has_no_javascript_of_its_own("arena")


def test_arena_holding_an_arrow_key_moves_your_dot_on_every_other_page(run, open_page):
    arena = run(path=ARENA)
    player, *others = [open_page(arena.url) for _ in range(3)]
    me = your_number(player)
    x, y = wait_for(lambda: dot(others[0], me), what="my dot on another page")
    key, way = ("ArrowRight", 1) if x < 300 else ("ArrowLeft", -1)  # towards the side with room
    player.page.keyboard.down(key)
    for other in others:
        wait_for(lambda: (dot(other, me)[0] - x) * way >= 40, what=lambda: f"my dot to move from {x}: {dot(other, me)}")
        assert dot(other, me)[1] == y  # only sideways
    player.page.keyboard.up(key)


def test_arena_letting_go_of_the_key_stops_your_dot(run, open_page):
    arena = run(path=ARENA)
    player, other = open_page(arena.url), open_page(arena.url)
    me = your_number(player)
    x, _ = wait_for(lambda: dot(other, me), what="my dot on another page")
    key, way = ("ArrowRight", 1) if x < 300 else ("ArrowLeft", -1)
    player.page.keyboard.down(key)
    wait_for(lambda: (dot(other, me)[0] - x) * way >= 20, what="my dot to move")
    player.page.keyboard.up(key)
    count_updates(other, "#board")

    def still():
        # The key comes up a tick or two after the page lets go: wait until the dot stays put.
        before = dot(other, me)
        wait_for_updates(other, 5)
        return before if dot(other, me) == before else None
    stopped = wait_for(still, what="my dot to stop")
    wait_for_updates(other, 25)  # a whole second of ticks later...
    assert dot(other, me) == stopped  # ...it hasn't moved
    assert dot(player, me) == stopped  # and my own page shows it in the same place
