"""The games of issue 14, played in headless Chromium with several pages.

examples/arena: held arrow keys move a dot on a shared board.  examples/snake:
key buttons steer a snake to the apples, and a scoreboard counts them.  Both
pages have no JavaScript of their own; the tests read what the pages show,
and read it again until it is right, with generous deadlines.  A small script
the test adds to a page counts the updates it gets, as a clock that does not
depend on this machine's speed.  The snake's rules are also checked in
pretend time with TestClient, where the test places the snake and the apples.
"""

import os
import re

from playwright.sync_api import expect

from conftest import DEADLINE, EXAMPLES, wait_for
from wszero import TestClient

MS = DEADLINE * 1000  # Playwright counts in milliseconds
ARENA = os.path.join(EXAMPLES, "arena", "arena.py")
SNAKE = os.path.join(EXAMPLES, "snake", "snake.py")
SQUARE = 24  # pixels: the size of one square of the snake board


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


# -- snake party --------------------------------------------------------------------------

KEYS = {"left": "ArrowLeft", "right": "ArrowRight", "up": "ArrowUp", "down": "ArrowDown"}
STEPS = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


def your_name(page):
    """The page's own player, from "You are Player 2, the green snake."."""
    news = page.page.locator("p[data-on=news]")
    expect(news).to_have_text(re.compile(r"You are .+, the"), timeout=MS)
    return re.search(r"You are (.+), the", news.inner_text()).group(1)


def squares(page, which, name=None):
    """The squares of a list on the board, as (x, y) in squares, in order; only `name`'s if given."""
    return [tuple(square) for square in page.page.evaluate("""([which, name, size]) =>
        Array.from(document.querySelectorAll(`[data-each=${which}] > [data-wszero-copy]`))
             .filter(square => name === null || square.title === name)
             .map(square => [parseFloat(square.style.left) / size, parseFloat(square.style.top) / size])
    """, [which, name, SQUARE])]


def scores(page):
    return page.page.locator("ol[data-on=board] > li[data-wszero-copy]").all_inner_texts()


def points(page, name):
    """How many apples the scoreboard on this page gives `name` (0 while it isn't there)."""
    for line in scores(page):
        who, _, count = line.rpartition(": ")
        if who == name:
            return int(count)
    return 0


def way_to(snake, apple):
    """The way to press for a snake (head first) to go towards an apple, never back into itself."""
    (x, y), (ax, ay) = snake[0], apple
    ways = (["right"] if ax > x else ["left"] if ax < x else []) + (["down"] if ay > y else ["up"] if ay < y else [])
    ways += ["up", "down", "left", "right"]  # when the best way is back into the snake: go round
    for way in ways:
        dx, dy = STEPS[way]
        if len(snake) < 2 or (x + dx, y + dy) != snake[1]:
            return way


# The rules, in pretend time (TestClient): no browser, no waiting.


def place_apples(game, *squares):
    """Put the apples of a snake game in a TestClient where a test wants them."""
    game.registry.handlers["turn"].func.__globals__["apples"][:] = [list(square) for square in squares]


def test_snake_grows_and_scores_when_it_eats_an_apple():
    with TestClient(SNAKE) as game:
        ada = game.connect()
        ada.client.snake = [[5, 5]]
        place_apples(game, (6, 5), (0, 0), (19, 14))
        ada.send("turn", way="right")
        game.advance(1 / 8)
        assert ada.client.snake == [[6, 5], [5, 5]]
        assert ada.received[-1]["players"] == [{"name": "Player 1", "color": "blue", "points": 1}]


def test_snake_cannot_turn_back_into_its_own_body():
    with TestClient(SNAKE) as game:
        ada = game.connect()
        ada.client.snake = [[5, 5], [4, 5]]
        place_apples(game, (0, 0), (19, 14), (0, 14))
        ada.send("turn", way="right")
        ada.send("turn", way="left")  # back into itself: ignored
        game.advance(1 / 8)
        assert ada.client.snake == [[6, 5], [5, 5]]


