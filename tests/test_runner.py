"""Running a program, the start-up screen, live reload and start-up mistakes (issue 3).

Every program runs for real in its own process, started the way a child
starts it: ``python -m wszero app.py``, ``python wszero.py app.py`` next to a
copied wszero.py (or with the path of one), or ``python app.py`` (the Run
button of IDLE, Thonny and Mu).  Sentences are copied from wszero's `say` class and written out in full,
so a change of wording is always a deliberate one.  Nothing sleeps: each
test waits for something it can see, with a generous deadline.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import urllib.request

import pytest

import wszero
from conftest import browser_recorder, DEADLINE, ROOT, Client, environment, wait_for

PING = """\
from wszero import *

@on('ping')
def ping(client):
    client.send('pong', version=1)

run_server()
"""

RUNNER = [sys.executable, "-m", "wszero", "app.py"]
VENDORED = [sys.executable, "wszero.py", "app.py"]
DIRECT = [sys.executable, "app.py"]


def vendored_files():
    """wszero.py copied next to the program, as a child does without installing anything."""
    with open(os.path.join(ROOT, "wszero.py"), encoding="utf-8") as f:
        return {"wszero.py": f.read()}


def without_pythonpath(**extra):
    """The environment with nothing pointing at the repository: only the copied wszero.py can be found."""
    env = environment(**extra)
    env.pop("PYTHONPATH")
    return env


# The three ways to run a program, as (command, files to add, environment).
WAYS = {
    "python -m wszero app.py": lambda: (RUNNER, {}, environment()),
    "python wszero.py app.py": lambda: (VENDORED, vendored_files(), without_pythonpath()),
    "python /path/to/wszero.py app.py": lambda: ([sys.executable, os.path.join(ROOT, "wszero.py"), "app.py"],
                                                 {}, without_pythonpath()),
    "python app.py": lambda: (DIRECT, {}, environment()),
}
RUNNERS = ["python -m wszero app.py", "python wszero.py app.py", "python /path/to/wszero.py app.py"]
RUNNER_OR_DIRECT = ["python -m wszero app.py", "python app.py"]


def start(run, way, source, args=("--port", "0"), wait=True, files=None, env=None):
    """Start `source` as app.py the given way; run's fixture stops it afterwards."""
    command, extra, default_env = WAYS[way]()
    return run(source, files={**extra, **(files or {})}, args=list(args), command=command,
               env=env or default_env, wait=wait)


def free_ports(count):
    """`count` different ports that nobody listens on right now."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def free_port_pair():
    """A listening socket on a port P whose next port P+1 is free too: (socket, P)."""
    for _ in range(100):
        taken = socket.socket()
        taken.bind(("", 0))
        port = taken.getsockname()[1]
        try:
            with socket.socket() as probe:
                probe.bind(("", port + 1))
        except OSError:
            taken.close()
            continue
        taken.listen()
        return taken, port
    raise AssertionError("found no two free ports in a row")


def listening_ports(pid):
    """The TCP ports that process `pid` listens on, read from /proc."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            found = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
        if found:
            inodes.add(found.group(1))
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    ports.add(int(fields[1].rpartition(":")[2], 16))
    return ports


def finished(program):
    """Wait for a program that should end by itself; its exit code."""
    code = program.proc.wait(DEADLINE)
    program.stop()  # joins the readers, so stdout and stderr are complete
    return code


def ping(program):
    """The answer the running program gives to 'ping', through a real websockets client."""
    with program.client() as client:
        client.send("ping")
        return client.recv_op("pong")


def save(path, text):
    """Save a file all at once, as editors do, so live reload never sees half of it."""
    path = str(path)
    draft = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".saving")
    with open(draft, "w", encoding="utf-8") as f:
        f.write(textwrap.dedent(text))
    os.replace(draft, path)


# =============================================================================
# The three ways to run a program
# =============================================================================


@pytest.mark.parametrize("way", WAYS)
def test_each_way_of_running_a_program_serves_its_handlers(run, way):
    program = start(run, way, PING)
    assert "wszero is running app.py." in program.stdout
    assert ping(program) == {"op": "pong", "version": 1}
    assert program.stop() == 0
    assert "Traceback" not in program.stderr


