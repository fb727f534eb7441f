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

from conftest import DEADLINE, ROOT, Program

import wszero

BUILD = os.path.join(ROOT, "build_zipapp.py")

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


def build(*args, cwd):
    """Run build_zipapp.py and return what it printed."""
    done = subprocess.run([sys.executable, BUILD, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=DEADLINE * 4)
    assert done.returncode == 0, done.stderr
    return done.stdout


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
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=DEADLINE * 4)
    return str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))


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


def test_building_says_where_the_bundle_is_and_its_size(game_bundle):
    path, printed = game_bundle
    size = round(os.path.getsize(path) / 1024)
    assert printed == f"Built {path}: {size} KB, all in one file. Run it with:  python {path}\n"


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

TOO_OLD = ("This program needs Python 3.11 or newer, but this is Python 3.6. "
           "Install a newer Python from python.org, then run it again.\n")


def test_old_python_gets_a_plain_message_and_exit_code_1(game_bundle, elsewhere):
    pretend = ("import runpy, sys; sys.version_info = (3, 6, 15, 'final', 0); "
               "runpy.run_path(sys.argv[1], run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", pretend, game_bundle[0]], cwd=elsewhere,
                          env=bare_environment(), capture_output=True, text=True, timeout=DEADLINE)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", TOO_OLD)


@pytest.mark.parametrize("version", [(3, 11, 0), (3, 12, 1), (4, 0, 0)])
def test_new_enough_python_passes_the_version_check(runner_bundle, version):
    checks = {"__name__": "bundle"}
    exec(bundle_main(runner_bundle), checks)
    assert checks["version_problem"](version) is None


def test_version_check_names_both_versions(runner_bundle):
    checks = {"__name__": "bundle"}
    exec(bundle_main(runner_bundle), checks)
    assert checks["version_problem"]((3, 10, 13)) == TOO_OLD.replace("3.6", "3.10").rstrip("\n")


@pytest.mark.parametrize("which", ["game", "runner"])
def test_bundle_main_is_written_in_syntax_python_3_6_reads(which, game_bundle, runner_bundle):
    source = bundle_main(game_bundle[0] if which == "game" else runner_bundle)
    ast.parse(source, feature_version=(3, 6))


# -- wszero's view of files inside a zip -------------------------------------------------------


def test_in_zip_finds_a_file_inside_a_bundle(game_bundle):
    found = wszero.in_zip(os.path.join(game_bundle[0], "program", "style.css"))
    assert found.read_bytes() == PAGES["style.css"]


def test_in_zip_is_none_for_files_and_folders_on_disk():
    assert (wszero.in_zip(BUILD), wszero.in_zip(ROOT)) == (None, None)


def test_find_program_finds_main_py_in_a_folder_inside_a_bundle(game_bundle):
    folder = os.path.join(game_bundle[0], "program")
    assert wszero.find_program(folder) == os.path.join(folder, "main.py")
