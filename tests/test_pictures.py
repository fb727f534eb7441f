"""The pictures in README's tutorial and the teachers' guide, taken from the real pages.

Each test runs a documented page in headless Chromium, does what the guide
shows (types a name, sends a message, draws), and fails if the page's key
element doesn't show or the page logs an error.  With --update-pictures it
also saves the screenshot in docs/pictures, as a small PNG:

    python -m pytest tests/test_pictures.py --update-pictures
"""

import io
import os
import re
import shutil

import pytest
from PIL import Image

from conftest import DEADLINE, EXAMPLES, ROOT, Page, wait_for
from test_games import (KEYS, count_updates, dot, points, scores, squares, wait_for_updates, way_to, your_name,
                        your_number)
from test_tutorial import code_after

PICTURES = os.path.join(ROOT, "docs", "pictures")
DOCUMENTS = [os.path.join(ROOT, "README.md"), os.path.join(ROOT, "docs", "teachers.md")]
VIEWPORT = {"width": 800, "height": 500}
WAIT = DEADLINE * 1000


@pytest.fixture
def page_at(browser):
    """page_at(url) opens an 800x500 tab, waits until it is connected, and returns conftest's Page."""
    contexts = []

    def opener(url):
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        return Page(context, url)

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture
def picture(request):
    """picture(page, name, key): check that the page shows `key` and logged no error; save it if asked."""
    update = request.config.getoption("--update-pictures")

    def take(page, name, key):
        page.page.locator(key).first.wait_for(state="visible", timeout=WAIT)
        errors = [text for kind, text in page.console if kind in ("error", "pageerror")]
        assert errors == [], f"{name}: the page logged errors"
        path = os.path.join(PICTURES, name)
        if update:
            os.makedirs(PICTURES, exist_ok=True)
            save_small(page.page.screenshot(), path)
        assert os.path.exists(path), f"{name} is missing: python -m pytest tests/test_pictures.py --update-pictures"

    return take


def save_small(png, path):
    """A screenshot in at most 64 colours: pages are flat colours and text, so it stays sharp and small."""
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    image.save(path, optimize=True)


def example(name):
    return os.path.join(EXAMPLES, name)


def scroll_to(page, selector, block="start"):
    """Scroll the page so that `selector` is at the top of the picture (block="end": its end at the bottom)."""
    page.page.locator(selector).first.evaluate("(element, block) => element.scrollIntoView({block})", block)


# -- the README's tutorial ------------------------------------------------------------------------


@pytest.fixture
def mygame(tmp_path):
    folder = tmp_path / "mygame"
    folder.mkdir()
    (folder / "game.py").write_text(code_after("**1. Write the program.**", "python"))
    return folder


def test_tutorial_step_3_the_playground(run, page_at, picture, mygame):
    program = run(path=str(mygame), cwd=str(mygame.parent))
    page = page_at(program.url)
    page.page.fill('form[data-op="hello"] input[name="name"]', "Sam")
    page.page.click('form[data-op="hello"] button')
    picture(page, "tutorial-playground.png", '#log li:has-text("Hello, Sam!")')


def test_tutorial_step_4_your_own_page(run, page_at, picture, mygame):
    (mygame / "index.html").write_text(code_after("**4. Make your own page.**", "html"))
    program = run(path=str(mygame), cwd=str(mygame.parent))
    page = page_at(program.url)
    page.page.fill('input[name="name"]', "Sam")
    page.page.click("button")
    picture(page, "tutorial-page.png", 'b:has-text("Hello, Sam!")')


# -- the examples ---------------------------------------------------------------------------------


def test_hello_example(run, page_at, picture):
    program = run(path=example("hello"))
    page = page_at(program.url)
    page.page.fill('input[name="name"]', "Sam")
    page.page.click("button")
    picture(page, "example-hello.png", 'b:has-text("Hello, Sam!")')


def test_chat_example(run, page_at, picture):
    program = run(path=example("chat"))
    ada, bob = page_at(program.url), page_at(program.url)
    for page, name, text in [(ada, "Ada", "Hello everyone!"), (bob, "Bob", "Hi Ada, shall we play tug of war?"),
                             (ada, "Ada", "Yes! Red team!")]:
        page.page.fill('input[name="name"]', name)
        page.page.fill('input[name="text"]', text)
        page.page.click("button")
        ada.page.locator("li", has_text=text).wait_for(timeout=WAIT)
    picture(ada, "example-chat.png", 'li:has-text("Yes! Red team!")')


def test_tug_example(run, page_at, picture):
    program = run(path=example("tug"))
    page = page_at(program.url)
    for _ in range(3):
        page.page.click("text=Pull for Red")
    page.page.click("text=Pull for Blue")
    rope = "RED " + "~" * 8 + "O" + "~" * 12 + " BLUE"
    picture(page, "example-tug.png", f'span:has-text("{rope}")')


def draw(page, strokes):
    """Draw each stroke (a list of points on the board) with the mouse."""
    box = page.page.locator("#board").bounding_box()
    mouse = page.page.mouse
    for stroke in strokes:
        mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        mouse.down()
        for x, y in stroke[1:]:
            mouse.move(box["x"] + x, box["y"] + y, steps=4)
        mouse.up()