def test_a_copy_of_wszero_py_next_to_the_program_is_the_one_that_runs_it(run, tmp_path):
    program = start(run, "python wszero.py app.py", "import wszero\nprint('wszero is', wszero.__file__)\n" + PING)
    assert f"wszero is {tmp_path / 'wszero.py'}\n" in program.stdout
    assert ping(program) == {"op": "pong", "version": 1}


AFTER_RUN_SERVER = PING + "print('run_server() came back')\n"


@pytest.mark.parametrize("way", RUNNERS)
def test_under_the_runner_the_programs_own_run_server_starts_no_second_server(run, way):
    program = start(run, way, AFTER_RUN_SERVER)
    # run_server() came back at once, before the runner's one and only server started...
    assert program.stdout.startswith("run_server() came back\nwszero is running app.py.\n")
    assert program.stdout.count("wszero is running") == 1
    # ... and the process listens on one port only: the one on the screen.
    assert listening_ports(program.proc.pid) == {program.port}
    assert ping(program) == {"op": "pong", "version": 1}


def test_python_app_py_serves_until_ctrl_c_and_then_the_program_carries_on(run):
    program = start(run, "python app.py", AFTER_RUN_SERVER)
    assert ping(program) == {"op": "pong", "version": 1}
    assert "run_server() came back" not in program.stdout
    assert program.stop() == 0
    assert program.stdout.endswith("Stopped. Bye!\nrun_server() came back\n")
    assert program.stdout.count("wszero is running") == 1


# =============================================================================
# Folders, and paths that aren't programs
# =============================================================================


def test_a_folder_runs_its_main_py(run, tmp_path):
    files = {"mygame/main.py": PING, "mygame/helpers.py": "RED = 'red'\n", "mygame/index.html": "<p>hi</p>"}
    program = run(path=str(tmp_path / "mygame/"), files=files, cwd=str(tmp_path),
                  command=[sys.executable, "-m", "wszero", "mygame/", "--port", "0"])
    assert "wszero is running main.py." in program.stdout
    assert ping(program) == {"op": "pong", "version": 1}


def test_a_folder_with_one_py_file_runs_it(run, tmp_path):
    files = {"mygame/game.py": PING, "mygame/index.html": "<p>hi</p>"}
    program = run(path=str(tmp_path / "mygame"), files=files, cwd=str(tmp_path),
                  command=[sys.executable, "-m", "wszero", "mygame", "--port", "0"])
    assert "wszero is running game.py." in program.stdout
    assert ping(program) == {"op": "pong", "version": 1}


def runner_refuses(tmp_path, target, files=()):
    """Run `python -m wszero target` in tmp_path; (exit code, stdout, stderr) once it ends."""
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("from wszero import *\n" if name.endswith(".py") else "hi\n")
    done = subprocess.run([sys.executable, "-m", "wszero", target, "--port", "0"], cwd=tmp_path,
                          env=environment(), capture_output=True, text=True, timeout=DEADLINE)
    return done.returncode, done.stdout, done.stderr


def test_a_path_that_does_not_exist_gets_one_sentence_and_exit_code_1(tmp_path):
    assert runner_refuses(tmp_path, "gaem.py") == (
        1, "", "There is no file or folder called 'gaem.py'.\n")


def test_a_folder_with_no_program_in_it_gets_one_sentence_and_exit_code_1(tmp_path):
    assert runner_refuses(tmp_path, "mygame", ["mygame/index.html", "mygame/notes.txt"]) == (
        1, "", "The folder 'mygame' has no main.py (or single .py file) for wszero to run.\n")


def test_a_folder_with_several_programs_and_no_main_py_gets_one_sentence_and_exit_code_1(tmp_path):
    assert runner_refuses(tmp_path, "mygame", ["mygame/game.py", "mygame/quiz.py", "mygame/index.html"]) == (
        1, "", "The folder 'mygame' has several .py files (game.py, quiz.py). "
               "Name the one to run, or call it main.py.\n")


# =============================================================================
# Options: --port and --open, on the command line or as keywords
# =============================================================================


@pytest.mark.parametrize("way", RUNNER_OR_DIRECT)
def test_port_option_serves_on_that_port(run, way):
    [port] = free_ports(1)
    program = start(run, way, PING, args=["--port", str(port)])
    assert program.port == port
    assert ping(program) == {"op": "pong", "version": 1}