def test_snake_that_crashes_starts_again_small_and_keeps_its_apples():
    with TestClient(SNAKE) as game:
        ada = game.connect()
        ada.client.snake = [[19, 5], [18, 5]]
        ada.client.points = 2
        ada.send("turn", way="right")  # into the wall
        game.advance(1 / 8)
        assert len(ada.client.snake) == 1 and ada.client.way is None
        assert ada.client.points == 2
        assert ada.received[-2]["text"].startswith("Ouch!")


def test_snake_page_has_no_javascript_of_its_own():
    page_has_no_javascript_of_its_own("snake")


def test_snake_tapping_an_arrow_button_starts_your_snake_on_every_page(run, open_page):
    game = run(path=SNAKE)
    player, other = open_page(game.url), open_page(game.url)
    me = your_name(player)
    [(x, y)] = wait_for(lambda: squares(other, "squares", me), what="my snake on another page")
    taken = set(squares(other, "squares"))

    def room(way):
        """How many steps the snake can go that way before it hits something."""
        dx, dy = STEPS[way]
        n = 0
        while 0 <= x + (n + 1) * dx < 20 and 0 <= y + (n + 1) * dy < 15:
            if (x + (n + 1) * dx, y + (n + 1) * dy) in taken:
                break
            n += 1
        return n
    way = max(STEPS, key=room)
    dx, dy = STEPS[way]
    # The other page keeps every place my snake's head is drawn, so that no step is missed
    # however slowly this test looks: the snake may eat an apple and grow, or reach the
    # wall and start again somewhere else, between two looks.
    other.page.evaluate("""([name, size]) => {
        window.heads = [];
        new MutationObserver(() => {
            const head = document.querySelector(`[data-each=squares] > [data-wszero-copy][title="${name}"]`);
            if (head) window.heads.push([parseFloat(head.style.left) / size, parseFloat(head.style.top) / size]);
        }).observe(document.querySelector('[data-each=squares]'), {childList: true});
    }""", [me, SQUARE])
    player.page.click(f"button[data-way={way}]")  # as a tablet would: no key pressed

    steps = [(n * dx, n * dy) for n in range(3, room(way) + 1)]
    wait_for(lambda: any((hx - x, hy - y) in steps for hx, hy in other.page.evaluate("window.heads")),
             what=lambda: f"my snake to go {way} from {(x, y)}: {other.page.evaluate('window.heads')}")


def test_snake_eating_an_apple_scores_a_point_on_every_pages_scoreboard(run, open_page):
    game = run(path=SNAKE)
    player, *others = [open_page(game.url) for _ in range(3)]
    me = your_name(player)
    for page in (player, *others):
        expect(page.page.locator("ol[data-on=board] > li[data-wszero-copy]")).to_have_count(3, timeout=MS)
        assert f"{me}: 0" in scores(page)
    count_updates(player, "[data-each=squares]")

    def steer():
        # Press the arrow key that goes towards the nearest apple, a step at a time.
        if points(player, me) >= 1:  # a new apple may land in front of it: two between two looks
            return True
        snake, apples = squares(player, "squares", me), squares(player, "apples")
        if snake and apples:
            apple = min(apples, key=lambda a: abs(a[0] - snake[0][0]) + abs(a[1] - snake[0][1]))
            player.page.keyboard.press(KEYS[way_to(snake, apple)])  # the arrow buttons' data-key
        wait_for_updates(player, 1)
    wait_for(steer, what=lambda: f"{me} to eat an apple; the scoreboard shows {scores(player)}")
    eaten = re.compile(rf"^{re.escape(me)}: [1-9][0-9]*$")  # most apples first: nobody else ate one
    for page in (player, *others):
        expect(page.page.locator("ol[data-on=board] > li[data-wszero-copy]").first).to_have_text(eaten, timeout=MS)
