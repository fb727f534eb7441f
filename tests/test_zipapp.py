"""One-file programs: build_zipapp.py's bundles, run on a Python with nothing installed.

The bare Python is a fresh venv made without pip, run with no PYTHON*
variables, from a folder with no wszero.py in it: it has only the standard
library, so wszero and websockets must come out of the bundle.  The game's
source folder is deleted once it is built, so its pages can only come out of
the zip too.
"""

import ast
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
import zipfile
import zlib

import pytest
import websockets

from conftest import DEADLINE, ROOT, Program

import build_zipapp
import wszero

BUILD = os.path.join(ROOT, "build_zipapp.py")
#: The oldest Python a bundle built here accepts: it depends on the websockets it carries.
NEEDED = build_zipapp.python_needed(websockets.__version__)
#: Debian's own Python, with Debian's websockets 10.4 (tests/setup.sh installs python3-websockets).
DEBIAN_PYTHON = "/usr/bin/python3"

GAME = textwrap.dedent("""\
    from wszero import *


    @on('echo')
    def echo(client, text):
        client.send('echo', text=text)


    @on('oops')
    def oops(client):
        return 1 / 0


    run_server()
    """)
OOPS_LINE = GAME.splitlines().index("    return 1 / 0") + 1


def tiny_png():
    """A real 1x1 PNG: binary bytes, so any text-mode slip would show."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x80\x00\xff")) + chunk(b"IEND", b""))


PAGES = {
    "index.html": b'<!doctype html><script src="/wszero.js"></script><h1>My game</h1>',
    "style.css": b"h1 { color: rebeccapurple }\n",
    "pictures/cat.png": tiny_png(),
}
PRIVATE = {
    "desktop.ini": b"[.ShellClassInfo]\r\nSECRET",
    "pictures/Thumbs.db": b"SECRET",
    ".secret": b"SECRET",
    ".git/config": b"SECRET",
    "__pycache__/main.cpython-311.pyc": b"SECRET",
}


def make_folder(folder, files):
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


def build(*args, cwd, python=sys.executable):
    """Run build_zipapp.py and return what it printed."""
    done = subprocess.run([python, BUILD, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=DEADLINE * 4)
    assert done.returncode == 0, done.stderr
    return done.stdout


def websockets_version(python):
    done = subprocess.run([python, "-c", "import websockets; print(websockets.__version__)"],
                          capture_output=True, text=True, timeout=DEADLINE)
    return done.stdout.strip() if done.returncode == 0 else None


def python_with_websockets(major):
    """A Python whose websockets has this major version: this one, .venv310's, or the one on PATH."""
    candidates = [sys.executable, os.path.join(ROOT, ".venv310", "bin", "python"),
                  shutil.which("python3"), shutil.which("python")]
    for python in filter(None, candidates):
        version = os.path.exists(python) and websockets_version(python)
        if version and version.split(".")[0] == str(major):
            return python
    raise AssertionError(f"no Python with websockets {major} here: run bash tests/setup.sh")


def bare_venv(python, folder):
    """A fresh venv made without pip from `python`: it has only the standard library."""
    subprocess.run([python, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=DEADLINE * 4)
    return str(folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))


