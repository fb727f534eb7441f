"""Which pages may connect: the origin policy, as a table and over real handshakes.

check_origin() and check_host() are pure, so one table holds the whole
policy: every row is an Origin and a Host a request could carry, and what
wszero answers.  Then a real program is asked the same over real HTTP and
websocket handshakes on 127.0.0.1, and the terminal is read.  The sentences
are written out in full: a teacher reads them.
"""

import socket

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

import wszero
from conftest import DEADLINE

NAMES = frozenset({"ada-laptop", "ada-laptop.local"})  # this computer's names, for the table
HOST = ["127.0.0.1:8000"]
EXAMPLE = frozenset({"https://example.com"})

OK, REFUSED, MALFORMED = None, 403, 400

# (Origin headers, Host headers, the origins setting, what wszero answers)
POLICY = [
    # Not a browser, or a page from wszero's own address
    pytest.param([], HOST, frozenset(), OK, id="no Origin"),
    pytest.param([], [], frozenset(), OK, id="no Origin and no Host"),
    pytest.param(["http://127.0.0.1:8000"], HOST, frozenset(), OK, id="same address"),
    pytest.param(["http://127.0.0.1:5173"], HOST, frozenset(), OK, id="same address, another port"),
    pytest.param(["http://192.168.1.5:3000"], ["192.168.1.5:8000"], frozenset(), OK, id="same LAN address"),
    pytest.param(["https://203.0.113.7"], ["203.0.113.7:8000"], frozenset(), OK, id="same public address"),
    pytest.param(["http://ada-laptop:8000"], ["ada-laptop:8000"], frozenset(), OK, id="same name"),
    pytest.param(["http://[2001:db8::7]:3000"], ["[2001:db8::7]:8000"], frozenset(), OK, id="same IPv6 address"),
    # This computer
    pytest.param(["http://localhost:5173"], HOST, frozenset(), OK, id="localhost dev server"),
    pytest.param(["http://LOCALHOST:5173"], HOST, frozenset(), OK, id="localhost in capitals"),
    pytest.param(["http://localhost.:5173"], HOST, frozenset(), OK, id="localhost with a final dot"),
    pytest.param(["http://app.localhost:3000"], HOST, frozenset(), OK, id="a name under .localhost"),
    pytest.param(["http://127.5.6.7"], HOST, frozenset(), OK, id="127/8"),
    pytest.param(["http://[::1]:5173"], ["[::1]:8000"], frozenset(), OK, id="::1"),
    pytest.param(["http://[::ffff:127.0.0.1]"], HOST, frozenset(), OK, id="IPv4-mapped 127.0.0.1"),
    # Private networks
    pytest.param(["http://10.1.2.3"], HOST, frozenset(), OK, id="10/8"),
    pytest.param(["http://172.16.0.1"], HOST, frozenset(), OK, id="172.16/12, first"),
    pytest.param(["http://172.31.255.255"], HOST, frozenset(), OK, id="172.16/12, last"),
    pytest.param(["http://192.168.0.10:8080"], HOST, frozenset(), OK, id="192.168/16"),
    pytest.param(["http://169.254.1.1"], HOST, frozenset(), OK, id="169.254/16"),
    pytest.param(["http://[fd12:3456::1]:8000"], HOST, frozenset(), OK, id="fc00::/7"),
    pytest.param(["http://[fe80::1]"], HOST, frozenset(), OK, id="fe80::/10"),
    pytest.param(["http://[::ffff:192.168.1.5]"], HOST, frozenset(), OK, id="IPv4-mapped 192.168.1.5"),
    pytest.param(["http://[::ffff:10.0.0.1]:80"], HOST, frozenset(), OK, id="IPv4-mapped 10.0.0.1"),
    pytest.param(["http://ada-laptop.local:8000"], HOST, frozenset(), OK, id="*.local"),
    pytest.param(["http://printer.local"], ["printer.local:8000"], frozenset(), OK, id="*.local Host"),
    # Let in by the setting
    pytest.param(["https://example.com"], HOST, EXAMPLE, OK, id="an origin in the setting"),
    pytest.param(["https://Example.COM"], HOST, EXAMPLE, OK, id="an origin in the setting, in capitals"),
    pytest.param(["https://example.com"], ["example.com"], EXAMPLE, OK, id="a Host named in the setting"),
    pytest.param(["https://evil.example"], ["evil.example"], "*", OK, id="every origin with '*'"),
    pytest.param(["null"], HOST, frozenset({"null"}), OK, id="null in the setting"),
    # Pages from elsewhere
    pytest.param(["https://evil.example"], HOST, frozenset(), REFUSED, id="a website"),
    pytest.param(["null"], HOST, frozenset(), REFUSED, id="null"),
    pytest.param(["http://8.8.8.8"], HOST, frozenset(), REFUSED, id="a public address"),
    pytest.param(["http://172.32.0.1"], HOST, frozenset(), REFUSED, id="just past 172.16/12"),
    pytest.param(["http://172.15.255.255"], HOST, frozenset(), REFUSED, id="just before 172.16/12"),
    pytest.param(["http://192.169.0.1"], HOST, frozenset(), REFUSED, id="just past 192.168/16"),
    pytest.param(["http://100.64.0.1"], HOST, frozenset(), REFUSED, id="shared address space"),
    pytest.param(["http://192.0.2.1"], HOST, frozenset(), REFUSED, id="documentation IPv4"),
    pytest.param(["http://[2001:db8::1]"], HOST, frozenset(), REFUSED, id="documentation IPv6"),
    pytest.param(["http://[::ffff:8.8.8.8]"], HOST, frozenset(), REFUSED, id="IPv4-mapped public address"),
    pytest.param(["http://0.0.0.0:8000"], HOST, frozenset(), REFUSED, id="0.0.0.0"),
    pytest.param(["http://localhost.evil.example"], HOST, frozenset(), REFUSED, id="localhost as a subdomain"),
    pytest.param(["http://evil.local.example"], HOST, frozenset(), REFUSED, id="local as a subdomain"),
    pytest.param(["http://evillocalhost"], HOST, frozenset(), REFUSED, id="ends in localhost, no dot"),
    pytest.param(["chrome-extension://abcdefgh"], HOST, frozenset(), REFUSED, id="a browser extension"),
    pytest.param(["ws://localhost:5173"], HOST, frozenset(), REFUSED, id="not a page's scheme"),
    pytest.param(["https://example.com.evil.example"], HOST, EXAMPLE, REFUSED, id="the setting is exact"),
    pytest.param(["https://example.com:8443"], HOST, EXAMPLE, REFUSED, id="the setting's port is exact"),
    pytest.param(["http://example.com"], HOST, EXAMPLE, REFUSED, id="the setting's scheme is exact"),
    # DNS rebinding: a strange name in Host
    pytest.param(["http://evil.example:8000"], ["evil.example:8000"], frozenset(), REFUSED, id="rebinding"),
    pytest.param([], ["evil.example:8000"], frozenset(), REFUSED, id="rebinding, no Origin"),
    pytest.param(["http://localhost:5173"], ["evil.example"], frozenset(), REFUSED, id="rebinding, local Origin"),
    pytest.param(["https://example.com"], ["evil.example"], EXAMPLE, REFUSED, id="rebinding, allowed Origin"),
    # Malformed
    pytest.param(["http://localhost:99999"], HOST, frozenset(), MALFORMED, id="port too big"),
    pytest.param(["http://localhost:abc"], HOST, frozenset(), MALFORMED, id="port not a number"),
    pytest.param(["http://localhost:"], HOST, frozenset(), MALFORMED, id="port missing"),
    pytest.param(["http://ada@localhost"], HOST, frozenset(), MALFORMED, id="user info"),
    pytest.param(["http://ada:pw@localhost:5173"], HOST, frozenset(), MALFORMED, id="user and password"),
    pytest.param(["file://"], HOST, frozenset(), MALFORMED, id="file://"),
    pytest.param(["file:///home/ada/index.html"], HOST, frozenset(), MALFORMED, id="a file's path"),
    pytest.param(["http://localhost/"], HOST, frozenset(), MALFORMED, id="a path"),
    pytest.param(["localhost:5173"], HOST, frozenset(), MALFORMED, id="no scheme"),
    pytest.param([""], HOST, frozenset(), MALFORMED, id="empty"),
    pytest.param(["http://"], HOST, frozenset(), MALFORMED, id="no host"),
    pytest.param(["http://[::1"], HOST, frozenset(), MALFORMED, id="unclosed bracket"),
    pytest.param(["http://[zz::1]"], HOST, frozenset(), MALFORMED, id="not an IPv6 address"),
    pytest.param(["http://local host"], HOST, frozenset(), MALFORMED, id="a space"),
    pytest.param(["http://localhost:5173", "http://localhost:5173"], HOST, frozenset(), MALFORMED,
                 id="two Origin headers"),
    pytest.param(["http://localhost:5173", "https://evil.example"], HOST, "*", OK,
                 id="two Origin headers with '*'"),
    pytest.param(["http://localhost"], ["local host"], frozenset(), MALFORMED, id="Host with a space"),
    pytest.param(["http://localhost"], ["127.0.0.1:70000"], frozenset(), MALFORMED, id="Host port too big"),
    pytest.param(["http://localhost"], ["127.0.0.1:8000", "127.0.0.1:8000"], frozenset(), MALFORMED,
                 id="two Host headers"),
    pytest.param([], [".."], frozenset(), MALFORMED, id="Host of dots"),
]