@pytest.mark.parametrize("way", RUNNER_OR_DIRECT)
def test_port_keyword_of_run_server_serves_on_that_port(run, way):
    [port] = free_ports(1)
    program = start(run, way, PING.replace("run_server()", f"run_server(port={port})"), args=[])
    assert program.port == port
    assert ping(program) == {"op": "pong", "version": 1}


@pytest.mark.parametrize("way", RUNNER_OR_DIRECT)
def test_port_option_beats_the_port_keyword(run, way):
    keyword, option = free_ports(2)
    program = start(run, way, PING.replace("run_server()", f"run_server(port={keyword})"),
                    args=["--port", str(option)])
    assert program.port == option
    assert ping(program) == {"op": "pong", "version": 1}
    assert listening_ports(program.proc.pid) == {option}


@pytest.mark.parametrize("way", RUNNER_OR_DIRECT)
def test_port_that_is_not_a_number_gets_one_sentence_and_exit_code_1(run, way):
    program = start(run, way, PING, args=["--port", "abc"], wait=False)
    assert finished(program) == 1
    assert program.stderr == "--port needs a whole number like 8000, not 'abc'.\n"
    assert "wszero is running" not in program.stdout


@pytest.mark.parametrize("way", RUNNER_OR_DIRECT)
def test_open_option_opens_the_page_in_the_browser_once_it_is_up(run, tmp_path, way):
    browser, record = browser_recorder(tmp_path)
    program = start(run, way, PING, args=["--port", "0", "--open"], env=environment(BROWSER=browser))
    wait_for(lambda: record.exists() and record.read_text().endswith("\n"), what="the browser to be opened")
    assert record.read_text() == f"http://localhost:{program.port}\n"


@pytest.mark.parametrize("way", RUNNER_OR_DIRECT)
def test_open_keyword_of_run_server_opens_the_page_in_the_browser(run, tmp_path, way):
    browser, record = browser_recorder(tmp_path)
    program = start(run, way, PING.replace("run_server()", "run_server(open=True)"),
                    env=environment(BROWSER=browser))
    wait_for(lambda: record.exists() and record.read_text().endswith("\n"), what="the browser to be opened")
    assert record.read_text() == f"http://localhost:{program.port}\n"


@pytest.mark.parametrize("way", RUNNER_OR_DIRECT)
def test_without_open_no_browser_is_opened(run, tmp_path, way):
    browser, record = browser_recorder(tmp_path)
    program = start(run, way, PING, env=environment(BROWSER=browser))
    ping(program)  # the start-up screen, and a browser if one were opened, came before this
    assert program.stop() == 0
    assert not record.exists()


# =============================================================================
# The start-up screen
# =============================================================================


def expected_screen(port, addresses):
    lines = ["wszero is running app.py.", "",
             f"  Open this on this computer:  http://localhost:{port}"]
    for i, address in enumerate(addresses):
        lines.append(("  Classmates can open:         " if i == 0 else " " * 31) + f"http://{address}:{port}")
    if not addresses:
        lines += ["", "  Classmates can't join yet, because this computer has no network address.",
                  "  Check that Wi-Fi is on or a network cable is plugged in, then start wszero again."]
    return "\n".join(lines + ["", "Press Ctrl+C to stop.", ""])


def test_start_up_screen_shows_this_computers_address_and_every_classmates_address(run):
    program = run(PING)
    program.wait_for_stdout("Press Ctrl+C to stop.\n")
    assert program.stdout == expected_screen(program.port, wszero.network_addresses())


def test_classmates_addresses_are_never_0_0_0_0_or_loopback(run):
    program = run(PING)
    program.wait_for_stdout("Press Ctrl+C to stop.\n")
    shown = re.findall(r"http://([\d.]+):(\d+)", program.stdout)
    assert shown == [(a, str(program.port)) for a in wszero.network_addresses()]
    for address, _ in shown:
        assert address != "0.0.0.0"
        assert not address.startswith("127.")


def test_every_address_for_classmates_answers(run):
    program = run(PING)
    program.wait_for_stdout("Press Ctrl+C to stop.\n")
    for address in re.findall(r"http://([\d.]+):\d+", program.stdout):
        with Client(f"ws://{address}:{program.port}/ws") as client:
            client.send("ping")
            assert client.recv_op("pong") == {"op": "pong", "version": 1}