def bare_environment():
    """The environment with no PYTHON* variables, so nothing can point Python at wszero."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def get(url):
    """(status, body) of a GET, for errors too."""
    try:
        with urllib.request.urlopen(url, timeout=DEADLINE) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# -- fixtures: a bare Python, the two kinds of bundle, and a game running from its bundle --


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory):
    """A fresh venv made without pip: a Python with nothing installed."""
    return bare_venv(sys.executable, tmp_path_factory.mktemp("bare") / "venv")


@pytest.fixture(scope="session")
def bare_python_3_10(tmp_path_factory):
    """A Python 3.10 with nothing installed, as Thonny 4.1 and Ubuntu 22.04 have."""
    python = bare_venv(python_with_websockets(16), tmp_path_factory.mktemp("bare310") / "venv")
    assert subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                          text=True, timeout=DEADLINE).stdout == "(3, 10)\n"
    return python


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory):
    """An empty folder to run bundles from, with no wszero.py to shadow the bundled one."""
    return str(tmp_path_factory.mktemp("elsewhere"))


@pytest.fixture(scope="module")
def game_bundle(tmp_path_factory):
    """dist/mygame.pyz built from a folder, and what the build printed.  The folder is then deleted."""
    work = tmp_path_factory.mktemp("game")
    folder = make_folder(work / "mygame", {"main.py": GAME, **PAGES, **PRIVATE})
    printed = build("mygame", "--out", str(work / "dist"), cwd=work)
    shutil.rmtree(folder)
    return str(work / "dist" / "mygame.pyz"), printed


@pytest.fixture(scope="module")
def runner_bundle(tmp_path_factory):
    """dist/wszero.pyz, the runner on its own."""
    work = tmp_path_factory.mktemp("runner")
    build("--out", str(work / "dist"), cwd=work)
    return str(work / "dist" / "wszero.pyz")


@pytest.fixture(scope="module")
def game(game_bundle, bare_python, elsewhere):
    """`python mygame.pyz --port 0` running on the bare Python."""
    program = Program(game_bundle[0], command=[bare_python, game_bundle[0], "--port", "0"],
                      env=bare_environment(), cwd=elsewhere).started()
    yield program
    if program.proc.poll() is None:
        program.proc.kill()
        program.proc.wait()


def names_in(bundle):
    with zipfile.ZipFile(bundle) as z:
        return z.namelist()


def bundle_main(bundle):
    with zipfile.ZipFile(bundle) as z:
        return z.read("__main__.py").decode()


# -- the Python the bundles run on ----------------------------------------------------


def test_the_bare_python_cannot_import_websockets(bare_python, elsewhere):
    done = subprocess.run([bare_python, "-c", "import websockets"], cwd=elsewhere, env=bare_environment(),
                          capture_output=True, text=True, timeout=DEADLINE)
    assert done.returncode == 1
    assert "No module named 'websockets'" in done.stderr


# -- building ----------------------------------------------------------------------------


def test_building_says_where_the_bundle_is_its_size_and_the_pythons_it_runs_on(game_bundle):
    path, printed = game_bundle
    size = round(os.path.getsize(path) / 1024)
    needed = "%d.%d" % NEEDED
    assert printed == (f"Built {path}: {size} KB, all in one file, for Python {needed} or newer. "
                       f"Run it with:  python {path}\n")


@pytest.mark.parametrize("which", ["game", "runner"])
def test_bundles_are_small(which, game_bundle, runner_bundle):
    path = game_bundle[0] if which == "game" else runner_bundle
    assert os.path.getsize(path) < 250 * 1024


def test_game_bundle_holds_the_program_its_pages_wszero_and_websockets(game_bundle):
    names = names_in(game_bundle[0])
    assert {"__main__.py", "wszero.py", "websockets/asyncio/server.py", "program/main.py",
            "program/index.html", "program/style.css", "program/pictures/cat.png"} <= set(names)


def test_game_bundle_leaves_out_dotfiles_and_pycache(game_bundle):
    names = names_in(game_bundle[0])
    assert not [n for n in names if "/." in n or "__pycache__" in n or n.endswith(".pyc")]


def test_game_bundle_leaves_out_the_files_windows_explorer_makes(game_bundle):
    names = names_in(game_bundle[0])
    assert not [n for n in names if n.lower().endswith(("desktop.ini", "thumbs.db"))]


def test_bundles_leave_out_the_parts_of_websockets_a_server_never_uses(runner_bundle):
    names = names_in(runner_bundle)
    unused = ("speedups", "legacy/", "sync/", "trio/", "cli.py", "websockets/client.py", "asyncio/client.py")
    assert [n for n in names if n.startswith("websockets/") and any(u in n for u in unused)] == []
    assert all(n.endswith(".py") for n in names)


def test_bundle_of_a_py_file_is_named_after_it_and_holds_its_folder(tmp_path):
    make_folder(tmp_path / "arcade", {"pong.py": GAME, **PAGES, **PRIVATE})
    build("arcade/pong.py", "--out", "out", cwd=tmp_path)
    names = names_in(tmp_path / "out" / "pong.pyz")
    assert sorted(n for n in names if n.startswith("program/")) == [
        "program/index.html", "program/pictures/cat.png", "program/pong.py", "program/style.css"]


def test_out_that_ends_in_pyz_names_the_bundle_itself_not_a_folder(tmp_path):
    make_folder(tmp_path / "arcade", {"pong.py": GAME, **PAGES})
    said = build("arcade/pong.py", "--out", "share/my game.pyz", cwd=tmp_path)
    assert (tmp_path / "share" / "my game.pyz").is_file()
    assert "program/pong.py" in names_in(tmp_path / "share" / "my game.pyz")
    assert said.startswith("Built share/my game.pyz: ")


def test_building_a_folder_with_no_program_says_why(tmp_path):
    (tmp_path / "empty").mkdir()
    done = subprocess.run([sys.executable, BUILD, "empty"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=DEADLINE * 4)
    assert (done.returncode, done.stderr) == (1, wszero.say.no_program_in_folder("empty") + "\n")


# -- running a game's bundle on a Python with nothing installed ---------------------------------


def test_game_bundle_answers_messages_on_a_bare_python(game):
    with game.client() as client:
        client.send("echo", text="hi")
        assert client.recv_op("echo") == {"op": "echo", "text": "hi"}


@pytest.mark.parametrize("name", ["index.html", "style.css", "pictures/cat.png"])
def test_game_bundle_serves_its_pages_and_assets_from_the_zip(game, name):
    assert get(f"{game.url}/{name}") == (200, PAGES[name])


def test_game_bundle_serves_its_index_page_at_the_top(game):
    assert get(game.url + "/") == (200, PAGES["index.html"])


def test_game_bundle_never_serves_its_python(game):
    assert get(game.url + "/main.py") == (403, wszero.say.python_hidden("main.py").encode())


def test_game_bundle_never_serves_dotfiles(game):
    status, body = get(game.url + "/.secret")
    assert status == 404 and b"SECRET" not in body


def test_game_bundles_not_found_page_lists_the_files_in_the_zip(game):
    status, body = get(game.url + "/dog.png")
    assert status == 404
    assert (b'<ul><li><a href="/index.html">index.html</a></li>'
            b'<li><a href="/pictures">pictures</a></li>'
            b'<li><a href="/style.css">style.css</a></li></ul>') in body


def test_handler_mistake_in_a_bundle_points_at_the_childs_line(game):
    with game.client() as client:
        client.send("oops")
        assert client.error() == (f"The 'oops' handler hit a problem: ZeroDivisionError: division by zero "
                                  f"(main.py, line {OOPS_LINE})")
    game.wait_for_stderr("    return 1 / 0\n")
    assert f'mygame.pyz/program/main.py", line {OOPS_LINE}, in oops' in game.stderr.replace(os.sep, "/")


# -- running any program with the runner's bundle ----------------------------------------------


def test_runner_bundle_runs_a_program_on_a_bare_python(runner_bundle, bare_python, tmp_path):
    make_folder(tmp_path / "chat", {"app.py": GAME, **PAGES})
    app = str(tmp_path / "chat" / "app.py")
    program = Program(app, command=[bare_python, runner_bundle, app, "--port", "0"],
                      env=bare_environment(), cwd=str(tmp_path)).started()
    try:
        with program.client() as client:
            client.send("echo", text="hello")
            assert client.recv_op("echo") == {"op": "echo", "text": "hello"}
    finally:
        assert program.stop() == 0


def test_runner_bundle_shows_how_to_run_a_program_with_it(runner_bundle, bare_python, elsewhere):
    done = subprocess.run([bare_python, runner_bundle], cwd=elsewhere, env=bare_environment(),
                          capture_output=True, text=True, timeout=DEADLINE)
    assert done.stdout == wszero.say.usage("python wszero.pyz") + "\n"


# -- an old Python gets a plain message -------------------------------------------------------


def too_old(needed, running):
    return (f"This program needs Python {needed} or newer, but this is Python {running}. "
            f"Install a newer Python from python.org, then run it again.\n")


def test_old_python_gets_a_plain_message_and_exit_code_1(game_bundle, elsewhere):
    pretend = ("import runpy, sys; sys.version_info = (3, 6, 15, 'final', 0); "
               "runpy.run_path(sys.argv[1], run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", pretend, game_bundle[0]], cwd=elsewhere,
                          env=bare_environment(), capture_output=True, text=True, timeout=DEADLINE)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", too_old("%d.%d" % NEEDED, "3.6"))


@pytest.mark.parametrize("version", [NEEDED + (0,), (3, 12, 1), (4, 0, 0)])
def test_new_enough_python_passes_the_version_check(runner_bundle, version):
    checks = {"__name__": "bundle"}
    exec(bundle_main(runner_bundle), checks)
    assert checks["version_problem"](version) is None


def test_version_check_names_both_versions(runner_bundle):
    checks = {"__name__": "bundle"}
    exec(bundle_main(runner_bundle), checks)
    assert checks["version_problem"]((3, 9, 18)) == too_old("%d.%d" % NEEDED, "3.9").rstrip("\n")


@pytest.mark.parametrize("which", ["game", "runner"])
def test_bundle_main_is_written_in_syntax_python_3_6_reads(which, game_bundle, runner_bundle):
    source = bundle_main(game_bundle[0] if which == "game" else runner_bundle)
    ast.parse(source, feature_version=(3, 6))


# -- the websockets a bundle carries decides the Pythons it runs on ----------------------------


@pytest.mark.parametrize("version, needed", [("16.0", (3, 10)), ("16.1.1", (3, 10)), ("17.4", (3, 11)),
                                             ("10.4", None), ("15.0.1", None), ("18.0", None), ("", None)])
def test_a_bundle_accepts_every_python_its_websockets_runs_on_and_no_other(version, needed):
    assert build_zipapp.python_needed(version) == needed


def test_a_bundle_with_websockets_16_runs_on_a_bare_python_3_10(tmp_path, bare_python_3_10):
    make_folder(tmp_path / "mygame", {"main.py": GAME, **PAGES})
    printed = build("mygame", "--out", "dist", cwd=tmp_path, python=python_with_websockets(16))
    assert "for Python 3.10 or newer" in printed
    bundle = str(tmp_path / "dist" / "mygame.pyz")
    program = Program(bundle, command=[bare_python_3_10, bundle, "--port", "0"], env=bare_environment(),
                      cwd=str(tmp_path)).started()
    try:
        with program.client() as client:
            client.send("echo", text="hi from 3.10")
            assert client.recv_op("echo") == {"op": "echo", "text": "hi from 3.10"}
    finally:
        assert program.stop() == 0


def test_a_bundle_with_websockets_17_tells_python_3_10_which_python_it_needs(tmp_path, bare_python_3_10):
    make_folder(tmp_path / "mygame", {"main.py": GAME})
    printed = build("mygame", "--out", "dist", cwd=tmp_path, python=python_with_websockets(17))
    assert "for Python 3.11 or newer" in printed
    done = subprocess.run([bare_python_3_10, str(tmp_path / "dist" / "mygame.pyz")], cwd=str(tmp_path),
                          env=bare_environment(), capture_output=True, text=True, timeout=DEADLINE)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", too_old("3.11", "3.10"))


def test_building_with_debians_websockets_10_4_says_to_make_a_venv(tmp_path):
    assert websockets_version(DEBIAN_PYTHON) == "10.4", "run bash tests/setup.sh (it installs python3-websockets)"
    make_folder(tmp_path / "mygame", {"main.py": GAME})
    done = subprocess.run([DEBIAN_PYTHON, BUILD, "mygame"], cwd=tmp_path, env=bare_environment(),
                          capture_output=True, text=True, timeout=DEADLINE * 4)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "A bundle needs websockets 16 or 17 inside it, but this Python has websockets 10.4.\n"
        "Make a venv with its own websockets, and build from there:\n"
        "    python3 -m venv venv\n"
        '    venv/bin/python -m pip install "websockets>=16,<18"\n'
        "    venv/bin/python build_zipapp.py mygame\n")
    assert not (tmp_path / "dist").exists()


def test_building_with_no_websockets_says_to_make_a_venv(tmp_path, bare_python):
    done = subprocess.run([bare_python, BUILD, "--out", "out"], cwd=tmp_path, env=bare_environment(),
                          capture_output=True, text=True, timeout=DEADLINE * 4)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("A bundle needs websockets 16 or 17 inside it, but this Python has no websockets.\n")
    assert done.stderr.endswith("    venv/bin/python build_zipapp.py --out out\n")


def with_debians_websockets(bundle, target):
    """A copy of a bundle with Debian's websockets 10.4 inside, as the old build_zipapp.py made on Debian."""
    debian = subprocess.run([DEBIAN_PYTHON, "-c", "import os, websockets; print(os.path.dirname(websockets.__file__))"],
                            capture_output=True, text=True, check=True, timeout=DEADLINE).stdout.strip()
    with zipfile.ZipFile(bundle) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if not name.startswith("websockets/"):
                new.writestr(name, old.read(name))
        for top, dirs, files in os.walk(debian):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                if name.endswith(".py"):
                    new.write(os.path.join(top, name), "websockets/" + os.path.relpath(os.path.join(top, name), debian))
    return target