@pytest.mark.parametrize("origins, hosts, allowed, answer", POLICY)
def test_origin_policy(origins, hosts, allowed, answer):
    problem = wszero.check_origin(origins, hosts, allowed, NAMES)
    assert (problem and problem[0]) == answer, problem


def test_the_policy_table_is_big_enough_to_mean_something():
    assert len(POLICY) >= 40


@pytest.mark.parametrize("hosts, answer", [
    pytest.param([], OK, id="no Host"),
    pytest.param(["localhost:8000"], OK, id="localhost"),
    pytest.param(["192.168.1.5:8000"], OK, id="an address"),
    pytest.param(["8.8.8.8"], OK, id="a public address"),
    pytest.param(["[::1]:8000"], OK, id="an IPv6 address"),
    pytest.param(["ADA-LAPTOP:8000"], OK, id="this computer's name"),
    pytest.param(["ada-laptop.local"], OK, id="this computer's name with .local"),
    pytest.param(["evil.example"], REFUSED, id="another name"),
    pytest.param(["ada-laptop.evil.example"], REFUSED, id="this computer's name inside another"),
    pytest.param(["a:b:c"], MALFORMED, id="malformed"),
])
def test_pages_check_only_the_host(hosts, answer):
    problem = wszero.check_host(hosts, frozenset(), NAMES)
    assert (problem and problem[0]) == answer, problem


