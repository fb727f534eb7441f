"""--window: the program's page in a real pywebview (GTK) window, under Xvfb.

The window is closed the way a window manager does when someone clicks its
close button: a WM_DELETE_WINDOW message.
"""

import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import browser_recorder, DEADLINE, EXAMPLES, Program, environment, wait_for

# Appended to a copy of the chat example: asks the other pages (the window)
# to report what they show, through the chat itself.
PROBE = """
import wszero

@on('poke')
def poke(client):
    for other in wszero._server.clients:
        if other is not client:
            other.eval_js("send_message({op: 'chat', name: 'the window', text: 'window sees: ' + "
                          "Array.from(document.querySelectorAll('ul li'), li => li.getClientRects().length ? "
                          "li.textContent : '').filter(String).join(' | ')})")  # hidden templates: no rects

run_server()
"""


@pytest.fixture
def screen():
    """A virtual X screen of its own; yields its DISPLAY name."""
    number = next(n for n in range(90, 200) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))
    xvfb = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: os.path.exists(f"/tmp/.X11-unix/X{number}"), what="Xvfb to start")
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(DEADLINE)


def find_window(display, title):
    """The X window with this title, or None."""
    root = display.screen().root
    todo = [root]
    while todo:
        window = todo.pop()
        if window.get_wm_name() == title:
            return window
        todo.extend(window.query_tree().children)
    return None


def close_window(display_name, title):
    """Ask the window to close, as a window manager's close button does."""
    from Xlib import X, display as xdisplay, protocol
    display = xdisplay.Display(display_name)
    window = wait_for(lambda: find_window(display, title), what=f"a window titled {title!r}")
    protocols = display.intern_atom("WM_PROTOCOLS")
    delete = display.intern_atom("WM_DELETE_WINDOW")
    event = protocol.event.ClientMessage(window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
    window.send_event(event, event_mask=X.NoEventMask)
    display.flush()
    display.close()


def chat_copy(tmp_path):
    folder = tmp_path / "chat"
    shutil.copytree(os.path.join(EXAMPLES, "chat"), folder)
    program = folder / "chat.py"
    program.write_text(program.read_text().replace("run_server()", PROBE))
    return str(program)


def test_chat_opens_in_a_window_that_talks_with_a_browser_and_closes_cleanly(screen, open_page, tmp_path):
    program = Program(chat_copy(tmp_path), ["--window"], env=environment(DISPLAY=screen))
    try:
        program.started()
        assert "Close the window to stop." in program.stdout
        program.wait_for_stdout("Player 1 joined.")  # the window's page connected

        page = open_page(program.url)
        page.page.fill("[name=name]", "Ada")
        page.page.fill("[name=text]", "hello from chromium")
        page.page.press("[name=text]", "Enter")
        page.page.locator("ul li", has_text="Ada: hello from chromium").wait_for(timeout=DEADLINE * 1000)
        page.page.evaluate("send_message({op: 'poke'})")
        report = page.page.locator("ul li", has_text="window sees:")
        report.wait_for(timeout=DEADLINE * 1000)
        assert "the window: window sees: " in report.text_content()
        assert "Player 2 joined the chat | Ada: hello from chromium" in report.text_content()

        shot = tmp_path / "window.png"
        subprocess.run(["import", "-display", screen, "-window", "root", str(shot)], check=True, timeout=DEADLINE)
        spread = subprocess.run(["convert", str(shot), "-format", "%[fx:standard_deviation]", "info:"],
                                capture_output=True, text=True, check=True, timeout=DEADLINE).stdout
        assert float(spread) > 0.01, "the screenshot is blank"

        close_window(screen, "chat")
        assert program.proc.wait(DEADLINE) == 0
    finally:
        code = program.stop()
    assert code == 0
    assert "Stopped. Bye!" in program.stdout
    assert "Traceback" not in program.stderr


def test_without_a_screen_the_browser_opens_instead(run, tmp_path):
    browser, record = browser_recorder(tmp_path)
    env = environment(BROWSER=browser)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    program = run("from wszero import *\nrun_server()\n", args=["--window"], env=env)
    assert ("There is no screen to open a window on here, so wszero is opening the web browser instead.\n"
            in program.stderr)
    wait_for(lambda: record.exists() and f"http://localhost:{program.port}" in record.read_text(),
             what="the browser to be asked to open the page")
    assert program.stop() == 0
    assert "Traceback" not in program.stderr


def test_without_pywebview_the_browser_opens_instead(run, tmp_path):
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "webview.py").write_text("raise ImportError('pywebview is not installed')\n")
    browser, record = browser_recorder(tmp_path)
    env = environment(BROWSER=browser, DISPLAY=":0")
    env["PYTHONPATH"] = f"{hide}{os.pathsep}{env['PYTHONPATH']}"
    program = run("from wszero import *\nrun_server()\n", args=["--window"], env=env)
    assert ("To open a window, wszero needs pywebview (pip install pywebview), "
            "so it is opening the web browser instead.\n" in program.stderr)
    wait_for(lambda: record.exists() and "http://localhost:" in record.read_text(),
             what="the browser to be asked to open the page")
    assert program.stop() == 0


def test_pywebview_is_imported_only_when_a_window_is_asked_for():
    code = ("import sys, wszero\n"
            "from wszero import *\n"
            "assert 'webview' not in sys.modules, 'imported too early'\n"
            "wszero.window_problem()\n"
            "assert 'webview' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, env=environment(), timeout=DEADLINE)


def test_ctrl_c_in_the_terminal_closes_the_window_and_stops_cleanly(screen):
    program = Program(os.path.join(EXAMPLES, "hello", "hello.py"), ["--window"], env=environment(DISPLAY=screen))
    program.started()
    program.wait_for_stdout("Player 1 joined.")  # the window is open and its page connected
    assert program.stop() == 0
    assert "Player 1 left.\nStopped. Bye!" in program.stdout
    assert "Traceback" not in program.stderr


def test_when_the_window_fails_to_start_the_browser_opens_and_ctrl_c_still_stops_at_once(screen, tmp_path):
    # pywebview imports, and there is a screen, but no GUI toolkit loads: webview.start() raises.
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "gi.py").write_text("raise ImportError('PyGObject is not installed')\n")
    browser, record = browser_recorder(tmp_path)
    env = environment(BROWSER=browser, DISPLAY=screen)
    env["PYTHONPATH"] = f"{hide}{os.pathsep}{env['PYTHONPATH']}"
    program = Program(os.path.join(EXAMPLES, "hello", "hello.py"), ["--window"], env=env)
    program.started()
    program.wait_for_stderr("The window couldn't open (")
    assert "so wszero is opening the web browser instead." in program.stderr
    wait_for(lambda: record.exists() and f"http://localhost:{program.port}/" in record.read_text(),
             what="the browser to be asked to open the page")
    started = time.monotonic()
    assert program.stop() == 0
    assert time.monotonic() - started < 10, "Ctrl+C took as long as a window.destroy() that waits"
    assert program.stdout.endswith("Stopped. Bye!\n")
    assert "Traceback" not in program.stderr
