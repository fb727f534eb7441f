"""The web pages, over real HTTP, from a running program.

A quiz program runs in its own process with a folder that holds things no
browser may ever read: the answers in quiz.py, a dotfile, a .git folder,
__pycache__, and links that point out of the folder.  Requests are sent with
http.client (or a bare socket), so each path reaches the server exactly as
written here, with no browser tidying it up first.  Every secret file holds
the text "SECRET-", so one check shows that none of them leaked.
"""

import http.client
import socket

import pytest
import websockets

import wszero
from conftest import DEADLINE

#: websockets 16 (the one for Python 3.10) closes the connection on any method
#: but GET before wszero sees the request; from 17 on, wszero answers it.
ANSWERS_EVERY_METHOD = int(websockets.__version__.split(".")[0]) >= 17

APP = """\
    from wszero import *
    from quiz import answers

    @on('answer')
    def answer(client, choice):
        client.send('result', right=choice in answers)

    run_server()
    """

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
INDEX = "<h1>Capital cities quiz</h1>"

FILES = {
    "index.html": INDEX,
    "quiz.py": "answers = ['SECRET-ANSWER', 'Paris']\n",
    "pictures/index.html": "<h1>Pictures</h1>",
    "pictures/cat.png": PNG,
    ".secret": "SECRET-DOTFILE",
    ".git/config": "SECRET-DOT-FOLDER",
    "__pycache__/quiz.cpython-311.pyc": b"SECRET-COMPILED",
    "desktop.ini": "[.ShellClassInfo]\r\nSECRET-WINDOWS",
    "pictures/Thumbs.db": b"SECRET-THUMBNAILS",
}

PYTHON_HIDDEN = ("quiz.py is part of the program, and wszero never sends Python files to browsers, "
                 "so nobody can read the code (or the answers in it!).")


@pytest.fixture
def outside(tmp_path_factory):
    """A folder next to the program's folder, with a private file in it."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "diary.txt").write_text("SECRET-OUTSIDE")
    return folder


@pytest.fixture
def quiz(run, tmp_path, outside):
    """The quiz program, running, with links in its folder that point outside it."""
    (tmp_path / "diary.txt").symlink_to(outside / "diary.txt")
    (tmp_path / "elsewhere").symlink_to(outside, target_is_directory=True)
    return run(APP, files=FILES)


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self):
        return f"<Reply {self.status} {self.body[:200]!r}>"


def request(program, path, method="GET", headers=None):
    """Send one request with the path exactly as written; return the reply."""
    connection = http.client.HTTPConnection("127.0.0.1", program.port, timeout=DEADLINE)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def raw(program, data):
    """Send bytes on a bare socket; return everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", program.port), timeout=DEADLINE) as sock:
        sock.sendall(data)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk


def poke(program, data):
    """Send bytes the server can't make sense of; it may close without a word, or reset."""
    try:
        return raw(program, data)
    except ConnectionError:
        return b""


def assert_never_served(reply, status=404):
    assert reply.status == status, reply
    assert b"SECRET-" not in reply.body, reply
    assert b"root:" not in reply.body, reply


# =============================================================================
# What is served
# =============================================================================


def test_index_html_is_served_at_the_root(quiz):
    reply = request(quiz, "/")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.body == INDEX.encode()


def test_subfolder_serves_its_index_html(quiz):
    reply = request(quiz, "/pictures/")
    assert (reply.status, reply.body) == (200, b"<h1>Pictures</h1>")


def test_folder_asked_for_without_its_slash_is_redirected_so_its_links_work(quiz):
    # Served at /pictures, the page's relative links (<img src="cat.png">) would look in /.
    reply = request(quiz, "/pictures")
    assert reply.status in (301, 302, 307, 308), reply
    assert reply.headers["Location"] == "/pictures/"


def test_files_in_subfolders_are_served_with_their_content_type(quiz):
    reply = request(quiz, "/pictures/cat.png")
    assert (reply.status, reply.headers["Content-Type"], reply.body) == (200, "image/png", PNG)
    assert reply.headers["Content-Length"] == str(len(PNG))


def test_head_gives_the_real_length_and_no_body(quiz):
    answer = raw(quiz, b"HEAD /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
    if not ANSWERS_EVERY_METHOD:
        assert answer == b""
        return
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), answer
    assert f"\r\nContent-Length: {len(INDEX)}\r\n".encode() in head + b"\r\n", answer
    assert b"\r\nContent-Type: text/html; charset=utf-8\r\n" in head + b"\r\n", answer
    assert body == b""


def test_head_of_a_python_file_is_refused_without_a_body(quiz):
    answer = raw(quiz, b"HEAD /quiz.py HTTP/1.1\r\nHost: localhost\r\n\r\n")
    if not ANSWERS_EVERY_METHOD:
        assert answer == b""
        return
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 403 Forbidden\r\n"), answer
    assert f"\r\nContent-Length: {len(PYTHON_HIDDEN)}\r\n".encode() in head + b"\r\n", answer
    assert body == b""


def test_wszero_js_is_always_the_embedded_stub(run):
    program = run(APP, files={**FILES, "wszero.js": "// an old copy someone saved next to the program"})
    reply = request(program, "/wszero.js")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert reply.body == wszero.JS.encode()


def test_favicon_is_served_when_the_folder_has_none(quiz):
    reply = request(quiz, "/favicon.ico")
    assert (reply.status, reply.headers["Content-Type"], reply.body) == (200, "image/svg+xml", wszero.FAVICON.encode())