def test_a_page_may_load_from_anywhere_when_its_host_is_right():
    # Any site may load /wszero.js; only the Host decides for pages.
    assert wszero.check_host(["127.0.0.1:8000"], frozenset(), NAMES) is None


# =============================================================================
# The sentences
# =============================================================================

REFUSED_EVIL = ("wszero turned away a page from https://evil.example: it isn't on this computer or this network. "
                "If you trust it, let it in with run_server(origins=['https://evil.example']).")


def test_a_page_from_a_website_is_told_the_setting_that_lets_it_in():
    assert wszero.check_origin(["https://evil.example"], HOST) == (403, REFUSED_EVIL)


def test_a_page_with_origin_null_is_told_to_open_from_wszeros_address():
    assert wszero.check_origin(["null"], HOST) == (403, (
        "wszero turned away a page that has no address (Origin: null), like a page opened as a file. "
        "Open it from wszero's address instead, or let such pages in with run_server(origins=['null'])."))


def test_a_strange_host_name_is_explained_with_the_setting_that_lets_it_in():
    assert wszero.check_host(["evil.example:8000"]) == (403, (
        "wszero turned away a request for evil.example:8000: that isn't a name of this computer, so a web page "
        "may be playing a trick on the browser. If the name is right, let it in with "
        "run_server(origins=['http://evil.example:8000'])."))


