"""The Run button of Thonny, IDLE and other editors runs `python game.py`, with
no terminal and stdin closed.  That way gets what the runner gives: live
reload of the program and its pages, the old version kept after a mistake,
the start-up screen, and mistakes shown where the child looks.
"""

import os
import signal
import time

import pytest

from conftest import DEADLINE, wait_for
from test_runner import CHANGED, KEEPS_OLD, PING, PING_2, WAYS, save, start

EVERY_WAY = list(WAYS)


@pytest.mark.parametrize("way", EVERY_WAY)
def test_saving_the_program_runs_it_again_whichever_way_it_was_started(run, tmp_path, way):
    program = start(run, way, PING)
    with program.client() as client:
        save(tmp_path / "app.py", PING_2)
        program.wait_for_stdout(CHANGED)
        assert client.recv() == {"op": "wszero:reload"}
        client.send("ping")
        assert client.recv() == {"op": "pong", "version": 2}


@pytest.mark.parametrize("way", EVERY_WAY)
def test_a_mistake_saved_keeps_the_old_version_whichever_way_it_was_started(run, tmp_path, way):
    program = start(run, way, PING)
    with program.client() as client:
        save(tmp_path / "app.py", PING.replace("client.send('pong', version=1)", "client.send('pong', version=1"))
        program.wait_for_stderr(KEEPS_OLD)
        client.send("ping")
        assert client.recv() == {"op": "pong", "version": 1}


def test_saving_a_page_reloads_it_when_the_program_was_started_with_python_app_py(run, tmp_path):
    program = start(run, "python app.py", PING, files={"index.html": "<p>one</p>"})
    import urllib.request
    assert urllib.request.urlopen(program.url + "/", timeout=DEADLINE).read() == b"<p>one</p>"
    with program.client() as client:
        save(tmp_path / "index.html", "<p>two</p>")
        program.wait_for_stdout("index.html changed. Open pages reload by themselves.\n")
        assert client.recv() == {"op": "wszero:reload"}


def test_a_file_saved_emptied_first_is_run_once_it_is_whole(run, tmp_path):
    # Many editors empty a file, then write it: wszero waits until it stops changing.
    program = start(run, "python app.py", PING)
    with program.client() as client:
        with open(tmp_path / "app.py", "w", encoding="utf-8") as f:
            f.flush()
            os.fsync(f.fileno())
            f.write(PING_2)
        program.wait_for_stdout(CHANGED)
        assert client.recv() == {"op": "wszero:reload"}
        client.send("ping")
        assert client.recv() == {"op": "pong", "version": 2}


def test_python_app_py_shows_the_same_start_up_screen_as_the_runner(run):
    direct = start(run, "python app.py", PING)
    runner = start(run, "python -m wszero app.py", PING)
    strip = lambda text: text.split("Press Ctrl+C to stop.")[0].replace(str(direct.port), "N").replace(
        str(runner.port), "N")
    assert strip(direct.stdout) == strip(runner.stdout)
    assert "Open this on this computer:  http://localhost:" in direct.stdout


NO_RUN_SERVER = """\
from wszero import *

@on('ping')
def ping(client):
    client.send('pong')
"""


def test_a_program_with_handlers_that_never_calls_run_server_says_so(run):
    program = start(run, "python app.py", NO_RUN_SERVER, wait=False)
    assert program.proc.wait(DEADLINE) == 0
    program.stop()
    assert program.stderr == ("app.py has @on handlers, but it ended without calling run_server(), so nobody "
                              "could connect. Add run_server() as the last line.\n")


def test_a_program_without_handlers_that_ends_says_nothing(run):
    program = start(run, "python app.py", "from wszero import *\nprint('just printing')\n", wait=False)
    assert program.proc.wait(DEADLINE) == 0
    program.stop()
    assert (program.stdout, program.stderr) == ("just printing\n", "")


def test_a_program_that_crashed_is_not_told_about_run_server_too(run):
    program = start(run, "python app.py", NO_RUN_SERVER + "1 / 0\n", wait=False)
    assert program.proc.wait(DEADLINE) == 1
    program.stop()
    assert program.stderr.endswith("ZeroDivisionError: division by zero\n")
    assert "run_server" not in program.stderr


# =============================================================================
# Stuck handlers
# =============================================================================

STUCK = """\
from wszero import *

@on('forever')
def forever(client):
    while True:
        pass

@on('ask')
def ask(client):
    answer = input('Your name? ')

@on('ping')
def ping(client):
    client.send('pong')

run_server()
"""


def seconds_to_stop(program):
    """Press Ctrl+C; the seconds until the program has ended (with exit code 0)."""
    started = time.monotonic()
    program.proc.send_signal(signal.SIGINT)
    assert program.proc.wait(DEADLINE) == 0
    took = time.monotonic() - started
    program.stop()  # collects what it printed
    return took


def test_a_handler_stuck_in_a_loop_is_named_with_its_line_and_a_hint(run):
    program = start(run, "python app.py", STUCK)
    with program.client() as client:
        client.send("forever")
        program.wait_for_stderr("Everyone is waiting")
        assert ("Everyone is waiting: the 'forever' handler has been running for 3 seconds, and it is now at "
                "app.py, line 5: while True:\n"
                "  Is it a loop without time.sleep? time.sleep(0.1) in the loop lets everyone else have a turn.\n"
                in program.stderr)
        assert client.error() == ("Everyone is waiting for the 'forever' handler to finish. "
                                  "Look in the terminal to see where it is.")


