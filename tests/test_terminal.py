"""The terminal is wszero's: a page's text never reaches it raw.

A real program runs in its own process; real clients send ops, keys, names,
page errors and a protocol version holding terminal escape codes.  The
process's own output must show each code as an escape (\\x1b), and must not
hold one control character: the teacher's screen is never cleared.
"""

import json
import urllib.parse

from websockets.sync.client import connect

from conftest import DEADLINE

CLEAR = "\x1b[2J"           # clears the screen
TITLE = "\x1b]0;hacked\x07"  # sets the window's title
CSI = "\x9b2J"               # the one-character form of \x1b[
SHOWN = r"\x1b[2J"

PROGRAM = """\
from wszero import *

@on('name')
def name(client, name):
    client.name = name
    client.send('named')

@on('fail')
def fail(client, text):
    raise ValueError(text)

run_server()
"""


def no_control_characters(text):
    return [hex(ord(c)) for c in text if (ord(c) < 32 and c != "\n") or 0x7f <= ord(c) < 0xa0]


def test_every_line_with_a_pages_text_shows_its_control_characters_as_escapes(run):
    program = run(PROGRAM)
    with program.client() as ada:
        ada.send("name", name=f"{CLEAR}Ada{CSI}")
        ada.recv_op("named")
        name = r"\x1b[2JAda\x9b2J"
        sent = {
            "an unknown op": json.dumps({"op": CLEAR}),
            "a reserved op": json.dumps({"op": "wszero:" + CLEAR}),
            "not JSON": CLEAR + " hi",
            "an unexpected key": json.dumps({"op": "name", "name": "x", CLEAR: 1}),
        }
        for what, text in sent.items():
            ada.send_raw(text)
            assert ada.error(), what
        ada.send_raw(json.dumps({"op": "wszero:page-error", "message": TITLE + CLEAR, "where": CLEAR}))
        ada.send("fail", text=CLEAR + "\nPlayer 9 left.")
        ada.error()
        expected_errors = [
            f"{name}: No handler for '{SHOWN}'",
            f"{name}: A page can't send 'wszero:{SHOWN}'",
            f"{name}: This message isn't JSON, so wszero can't read it: {SHOWN} hi.",
            f"{name}: The 'name' message has '{SHOWN}', but the handler only takes 'name'.",
            rf"Error in the page ({SHOWN}): \x1b]0;hacked\x07{SHOWN}",
            rf"ValueError: {SHOWN}\nPlayer 9 left.",
        ]
        for line in expected_errors:
            program.wait_for_stderr(line)
    program.wait_for_stdout(f"{name} left.\n")

    version = urllib.parse.quote(CLEAR)
    with connect(f"{program.ws_url}?v={version}", open_timeout=DEADLINE, proxy=None) as wrong:
        wrong.recv(timeout=DEADLINE)
    program.wait_for_stderr(f"This page's wszero.js speaks version {SHOWN}, but the server speaks version 1.")

    assert program.stop() == 0
    assert no_control_characters(program.stdout) == []
    assert no_control_characters(program.stderr) == []
    assert "Player 9 left." not in program.stdout  # a page can't print a line that looks like wszero's