def test_an_origin_that_cant_be_read_is_explained():
    assert wszero.check_origin(["http://ada@localhost"], HOST) == (400, (
        "wszero turned away a page whose address it can't read (Origin: http://ada@localhost). "
        "A page's address looks like http://localhost:8000."))


def test_a_host_that_cant_be_read_is_explained():
    assert wszero.check_host(["local host"]) == (
        400, "wszero turned away a request whose address it can't read (Host: local host).")


def test_two_origin_headers_are_explained():
    assert wszero.check_origin(["http://localhost", "http://localhost"], HOST) == (
        400, "wszero turned away a request with more than one Origin header: a browser sends just one.")


def test_control_characters_in_an_origin_are_shown_as_escapes():
    assert wszero.check_origin(["http://\x1b[2J"], HOST)[1] == (
        "wszero turned away a page whose address it can't read (Origin: http://\\x1b[2J). "
        "A page's address looks like http://localhost:8000.")


# =============================================================================
# The setting
# =============================================================================


@pytest.mark.parametrize("setting, allowed", [
    (None, frozenset()),
    ("*", "*"),
    (["*"], "*"),
    ("https://Example.com/", frozenset({"https://example.com"})),
    (["https://example.com", "http://localhost:5173"], frozenset({"https://example.com", "http://localhost:5173"})),
    (("null",), frozenset({"null"})),
])
def test_the_origins_setting_is_read_as_exact_lower_case_origins(setting, allowed):
    assert wszero.origins_setting(setting) == allowed


def test_an_origin_setting_without_a_scheme_is_explained():
    with pytest.raises(wszero.WszeroError) as problem:
        wszero.origins_setting(["example.com"])
    assert str(problem.value) == ("run_server(origins=...): 'example.com' isn't a page's address. "
                                  "Write it like 'https://example.com' or 'http://localhost:5173'.")


def test_an_origins_setting_that_is_not_a_list_is_explained():
    with pytest.raises(wszero.WszeroError) as problem:
        wszero.origins_setting(5)
    assert str(problem.value) == ("run_server(origins=...) needs a list of page addresses, like "
                                  "origins=['https://example.com'], or '*' to let every page in, not 5.")


def test_this_computers_own_names_are_known_with_and_without_local():
    name = socket.gethostname().lower()
    assert {name, name + ".local"} <= wszero.own_names()


# =============================================================================
# Over real handshakes
# =============================================================================

ECHO = """\
from wszero import *

@on('echo')
def echo(client, text):
    client.send('echo', text=text)

run_server(SETTINGS)
"""


def program_with(run, settings="", **kwargs):
    return run(ECHO.replace("SETTINGS", settings), files={"index.html": "<h1>Hi</h1>"}, **kwargs)


def handshake(program, origin):
    """Open a websocket as a page at `origin` would; return the connection (caller closes it)."""
    return connect(program.ws_url, origin=origin, open_timeout=DEADLINE, proxy=None)


def refused(program, origin):
    """The status and body with which a handshake from `origin` is refused."""
    with pytest.raises(InvalidStatus) as failure:
        handshake(program, origin).close()
    return failure.value.response.status_code, failure.value.response.body.decode()


def raw(program, request):
    """Send a request exactly as written; return the status line and the body."""
    with socket.create_connection(("127.0.0.1", program.port), timeout=DEADLINE) as sock:
        sock.sendall(request.replace("PORT", str(program.port)).encode())
        answer = b""
        for _ in range(10_000):  # until the server closes
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), body.decode()


def upgrade(extra):
    return ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n")


def echoes(connection):
    connection.recv(timeout=DEADLINE)  # the hello
    connection.send('{"op": "echo", "text": "hi"}')
    return connection.recv(timeout=DEADLINE) == '{"op":"echo","text":"hi"}'