def test_the_folders_own_favicon_is_served(run):
    program = run(APP, files={**FILES, "favicon.ico": b"\0\0\1\0my icon"})
    reply = request(program, "/favicon.ico")
    assert (reply.status, reply.body) == (200, b"\0\0\1\0my icon")


# =============================================================================
# What is never served
# =============================================================================


@pytest.mark.parametrize("path", ["/quiz.py", "/app.py"])
def test_python_files_are_never_served(quiz, path):
    reply = request(quiz, path)
    assert_never_served(reply, 403)
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert reply.body.decode() == PYTHON_HIDDEN.replace("quiz.py", path[1:])


@pytest.mark.parametrize("path", ["/QUIZ.PY", "/quiz%2epy", "/quiz%2Epy", "/quiz.py/", "/quiz.py?download=1"])
def test_python_files_are_never_served_in_other_spellings(quiz, path):
    assert_never_served(request(quiz, path), 403)


@pytest.mark.parametrize("path", [
    "/..%2f", "/%2e%2e/", "/..", "/../{outside}/diary.txt", "/%2e%2e/{outside}/diary.txt",
    "/..%2f{outside}%2fdiary.txt", "/..%2F{outside}%2Fdiary.txt", "/pictures/../../{outside}/diary.txt",
    "/sub/..%5c..%5cquiz.py", "/pictures/..%5c..%5c{outside}%5cdiary.txt", "/..\\{outside}\\diary.txt",
    "//etc/passwd", "/../../../../../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/quiz.py%00.html", "/%ff",
])
def test_paths_that_leave_the_folder_are_never_served(quiz, outside, path):
    assert_never_served(request(quiz, path.format(outside=outside.name)))


@pytest.mark.parametrize("path", ["/.secret", "/%2esecret", "/.git/config", "/.git/", "/pictures/../.git/config"])
def test_dotfiles_and_dot_folders_are_never_served(quiz, path):
    assert_never_served(request(quiz, path))


@pytest.mark.parametrize("path", ["/__pycache__/quiz.cpython-311.pyc", "/__pycache__/", "/__pycache__"])
def test_pycache_is_never_served(quiz, path):
    assert_never_served(request(quiz, path))


@pytest.mark.parametrize("path", ["/desktop.ini", "/DESKTOP.INI", "/pictures/Thumbs.db", "/pictures/thumbs.db"])
def test_the_files_windows_explorer_makes_are_never_served(quiz, path):
    assert_never_served(request(quiz, path))


@pytest.mark.parametrize("path", ["/diary.txt", "/elsewhere/diary.txt", "/elsewhere/"])
def test_links_pointing_out_of_the_folder_are_never_served(quiz, path):
    assert_never_served(request(quiz, path))


def test_missing_file_gets_a_page_naming_it_and_listing_what_is_there(quiz):
    reply = request(quiz, "/dog.png")
    assert reply.status == 404
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    page = reply.body.decode()
    assert "<h1>There is no file called /dog.png</h1><p>The files wszero can show are:</p>" in page
    assert '<li><a href="/index.html">index.html</a></li>' in page
    assert '<li><a href="/pictures">pictures</a></li>' in page
    for hidden in ("app.py", "quiz.py", ".secret", ".git", "__pycache__", "desktop.ini"):
        assert hidden not in page
    assert "Thumbs.db" not in request(quiz, "/pictures/dog.png").body.decode()


# =============================================================================
# Requests that are not for pages
# =============================================================================


def test_plain_get_of_the_socket_address_gets_426_and_a_sentence(quiz):
    reply = request(quiz, "/ws")
    assert reply.status == 426
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert reply.body.decode() == "This address is for wszero's live connection. Open / instead."


def test_post_gets_405_and_a_sentence(quiz):
    if not ANSWERS_EVERY_METHOD:
        assert poke(quiz, b"POST / HTTP/1.1\r\nHost: localhost\r\n\r\n") == b""
        return
    reply = request(quiz, "/", method="POST")
    assert reply.status == 405
    assert reply.body.decode() == "wszero only serves pages (GET and HEAD), not POST."


def test_other_methods_get_405_and_a_sentence(quiz):
    if not ANSWERS_EVERY_METHOD:
        assert poke(quiz, b"DELETE /quiz.py HTTP/1.1\r\nHost: localhost\r\n\r\n") == b""
        return
    reply = request(quiz, "/quiz.py", method="DELETE")
    assert reply.status == 405
    assert reply.body.decode() == "wszero only serves pages (GET and HEAD), not DELETE."


def test_server_keeps_serving_after_bad_requests(quiz):
    for path in ("/..%2f", "/%2e%2e/", "/sub/..%5c..%5cquiz.py", "//etc/passwd", "/%ff", "/quiz.py", "/ws"):
        request(quiz, path)
    poke(quiz, b"POST / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    poke(quiz, b"NONSENSE\r\n\r\n")
    poke(quiz, b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello")
    poke(quiz, b"GET /\xff\xfe HTTP/1.1\r\nHost: localhost\r\n\r\n")
    poke(quiz, b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")

    assert request(quiz, "/").body == INDEX.encode()
    with quiz.client() as client:
        client.send("answer", choice="Paris")
        assert client.recv_op("result") == {"op": "result", "right": True}
    assert quiz.stop() == 0
    assert "Traceback" not in quiz.stderr