def test_a_bundle_carrying_a_too_old_websockets_says_so_instead_of_asking_to_install_one(
        runner_bundle, bare_python, tmp_path):
    old = with_debians_websockets(runner_bundle, str(tmp_path / "old.pyz"))
    make_folder(tmp_path / "chat", {"app.py": GAME})
    done = subprocess.run([bare_python, old, "chat/app.py"], cwd=tmp_path, env=bare_environment(),
                          capture_output=True, text=True, timeout=DEADLINE)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "old.pyz was built with websockets 10.4, which is too old for wszero: it needs 16 or newer. "
        "Build old.pyz again with build_zipapp.py and websockets 16 or 17, or ask whoever made it to.\n")


def test_an_installed_websockets_that_is_too_old_is_named_with_how_to_update_it():
    assert wszero.websockets_problem("10.4", "/usr/lib/python3/dist-packages/websockets/__init__.py") == (
        "wszero needs websockets 16 or newer, but this Python has websockets 10.4. "
        "Update it with:  pip install --upgrade websockets")


@pytest.mark.parametrize("version", ["16.0", "16.1.1", "17.4"])
def test_websockets_16_and_17_are_fine(version):
    assert wszero.websockets_problem(version, websockets.__file__) is None


# -- --help ------------------------------------------------------------------------------------


def test_game_bundle_shows_help_instead_of_starting_the_game(game_bundle, bare_python, elsewhere):
    done = subprocess.run([bare_python, game_bundle[0], "--help"], cwd=elsewhere, env=bare_environment(),
                          capture_output=True, text=True, timeout=DEADLINE)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "Run this game:  python mygame.pyz\n"
        "Options:  --port N      use port N (normally 8000)\n"
        "          --open        open the page in the web browser\n"
        "          --window      open the page in its own window\n")


# -- wszero's view of files inside a zip -------------------------------------------------------


def test_in_zip_finds_a_file_inside_a_bundle(game_bundle):
    found = wszero.in_zip(os.path.join(game_bundle[0], "program", "style.css"))
    assert found.read_bytes() == PAGES["style.css"]


def test_in_zip_is_none_for_files_and_folders_on_disk():
    assert (wszero.in_zip(BUILD), wszero.in_zip(ROOT)) == (None, None)


def test_find_program_finds_main_py_in_a_folder_inside_a_bundle(game_bundle):
    folder = os.path.join(game_bundle[0], "program")
    assert wszero.find_program(folder) == os.path.join(folder, "main.py")