def test_a_page_from_a_website_gets_403_and_one_line_in_the_terminal(run):
    program = program_with(run)
    assert refused(program, "https://evil.example") == (403, REFUSED_EVIL)
    program.wait_for_stderr(REFUSED_EVIL + "\n")


def test_a_page_that_keeps_knocking_is_told_in_the_terminal_once(run):
    program = program_with(run)
    for _ in range(5):
        assert refused(program, "https://evil.example")[0] == 403
    assert refused(program, "https://other.example")[0] == 403
    program.wait_for_stderr("https://other.example")
    assert program.stderr.count(REFUSED_EVIL) == 1


def test_a_dev_server_on_localhost_connects(run):
    program = program_with(run)
    with handshake(program, "http://localhost:5173") as connection:
        assert echoes(connection)
    assert "turned away" not in program.stderr


def test_a_page_from_the_same_address_connects(run):
    program = program_with(run)
    with handshake(program, program.url) as connection:
        assert echoes(connection)


def test_an_origin_in_the_setting_connects_and_others_still_do_not(run):
    program = program_with(run, "origins=['https://example.com']")
    with handshake(program, "https://example.com") as connection:
        assert echoes(connection)
    assert refused(program, "https://evil.example")[0] == 403


def test_origins_star_lets_every_page_in(run):
    program = program_with(run, "origins='*'")
    with handshake(program, "https://evil.example") as connection:
        assert echoes(connection)


def test_a_page_asked_for_by_a_strange_name_gets_403_and_the_sentence(run):
    program = program_with(run)
    status, body = raw(program, "GET / HTTP/1.1\r\nHost: evil.example:PORT\r\n\r\n")
    assert status == "HTTP/1.1 403 Forbidden"
    assert body == wszero.say.host_refused(f"evil.example:{program.port}")
    program.wait_for_stderr(body + "\n")


def test_a_page_asked_for_by_this_computers_name_is_served(run):
    program = program_with(run)
    status, body = raw(program, f"GET / HTTP/1.1\r\nHost: {socket.gethostname()}:PORT\r\n\r\n")
    assert (status, body) == ("HTTP/1.1 200 OK", "<h1>Hi</h1>")


def test_a_name_in_the_setting_may_be_the_host(run):
    program = program_with(run, "origins=['https://example.com']")
    status, body = raw(program, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    assert (status, body) == ("HTTP/1.1 200 OK", "<h1>Hi</h1>")


@pytest.mark.parametrize("headers, status", [
    ("Origin: http://localhost\r\nOrigin: http://localhost\r\n", "HTTP/1.1 400 Bad Request"),
    ("Origin: file://\r\n", "HTTP/1.1 400 Bad Request"),
    ("Origin: http://ada@localhost\r\n", "HTTP/1.1 400 Bad Request"),
    ("Origin: http://localhost:99999\r\n", "HTTP/1.1 400 Bad Request"),
    ("Origin: null\r\n", "HTTP/1.1 403 Forbidden"),
], ids=["two Origin headers", "file://", "user info", "bad port", "null"])
def test_a_malformed_or_null_origin_gets_4xx_never_500_and_no_traceback(run, headers, status):
    program = program_with(run)
    line, body = raw(program, upgrade(headers))
    assert line == status
    program.wait_for_stderr(body + "\n")
    with program.client() as client:  # and everyone else carries on
        client.send("echo", text="still here")
        assert client.recv() == {"op": "echo", "text": "still here"}
    assert program.stop() == 0
    assert "Traceback" not in program.stderr


def test_a_bad_origins_setting_stops_the_program_with_a_sentence(run):
    program = program_with(run, "origins=['example.com']", wait=False)
    program.wait_for_stderr("isn't a page's address")
    assert program.proc.wait(DEADLINE) == 1
    assert program.stderr == ("run_server(origins=...): 'example.com' isn't a page's address. "
                              "Write it like 'https://example.com' or 'http://localhost:5173'.\n")
