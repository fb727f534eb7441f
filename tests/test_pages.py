"""Pages that couldn't work: one opened as a file, and one that forgot wszero.js.

A page with data-op or data-on that doesn't load wszero.js gets it added
by the server: serve_file is checked directly, then over real HTTP, then
in Chromium.  A page opened by double-clicking (file:) says in its panel
how to open it instead.
"""

import shutil

import pytest
from playwright.sync_api import expect

import wszero
from conftest import DEADLINE, ROOT
from test_attributes import RECORDER, received
from test_http import ANSWERS_EVERY_METHOD, request

MS = DEADLINE * 1000
STUB = b'<script src="/wszero.js"></script>'


def served(tmp_path, page):
    """The body serve_file sends for index.html holding `page`."""
    (tmp_path / "index.html").write_bytes(page)
    status, reason, ctype, body = wszero.serve_file(str(tmp_path), "/index.html")
    assert status == 200 and ctype == "text/html; charset=utf-8"
    return body


# -- the stub is added to pages that need it -------------------------------------------------


def test_page_with_data_op_gets_the_stub_just_before_the_end_of_its_head(tmp_path):
    page = b"<!doctype html><html><head><title>Game</title></HEAD><body><button data-op='go'>Go</button></body>"
    assert served(tmp_path, page) == page.replace(b"</HEAD>", STUB + b"</HEAD>")


def test_page_with_data_on_and_no_head_gets_the_stub_just_after_its_doctype(tmp_path):
    page = b"\n<!DOCTYPE html>\n<ul data-on=\"chat\"><li>{text}</li></ul>\n"
    assert served(tmp_path, page) == b"\n<!DOCTYPE html>" + STUB + b"\n<ul data-on=\"chat\"><li>{text}</li></ul>\n"


def test_page_with_no_head_and_no_doctype_gets_the_stub_first(tmp_path):
    page = b"<form data-op=\"chat\"><input name=\"text\"></form>"
    assert served(tmp_path, page) == STUB + page


@pytest.mark.parametrize("page", [
    b'<script src="/wszero.js"></script><form data-op="chat"></form>',
    b'<script src="http://192.168.1.23:8000/wszero.js"></script><form data-op="chat"></form>',
    b'<script type="module">import wszero from "/wszero.mjs";</script><p data-on="chat">{text}</p>',
    b"<h1>No messages here</h1><p data-one=\"1\">data-one is not data-on</p>",
])
def test_page_that_loads_the_stub_or_uses_no_data_op_or_data_on_is_sent_as_it_is(tmp_path, page):
    assert served(tmp_path, page) == page


def test_stub_is_not_added_to_files_that_are_not_html(tmp_path):
    (tmp_path / "notes.txt").write_bytes(b"<form data-op=\"chat\">")
    assert wszero.serve_file(str(tmp_path), "/notes.txt")[3] == b"<form data-op=\"chat\">"


def test_stub_is_added_over_http_with_the_right_length_for_get_and_head(run):
    page = "<!doctype html>\n<p data-on=\"score\">{points}</p>\n"
    app = run(RECORDER, files={"index.html": page})
    expected = page.replace("<!doctype html>", "<!doctype html>" + STUB.decode()).encode()
    for path in ("/", "/index.html"):
        got = request(app, path)
        assert (got.status, got.body) == (200, expected)
        if not ANSWERS_EVERY_METHOD:
            continue  # websockets 16 (Python 3.10) drops HEAD before wszero sees it: see test_http
        head = request(app, path, method="HEAD")
        assert (head.status, head.headers["Content-Length"], head.body) == (200, str(len(expected)), b"")


def test_form_in_a_page_that_forgot_the_stub_sends_its_message(run, open_page):
    app = run(RECORDER, files={"index.html": '<form data-op="form"><input name="text" value="hi"><button>Send</button></form>\n'})
    page = open_page(app.url)
    page.page.click("button")
    assert received(app, 1) == [("form", {"text": ("str", "hi")})]


# -- a page opened as a file -------------------------------------------------------------------


def test_page_opened_as_a_file_says_to_run_the_program_and_open_its_address(tmp_path, open_page):
    shutil.copy(f"{ROOT}/wszero.js", tmp_path / "wszero.js")
    (tmp_path / "index.html").write_text('<!doctype html>\n<script src="wszero.js"></script>\n<h1>My game</h1>\n')
    page = open_page((tmp_path / "index.html").as_uri(), connected=False)
    sentence = ("This page was opened as a file, so it can't talk to your program. "
                "Run your program, then open the address it shows, like http://localhost:8000")
    expect(page.page.locator("[role=alert] p")).to_have_text([sentence], timeout=MS)
    assert page.wait_for_console("error", sentence) == "wszero: " + sentence
    assert page.console_text("pageerror") == []