def test_ctrl_c_ends_a_program_whose_handler_is_stuck_within_two_seconds_and_says_which(run):
    program = start(run, "python app.py", STUCK)
    with program.client() as client:
        client.send("forever")
        program.wait_for_stderr("Everyone is waiting")
        took = seconds_to_stop(program)
    assert took < 2, f"Ctrl+C took {took:.1f} s"
    assert "The 'forever' handler was still running, so wszero stopped without waiting for it.\n" in program.stdout
    assert program.stdout.endswith("Stopped. Bye!\n")


def test_a_handler_waiting_for_input_is_told_that_input_waits_for_the_keyboard(tmp_path):
    # An editor keeps stdin open, so input() waits there; the wording is checked without one.
    import wszero
    (tmp_path / "app.py").write_text(STUCK)
    assert wszero.say.stuck("the 'ask' handler", (str(tmp_path / "app.py"), 10)) == (
        "Everyone is waiting: the 'ask' handler has been running for 3 seconds, and it is now at "
        "app.py, line 10: answer = input('Your name? ')\n"
        "  input() waits for someone to type in the terminal, and pages can't do that.")


def test_ctrl_c_ends_a_program_whose_reload_waits_behind_a_stuck_handler(run, tmp_path):
    program = start(run, "python app.py", STUCK)
    with program.client() as client:
        client.send("forever")
        program.wait_for_stderr("Everyone is waiting")
        save(tmp_path / "app.py", STUCK.replace("'pong'", "'pong again'"))
        program.wait_for_stdout("app.py changed. wszero will run it again as soon as the 'forever' handler "
                                "has finished.\n")
        took = seconds_to_stop(program)
    assert took < 2, f"Ctrl+C took {took:.1f} s"


ASYNC_STUCK = """\
from wszero import *

@on('forever')
async def forever(client):
    while True:
        pass

run_server()
"""


def test_an_async_handler_that_never_awaits_is_named_and_ctrl_c_still_ends_within_two_seconds(run):
    program = start(run, "python app.py", ASYNC_STUCK)
    with program.client() as client:
        client.send("forever")
        program.wait_for_stderr("Everyone is waiting")
        assert ("Everyone is waiting: the 'forever' handler has been running for 3 seconds, and it is now at "
                "app.py, line 5: while True:\n" in program.stderr)
        took = seconds_to_stop(program)
    assert took < 2, f"Ctrl+C took {took:.1f} s"
    assert "The 'forever' handler was still running, so wszero stopped without waiting for it.\n" in program.stdout
    assert program.stdout.endswith("Stopped. Bye!\n")


# =============================================================================
# Output that can't crash
# =============================================================================

EMOJI = """\
from wszero import *

@on('party')
def party(client, name):
    client.name = name
    print('🎉 ' + name)
    client.send('done')

run_server()
"""


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_console_that_cannot_show_emoji_never_stops_the_game(run, encoding):
    from conftest import environment
    program = start(run, "python app.py", EMOJI, env=environment(PYTHONIOENCODING=encoding))
    with program.client() as client:
        client.send("party", name="Zoë 😀")
        assert client.recv_op("done") == {"op": "done"}
    with program.client() as other:  # the game thread is still alive: a second page is answered
        other.send("party", name="Bo")
        assert other.recv_op("done") == {"op": "done"}
    wait_for(lambda: "Zo" in program.stdout and "left." in program.stdout, what="the leaving line")
    assert "UnicodeEncodeError" not in program.stderr
    assert "Traceback" not in program.stderr
    assert program.stop() == 0


def test_python_app_py_help_shows_the_options_instead_of_starting(run):
    program = start(run, "python app.py", PING, args=["--help"], wait=False)
    assert program.proc.wait(DEADLINE) == 0
    program.stop()
    assert program.stdout == (
        "Run this program:  python app.py\n"
        "Options:  --port N      use port N (normally 8000)\n"
        "          --open        open the page in the web browser\n"
        "          --window      open the page in its own window\n"
        "          --no-reload   don't run the program again when it is saved\n")


def test_output_to_a_file_that_cannot_take_emoji_never_stops_the_game(tmp_path):
    # As on Windows with output redirected to a file: the console's encoding can't show emoji.
    import subprocess
    import sys
    from conftest import Client, environment
    (tmp_path / "app.py").write_text(EMOJI, encoding="utf-8")
    out = tmp_path / "out.txt"
    with open(out, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "app.py", "--port", "0"], cwd=tmp_path, stdin=subprocess.DEVNULL,
                                stdout=sink, stderr=subprocess.STDOUT, env=environment(PYTHONIOENCODING="ascii"))
        try:
            port = wait_for(lambda: (lambda m: m and int(m.group(1)))(
                __import__("re").search(rb"localhost:(\d+)", out.read_bytes())), what="the start-up screen")
            for name in ("Zo\u00eb \U0001f600", "Bo"):
                with Client(f"ws://127.0.0.1:{port}/ws") as page:
                    page.send("party", name=name)
                    assert page.recv_op("done") == {"op": "done"}
            wait_for(lambda: b"Bo left." in out.read_bytes(), what="the second page's leaving line")
        finally:
            proc.send_signal(signal.SIGINT)
            assert proc.wait(DEADLINE) == 0
    text = out.read_bytes()
    assert b"Zo? ? left." in text
    assert b"Traceback" not in text