def test_drawing_example(run, page_at, picture):
    program = run(path=example("drawing"))
    ada, bob = page_at(program.url), page_at(program.url)
    for page, name in [(ada, "Ada"), (bob, "Bob")]:
        page.page.fill("#name", name)
        page.page.click("#name-form button")
        ada.page.locator("#players li", has_text=name).wait_for(timeout=WAIT)
    draw(ada, [[(180, 100), (180, 150)], [(300, 100), (300, 150)]])  # eyes, in Ada's red
    draw(bob, [[(140, 220), (180, 265), (240, 285), (300, 265), (340, 220)]])  # a smile, in Bob's blue
    ada.page.wait_for_function("document.querySelectorAll('#board line').length >= 24", timeout=WAIT)
    picture(ada, "example-drawing.png", "#board")


def test_react_example(run, page_at, picture):
    program = run(path=example("react"))
    page = page_at(program.url)
    for number in ("50", "25"):
        page.page.fill("#number", number)
        page.page.click("button:has-text(\"Guess\")")
    page.page.wait_for_function("document.querySelectorAll('#hints li').length === 2", timeout=WAIT)
    picture(page, "example-react.png", "#hints li")


def test_vue_example(run, page_at, picture):
    program = run(path=example("vue"))
    page = page_at(program.url)
    page.page.click("text=dragon")
    picture(page, "example-vue.png", 'button:has-text("dragon: 1")')


def test_quiz_example(run, page_at, picture):
    program = run(path=example("quiz"))
    teacher = page_at(program.url + "/teacher.html")
    ada, bob = page_at(program.url), page_at(program.url)
    ada.page.click('button:has-text("Red")')
    bob.page.click('button:has-text("Blue")')
    teacher.page.click('button:has-text("Next question")')
    for page, answer, note in [(ada, "8", "Right! One point for red."), (bob, "6", "Not this time.")]:
        page.page.locator('h2:has-text("Question 1")').wait_for(timeout=WAIT)
        page.page.fill('input[name="text"]', answer)
        page.page.click('button:has-text("Answer")')
        page.page.locator(f'p:has-text("{note}")').wait_for(timeout=WAIT)
    ada.page.wait_for_function("""() => [...document.querySelectorAll('tbody > tr[data-wszero-copy]')]
        .some(row => row.cells[0].textContent === 'red' && row.cells[1].textContent === '1')""", timeout=WAIT)
    scroll_to(ada, "body", "end")  # the whole scoreboard, below the page's top margin
    picture(ada, "example-quiz.png", 'span[data-wszero-copy]:has-text("Seconds left")')


def test_arena_example(run, page_at, picture):
    program = run(path=example("arena"))
    ada, bob = page_at(program.url), page_at(program.url)
    for page, target in [(ada, (150, 100)), (bob, (420, 200))]:
        steer_dot(page, your_number(page), target)
    ada.page.wait_for_function("document.querySelectorAll('#board > .dot[data-wszero-copy]').length === 2",
                               timeout=WAIT)
    scroll_to(ada, "p[data-on=you]")  # the whole board
    picture(ada, "example-arena.png", "#board > .dot[data-wszero-copy]")


def steer_dot(page, number, target):
    """Hold the arrow keys on the page until its dot is near `target` (x, y on the board), so it shows."""
    for axis, (back, on) in enumerate([("ArrowLeft", "ArrowRight"), ("ArrowUp", "ArrowDown")]):
        start = wait_for(lambda: dot(page, number), what="my dot")[axis]
        if abs(start - target[axis]) <= 8:
            continue
        way = 1 if start < target[axis] else -1
        page.page.keyboard.down(on if way == 1 else back)
        wait_for(lambda: (dot(page, number)[axis] - target[axis]) * way >= -4, what=f"my dot to reach {target}")
        page.page.keyboard.up(on if way == 1 else back)


def test_snake_example(run, page_at, picture):
    program = run(path=example("snake"))
    ada, bob = page_at(program.url), page_at(program.url)
    players = [(ada, your_name(ada), 2), (bob, your_name(bob), 1)]  # each page, its snake, the apples it eats
    count_updates(ada, "[data-each=squares]")

    def steer():
        # Each snake goes a step towards its nearest apple, until it has eaten enough (or more:
        # a new apple may land in front of it, or a snake left alone may run into one).
        done = True
        for page, name, apples_to_eat in players:
            if points(ada, name) >= apples_to_eat:
                continue
            done = False
            snake, apples = squares(ada, "squares", name), squares(ada, "apples")
            if snake and apples:
                apple = min(apples, key=lambda a: abs(a[0] - snake[0][0]) + abs(a[1] - snake[0][1]))
                page.page.keyboard.press(KEYS[way_to(snake, apple)])
        if not done:
            wait_for_updates(ada, 1)
        return done
    wait_for(steer, what=lambda: f"the snakes to eat their apples; the scoreboard shows {scores(ada)}")
    wait_for_updates(ada, 1)  # a new apple in place of the one just eaten
    scroll_to(ada, "p[data-on=news]")  # the board and the arrow buttons
    picture(ada, "example-snake.png", "ol[data-on=board] > li[data-wszero-copy]")


# -- the documents and the pictures agree ----------------------------------------------------------


def shown_pictures():
    shown = set()
    for document in DOCUMENTS:
        with open(document, encoding="utf-8") as f:
            shown |= set(re.findall(r"\]\((?:\.\./)?(?:docs/)?pictures/([\w.-]+\.png)\)", f.read()))
    return shown


def test_every_picture_the_documents_show_is_there():
    assert shown_pictures() <= set(os.listdir(PICTURES))


def test_every_picture_is_shown_in_a_document():
    assert set(os.listdir(PICTURES)) <= shown_pictures()


def test_pictures_are_small():
    for name in os.listdir(PICTURES):
        size = os.path.getsize(os.path.join(PICTURES, name))
        assert size < 60 * 1024, f"{name} is {size // 1024} KB"
