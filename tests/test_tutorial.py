"""The README's tutorial, step by step, with the code exactly as README shows it."""

import os
import re
import sys

from conftest import DEADLINE, ROOT, wait_for

README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()


def code_after(heading, language):
    """The first code block of this language after the heading."""
    start = README.index(heading)
    found = re.compile(rf"```{language}\n(.*?)```", re.S).search(README, start)
    return found.group(1)


def shown_greetings(page):
    """How many greetings the page shows; None while it is reloading."""
    try:
        return page.evaluate("document.querySelectorAll('[data-wszero-copy]').length")
    except Exception:  # the page navigated away in the middle: it is reloading
        return None


def test_the_tutorial_works_as_written(run, open_page, tmp_path):
    # 1 and 2: write the program and run the folder.
    folder = tmp_path / "mygame"
    folder.mkdir()
    game = folder / "game.py"
    game.write_text(code_after("**1. Write the program.**", "python"))
    program = run(path=str(folder), cwd=str(tmp_path))
    assert "wszero is running game.py." in program.stdout
    assert f"Open this on this computer:  http://localhost:{program.port}" in program.stdout

    # 3: the playground has a box for `name`; Send shows the greeting in the log.
    page = open_page(program.url)
    playground = page.page
    assert playground.title() == "Playground for game.py"
    playground.fill('form[data-op="hello"] input[name="name"]', "Sam")
    playground.click('form[data-op="hello"] button')
    playground.locator("#log li", has_text='{"op":"greeting","text":"Hello, Sam!"}').wait_for(timeout=DEADLINE * 1000)

    # 4: saving index.html reloads the page by itself, and the form greets.
    (folder / "index.html").write_text(code_after("**4. Make your own page.**", "html"))
    playground.wait_for_selector('p[data-on="greeting"]', state="attached", timeout=DEADLINE * 1000)
    playground.wait_for_function("wszero.state === 'open'", timeout=DEADLINE * 1000)
    playground.fill('input[name="name"]', "Sam")
    playground.click("button")
    playground.locator("b", has_text="Hello, Sam!").wait_for(timeout=DEADLINE * 1000)

    # 5: changing the program runs it again, and the page reloads.
    game.write_text(game.read_text().replace("'Hello, '", "'Hi there, '"))
    program.wait_for_stdout("game.py changed, so wszero ran it again. Open pages reload by themselves.")
    # The reloaded page has no greeting shown yet.
    wait_for(lambda: shown_greetings(playground) == 0, what="the page to reload")
    playground.wait_for_function("wszero.state === 'open'", timeout=DEADLINE * 1000)
    playground.fill('input[name="name"]', "Sam")
    playground.click("button")
    playground.locator("b", has_text="Hi there, Sam!").wait_for(timeout=DEADLINE * 1000)

    # 6: a misspelt op is explained in the terminal.
    html = (folder / "index.html").read_text()
    (folder / "index.html").write_text(html.replace('data-op="hello"', 'data-op="helo"'))
    playground.wait_for_selector('form[data-op="helo"]', state="attached", timeout=DEADLINE * 1000)
    playground.wait_for_function("wszero.state === 'open'", timeout=DEADLINE * 1000)
    playground.fill('input[name="name"]', "Sam")
    playground.click("button")
    program.wait_for_stderr("No handler for 'helo' — did you mean 'hello'?")

    assert program.stop() == 0


def start_up_lines(text):
    """The start-up screen's lines of words, with every address's numbers replaced by N.

    Lines of a QR code are left out: they are drawings, not words.
    """
    text = re.sub(r"http://localhost:\d+", "http://localhost:N", text)
    text = re.sub(r"http://\d+\.\d+\.\d+\.\d+:\d+", "http://N.N.N.N:N", text)
    return [line for line in text.splitlines() if line.strip() and not set(line) <= set(" █▀▄")]


def shows_the_start_up_screen_of_step_2(program):
    """The program printed step 2's screen, word for word, apart from the addresses' numbers."""
    expected = start_up_lines(code_after("**2. Run it.**", ""))
    printed = start_up_lines(program.stdout)
    printed = printed[printed.index("wszero is running game.py."):]
    assert printed[:len(expected)] == expected


def test_step_2_in_a_terminal_in_the_folder_that_holds_mygame_shows_the_start_up_screen(run, tmp_path):
    folder = tmp_path / "mygame"
    folder.mkdir()
    (folder / "game.py").write_text(code_after("**1. Write the program.**", "python"))
    program = run(path="mygame", cwd=str(tmp_path))
    shows_the_start_up_screen_of_step_2(program)
    assert program.stop() == 0


def test_step_2_with_the_run_button_of_thonny_or_idle_shows_the_start_up_screen(run, tmp_path):
    # An editor's Run button runs `python game.py` in the program's folder,
    # with the output in a pane that isn't a terminal (stdin is closed here).
    folder = tmp_path / "mygame"
    folder.mkdir()
    (folder / "game.py").write_text(code_after("**1. Write the program.**", "python"))
    program = run(path=str(folder / "game.py"), command=[sys.executable, "game.py"], args=["--port", "0"])
    shows_the_start_up_screen_of_step_2(program)
    assert program.stop() == 0
