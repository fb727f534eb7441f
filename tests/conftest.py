"""Shared test helpers: run a wszero program for real, and talk to it for real.

Programs run in their own process through the runner (`python -m wszero`), on
a free port of 127.0.0.1; clients are real websockets clients and, for the
browser tests, Debian's Chromium driven by Playwright.  Nothing here sleeps to
synchronise: helpers wait for a condition, with a generous deadline.
"""

import ast
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
CHROMIUM = "/usr/bin/chromium"
DEADLINE = 30  # seconds: generous, for a busy 2-core machine

sys.path.insert(0, ROOT)


def wait_for(condition, timeout=DEADLINE, what="the condition"):
    """Poll `condition` until it returns something true, and return that.

    `what` says what was awaited; a function is called at the deadline, so
    the message can show the state at the end.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout}s for {what() if callable(what) else what}")
        time.sleep(0.01)


def recorded(app, count):
    """The first `count` lines a test program printed as ``RECEIVED <a Python literal>``, read back.

    The browser tests' programs print what their handlers got that way, so a
    test can compare it with what the page should have sent.
    """
    def lines():
        found = [line[len("RECEIVED "):] for line in app.stdout.splitlines() if line.startswith("RECEIVED ")]
        return found if len(found) >= count else None
    return [ast.literal_eval(line) for line in wait_for(lines, what=f"{count} messages in the terminal")]


def in_a_thread(coroutine):
    """Run a coroutine to its end on a loop of its own, in a thread of its own, and return its result.

    The browser tests' Playwright keeps an event loop running in the main
    thread for the whole session, so asyncio.run() can't be called there.
    """
    outcome = {}

    def main():
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed back to the test below
            outcome["error"] = exc

    thread = threading.Thread(target=main)
    thread.start()
    thread.join(900)
    assert not thread.is_alive(), "the clients never finished"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def environment(**extra):
    env = dict(os.environ, PYTHONPATH=ROOT, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def browser_recorder(tmp_path):
    """A BROWSER command that writes down the address it was asked to open."""
    record = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" >> {record}\n')
    script.chmod(0o755)
    return f"{script} %s", record


class Program:
    """A wszero program running in its own process, on a free port."""

    def __init__(self, path, args=(), command=None, env=None, cwd=None):
        self.path = path
        command = command or [sys.executable, "-m", "wszero", path, "--port", "0"]
        self.proc = subprocess.Popen(
            [*command, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace", env=env or environment(), cwd=cwd or os.path.dirname(path))
        self._out, self._err = [], []
        self._readers = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                         for stream, lines in ((self.proc.stdout, self._out), (self.proc.stderr, self._err))]
        for reader in self._readers:
            reader.start()
        self.port = None

    def _read(self, stream, lines):
        for line in stream:
            lines.append(line)

    @property
    def stdout(self):
        return "".join(self._out)

    @property
    def stderr(self):
        return "".join(self._err)

    def started(self):
        """Wait until the start-up screen shows the address, and return self."""
        def address():
            if self.proc.poll() is not None:
                raise AssertionError(f"the program ended early:\n{self.stdout}\n{self.stderr}")
            found = re.search(r"http://localhost:(\d+)", self.stdout)
            return found and int(found.group(1))
        self.port = wait_for(address, what="the start-up screen")
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/ws"

    def wait_for_stderr(self, text):
        return wait_for(lambda: text in self.stderr, what=lambda: f"{text!r} in the terminal; it shows:\n{self.stderr}")

    def wait_for_stdout(self, text):
        return wait_for(lambda: text in self.stdout, what=lambda: f"{text!r} in the terminal; it shows:\n{self.stdout}")

    def client(self):
        return Client(self.ws_url)

    def stop(self, sig=signal.SIGINT):
        """Stop it as Ctrl+C would, and return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        for reader in self._readers:
            reader.join(DEADLINE)
        return code


class Client:
    """A real websockets client speaking wszero's JSON messages."""

    def __init__(self, url):
        from websockets.sync.client import connect
        self._connection = connect(url, open_timeout=DEADLINE)
        self.ws = self._connection.__enter__()
        hello = self.recv_raw()
        assert hello["op"] == "wszero:hello", hello

    def send(self, op, **params):
        self.ws.send(json.dumps({"op": op, **params}))

    def send_raw(self, data):
        self.ws.send(data)

    def recv_raw(self, timeout=DEADLINE):
        return json.loads(self.ws.recv(timeout=timeout))

    def recv(self, timeout=DEADLINE):
        """The next message."""
        return self.recv_raw(timeout)

    def recv_op(self, op, timeout=DEADLINE):
        """The next message with this op, skipping others."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.recv_raw(max(0.01, deadline - time.monotonic()))
            if msg["op"] == op:
                return msg

    def ask(self, op, **params):
        """Send a request, and return the handler's return value (skipping other messages)."""
        self._asked = getattr(self, "_asked", 0) + 1
        self.send(op, **params, **{"wszero:id": self._asked})
        while True:
            msg = self.recv_raw()
            if msg.get("id") == self._asked:
                assert msg["op"] == "wszero:reply", msg
                return msg["result"]

    def error(self, timeout=DEADLINE):
        """The text of the next error the server sends."""
        return self.recv_op("wszero:error", timeout)["error"]

    def close(self):
        self._connection.__exit__(None, None, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@pytest.fixture
def run(tmp_path):
    """run(source, files={...}, args=[...]) starts a program and waits until it serves."""
    programs = []

    def start(source=None, path=None, files=None, args=(), wait=True, **kwargs):
        if source is not None:
            path = tmp_path / "app.py"
            path.write_text(textwrap.dedent(source))
        for name, content in (files or {}).items():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content if isinstance(content, bytes) else content.encode())
        program = Program(str(path), args, **kwargs)
        programs.append(program)
        return program.started() if wait else program

    yield start
    for program in programs:
        if program.proc.poll() is None:
            program.proc.kill()
            program.proc.wait()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium.  Missing Chromium fails the test: it never skips."""
    from playwright.sync_api import sync_playwright
    assert os.path.exists(CHROMIUM), "Chromium is missing: apt-get install chromium"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        yield chromium
        chromium.close()


class Page:
    """A browser tab with its console messages collected.

    It waits until wszero.js is connected, unless `connected=False` (for
    pages that are never meant to connect).
    """

    def __init__(self, context, url, connected=True):
        self.context = context
        self.page = context.new_page()
        self.console = []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.console.append(("pageerror", str(e))))
        self.page.goto(url)
        if connected:
            self.page.wait_for_function("window.wszero && wszero.state === 'open'", timeout=DEADLINE * 1000)

    def console_text(self, kind):
        return [text for t, text in self.console if t == kind]

    def wait_for_console(self, kind, text):
        """Wait for a console message containing `text`, and return it.

        Playwright's sync API delivers events only while one of its calls
        runs, so this waits inside Playwright rather than polling the list.
        """
        for seen in self.console_text(kind):
            if text in seen:
                return seen
        return self.page.wait_for_event("console", predicate=lambda m: m.type == kind and text in m.text,
                                        timeout=DEADLINE * 1000).text


@pytest.fixture
def open_page(browser):
    """open_page(url) opens a tab in its own browser context and waits until it is connected."""
    contexts = []

    def opener(url, connected=True):
        context = browser.new_context()
        contexts.append(context)
        return Page(context, url, connected)

    yield opener
    for context in contexts:
        context.close()


def pytest_addoption(parser):
    parser.addoption("--update-pictures", action="store_true",
                     help="take the screenshots in docs/pictures again (tests/test_pictures.py)")