def test_windows_firewall_hint_is_shown_on_windows_only():
    common = ["wszero is running app.py.", "",
              "  Open this on this computer:  http://localhost:8000",
              "  Classmates can open:         http://192.168.1.23:8000"]
    network = ["http://192.168.1.23:8000"]
    assert wszero.say.running("app.py", "http://localhost:8000", network, windows=True) == "\n".join(
        common + ["", "  If classmates can't connect, allow Python through the Windows firewall.",
                  "", "Press Ctrl+C to stop."])
    assert wszero.say.running("app.py", "http://localhost:8000", network, windows=False) == "\n".join(
        common + ["", "Press Ctrl+C to stop."])


# -- The QR code ------------------------------------------------------------------

BLOCKS = " ▄▀█"
COLOURS, RESET = "\x1b[30;107m", "\x1b[0m"  # black on bright white, whatever the terminal's theme


def lines_to_matrix(lines):
    """Undo qr_lines: each line black on white, two module rows per line, dark modules drawn, 4 light around."""
    top = {" ": False, "▄": False, "▀": True, "█": True}
    bottom = {" ": False, "▄": True, "▀": False, "█": True}
    dark = []
    for line in lines:
        assert line.startswith(COLOURS) and line.endswith(RESET), f"{line!r} doesn't set both colours"
        line = line[len(COLOURS):-len(RESET)]
        dark.append([top[ch] for ch in line])
        dark.append([bottom[ch] for ch in line])
    size = len(dark[0])  # the code and its quiet zone are square
    dark = dark[:size]  # the last line's lower half is padding
    for r, row in enumerate(dark):
        assert not any(row[:4] + row[-4:]) and (not any(row) or 4 <= r < size - 4), "the quiet zone isn't light"
    return [row[4:-4] for row in dark[4:-4]]


class Terminal:
    """A program whose stdout and stderr are a pseudo-terminal, as in a real terminal window."""

    def __init__(self, tmp_path, source, env):
        (tmp_path / "app.py").write_text(source)
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(RUNNER + ["--port", "0"], stdin=subprocess.DEVNULL, stdout=slave,
                                     stderr=slave, cwd=tmp_path, env=env)
        os.close(slave)
        self.chunks = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:  # EIO: the program ended and the terminal closed
                return
            if not data:
                return
            self.chunks.append(data)

    @property
    def text(self):
        return b"".join(self.chunks).decode("utf-8", "replace").replace("\r\n", "\n")

    def wait_for(self, pattern):
        return wait_for(lambda: re.search(pattern, self.text),
                        what=lambda: f"{pattern!r} in the terminal; it shows:\n{self.text}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(DEADLINE)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.reader.join(DEADLINE)
            os.close(self.master)


@pytest.fixture
def terminal(tmp_path):
    terminals = []

    def start(source, **env):
        t = Terminal(tmp_path, source, environment(**env))
        terminals.append(t)
        return t

    yield start
    for t in terminals:
        t.close()


def test_qr_code_of_the_network_address_is_shown_on_a_real_terminal(terminal):
    addresses = wszero.network_addresses()
    screen = terminal(PING, LC_ALL="C.UTF-8", TERM="xterm-256color")
    port = int(screen.wait_for(r"http://localhost:(\d+)").group(1))
    if not addresses:
        # Nothing for classmates to open, so nothing to scan: wait for a later event, then look.
        screen.wait_for(r"Press Ctrl\+C to stop\.\n")
        with Client(f"ws://127.0.0.1:{port}/ws"):
            screen.wait_for(r"Player 1 joined\.")
        assert not any(ch in screen.text for ch in "▄▀█")
        assert "Classmates" not in screen.text
        return
    line = re.escape(COLOURS) + f"[{BLOCKS}]+" + re.escape(RESET)
    drawn = screen.wait_for(rf"Press Ctrl\+C to stop\.\n\n?((?:{line}\n)+)\n").group(1)
    lines = drawn.splitlines()
    assert len({len(line) for line in lines}) == 1, "the QR code's lines are not all the same width"
    assert lines_to_matrix(lines) == wszero.qr_matrix(f"http://{addresses[0]}:{port}")


def test_no_qr_code_when_the_output_goes_to_a_pipe(run):
    program = run(PING)
    with program.client():
        program.wait_for_stdout("Player 1 joined.")  # comes after the QR code would have
    assert not any(ch in program.stdout for ch in "▄▀█")


def test_no_qr_code_on_a_dumb_terminal(terminal):
    screen = terminal(PING, LC_ALL="C.UTF-8", TERM="dumb")
    port = int(screen.wait_for(r"http://localhost:(\d+)").group(1))
    with Client(f"ws://127.0.0.1:{port}/ws"):
        screen.wait_for(r"Player 1 joined\.")
    assert "Press Ctrl+C to stop." in screen.text
    assert not any(ch in screen.text for ch in "▄▀█\x1b")


def test_no_qr_code_on_a_terminal_that_cannot_draw_blocks(terminal):
    screen = terminal(PING, PYTHONIOENCODING="ascii", TERM="xterm-256color")
    port = int(screen.wait_for(r"http://localhost:(\d+)").group(1))
    with Client(f"ws://127.0.0.1:{port}/ws"):
        screen.wait_for(r"Player 1 joined\.")
    assert "Press Ctrl+C to stop." in screen.text
    assert not any(ch in screen.text for ch in "▄▀█")


# =============================================================================
# The port is taken
# =============================================================================


def test_a_taken_port_is_named_and_the_next_port_is_used(run):
    taken, port = free_port_pair()
    with taken:
        program = run(PING, args=["--port", str(port)])
        assert program.stdout.startswith(
            f"Port {port} is already in use, so wszero is using port {port + 1} instead.\n"
            f"wszero is running app.py.\n")
        assert program.port == port + 1
        assert ping(program) == {"op": "pong", "version": 1}


# =============================================================================
# Live reload
# =============================================================================

PING_2 = PING.replace("version=1", "version=2")
CHANGED = "app.py changed, so wszero ran it again. Open pages reload by themselves.\n"
KEEPS_OLD = "There's a mistake in app.py, so wszero keeps running the old version until you fix it and save again:\n"


def test_saving_the_program_runs_it_again_and_open_pages_reload(run, tmp_path):
    program = run(PING)
    with program.client() as client:
        save(tmp_path / "app.py", PING_2)
        program.wait_for_stdout(CHANGED)
        assert client.recv() == {"op": "wszero:reload"}
        client.send("ping")
        assert client.recv() == {"op": "pong", "version": 2}


BROKEN = """\
from wszero import *

@on('ping')
def ping(client):
    client.send('pong', version=2

run_server()
"""


def test_a_syntax_error_is_shown_plainly_and_the_old_version_keeps_running(run, tmp_path):
    program = run(PING)
    with program.client() as client:
        save(tmp_path / "app.py", BROKEN)
        program.wait_for_stderr("SyntaxError: '(' was never closed\n")
        assert program.stderr == (
            KEEPS_OLD
            + f'  File "{tmp_path / "app.py"}", line 5\n'
            + "    client.send('pong', version=2\n"
            + "               ^\n"
            + "SyntaxError: '(' was never closed\n")
        client.send("ping")
        assert client.recv() == {"op": "pong", "version": 1}
    assert CHANGED not in program.stdout


def test_after_a_syntax_error_is_fixed_the_new_version_answers(run, tmp_path):
    program = run(PING)
    with program.client() as client:
        save(tmp_path / "app.py", BROKEN)
        program.wait_for_stderr("SyntaxError: '(' was never closed\n")
        save(tmp_path / "app.py", PING_2)
        program.wait_for_stdout(CHANGED)
        assert client.recv() == {"op": "wszero:reload"}  # only now: not when the mistake was saved
        client.send("ping")
        assert client.recv() == {"op": "pong", "version": 2}


TWO_PINGS = """\
from wszero import *

@on('ping')
def ping(client):
    client.send('pong', version=2)

@on('ping')
def ping_again(client):
    client.send('pong', version=3)

run_server()
"""


def test_two_handlers_saved_for_one_op_are_explained_and_the_old_version_keeps_running(run, tmp_path):
    program = run(PING)
    with program.client() as client:
        save(tmp_path / "app.py", TWO_PINGS)
        program.wait_for_stderr("Delete one, or give it another op name.\n")
        assert program.stderr == (
            KEEPS_OLD
            + "There are two handlers for 'ping': ping() (app.py, line 3) and ping_again() (app.py, line 7). "
              "Delete one, or give it another op name.\n")
        client.send("ping")
        assert client.recv() == {"op": "pong", "version": 1}
    assert CHANGED not in program.stdout


def test_no_reload_option_keeps_running_what_was_started(run, tmp_path):
    # The same app.py runs twice: with --no-reload, and with live reload as a witness that
    # the save was seen, so waiting for the witness is waiting long enough.
    frozen = run(PING, args=["--port", "0", "--no-reload"])
    witness = run(path=str(tmp_path / "app.py"))
    with frozen.client() as client:
        save(tmp_path / "app.py", PING_2)
        witness.wait_for_stdout(CHANGED)
        assert ping(witness) == {"op": "pong", "version": 2}
        client.send("ping")
        assert client.recv() == {"op": "pong", "version": 1}
    assert frozen.stop() == 0
    assert "changed" not in frozen.stdout
    assert "wszero:reload" not in frozen.stdout


WRITES_SCORES = """\
import json
from wszero import *

@on('score')
def score(client, points):
    with open('scores.json', 'w') as f:
        json.dump({'points': points}, f)
    client.send('saved')

@on('ping')
def ping(client):
    client.send('pong')

run_server()
"""


def test_a_file_the_program_writes_does_not_reload_pages_but_a_served_file_does(run, tmp_path):
    program = run(WRITES_SCORES, files={"index.html": "<p>Scores</p>"})
    with urllib.request.urlopen(program.url + "/index.html", timeout=DEADLINE) as page:
        assert page.read() == b"<p>Scores</p>"  # now a page has loaded index.html
    with program.client() as client:
        client.send("score", points=3)
        assert client.recv() == {"op": "saved"}
        assert (tmp_path / "scores.json").read_text() == '{"points": 3}'
        save(tmp_path / "index.html", "<p>High scores</p>")
        program.wait_for_stdout("index.html changed. Open pages reload by themselves.\n")
        client.send("ping")
        # One reload, for index.html; none came for scores.json, before it or after.
        assert client.recv() == {"op": "wszero:reload"}
        assert client.recv() == {"op": "pong"}
    assert "scores.json" not in program.stdout


# =============================================================================
# Mistakes found at start-up
# =============================================================================

MISSPELT = """\
from wszero import *

@on('conect')
def hello(client):
    client.send('welcome')

run_server()
"""


def test_misspelt_connect_is_warned_about_and_the_program_still_runs(run):
    program = run(MISSPELT)
    assert program.stderr == "Warning: @on('conect') above hello() (app.py, line 3): did you mean 'connect'?\n"
    with program.client() as client:
        client.send("conect")
        assert client.recv() == {"op": "welcome"}


TWO_HANDLERS = """\
from wszero import *

@on('ping')
def ping(client):
    client.send('pong')

@on('ping')
def ping_again(client):
    client.send('pong')

run_server()
"""


@pytest.mark.parametrize("way", WAYS)
def test_two_handlers_for_one_op_stop_the_program_with_one_sentence_naming_both(run, way):
    program = start(run, way, TWO_HANDLERS, wait=False)
    assert finished(program) == 1
    assert program.stderr == ("There are two handlers for 'ping': ping() (app.py, line 3) and "
                              "ping_again() (app.py, line 7). Delete one, or give it another op name.\n")
    assert program.stdout == ""


TYPO = """\
from wszero import *

score = 0
print(scroe)

run_server()
"""


@pytest.mark.parametrize("way", WAYS)
def test_a_mistake_at_the_top_of_the_program_shows_a_short_traceback_ending_at_its_line(run, tmp_path, way):
    program = start(run, way, TYPO, wait=False)
    assert finished(program) == 1
    assert program.stderr == (
        "Traceback (most recent call last):\n"
        f'  File "{tmp_path / "app.py"}", line 4, in <module>\n'
        "    print(scroe)\n"
        + ("          ^^^^^\n" if sys.version_info >= (3, 11) else "")  # 3.10 draws no marks
        + "NameError: name 'scroe' is not defined. Did you mean: 'score'?\n")
    assert program.stdout == ""
