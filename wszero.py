"""wszero: zero-boilerplate websockets for Python.

A child writes a few handlers, one for each kind of message ("op") the
browser can send, and calls run_server()::

    from wszero import *

    @on('chat')
    def chat(client, text):
        broadcast('chat', sender=client.name, text=text)

    run_server()

wszero serves the web page next to the program and a websocket on the same
port, turns every JSON message like {"op": "chat", "text": "hi"} into a call
of the matching handler, and sends Python's replies back as JSON.  The
browser runs the page; the server only routes messages.  In the page,
``window.HANDLERS`` maps ops to functions and ``window.send_message(msg)``
sends one.

Why it is built this way:

* Plain ``def`` handlers run one at a time on a "game thread", so a program's
  lists and dicts never need locks.  ``time.sleep`` inside a handler hands the
  game thread over, so everyone else carries on while one handler waits.
  ``async def`` handlers run on the asyncio loop and also take turns.
* The network side is asyncio and the ``websockets`` library.  Messages cross
  between the loop and the game thread in batches, so the convenience costs
  almost nothing.
* Every mistake is explained in plain words, in the terminal and in the
  browser's console, and nothing a browser sends can stop the server.

This one file is the whole library: copy it next to a program, or install it.
``python -m wszero app.py`` (or ``python wszero.py app.py``) runs a program.
It needs Python 3.10+ and websockets 16 or 17; pywebview is optional (``--window``).

The map.  Sections in the order they come, what each holds, and which thread
runs it.  Three kinds of thread run wszero's code: the loop thread (asyncio
and websockets), the game thread (whichever thread holds the baton: program
code runs only there), and any thread (a program's own threads too).

  Settings              the options of one run (Settings)           any thread
  Words a person reads  every sentence (say); print_line, the one
                        way wszero writes to the terminal            any thread
  Handlers              @on, the Registry, signature checks          pure
  Messages              read_message, encode: text <-> a Job's parts;
                        typed values; built-in ops (page errors, held
                        keys and client.keys)                        pure
  Tracebacks            short_traceback: ends at the child's line    pure
  Clients and groups    Client, broadcast, clients, members          any thread
    (room for a fan-out step here, so broadcast and groups could one day
     reach other processes)
  Sessions              Session: what a page gets (resume, missed
                        messages, when to read), decided without I/O loop thread
  Taking turns          Baton, Job, Game: handlers one at a time,
                        time.sleep hands over, async handlers;
                        Watchdog, a thread that names a stuck turn   holding the baton
  The clock             Timer, every, after, Clock: timers whose
                        ticks take turns like handlers               loop thread; ticks holding the baton
  The network loop      Wire (the only use of websockets' internals),
                        Server: connections, outbox and flush,
                        limits                                       loop thread
  Live reload           LiveReload, Watcher                          loop thread
  TestClient            a program with pretend pages and pretend
                        time, for tests and grading                  the test's thread
  HTTP                  serve_file, safe_path, check_origin and
                        check_host, answer_http, the playground      loop thread, pure where it can
  Start-up              addresses (choose_addresses), the QR code    pure
  The window            pywebview                                    main thread
  The browser half      wszero.js, embedded                          -
  The command line      run_server, start_server, main               main thread

Each method that threads share says who may call it in its first line:
"Loop thread only", "Any thread", "Holding the baton".
"""

import asyncio
import atexit
import collections
import dataclasses
import difflib
import functools
import heapq
import html
import inspect
import ipaddress
import json
import linecache
import math
import mimetypes
import os
import re
import secrets
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.parse
import webbrowser

__version__ = "0.1.0"
#: Bumped whenever wszero.js and the server stop understanding each other.
PROTOCOL_VERSION = 1

__all__ = ["on", "broadcast", "run_server", "Client", "clients", "members", "every", "after", "Timer"]
# TestClient is left out on purpose: a program never needs it, only its tests do.

# =============================================================================
# Settings and limits
# =============================================================================

#: Where the program's HTML lives; the websocket lives at /ws on the same port.
SOCKET_PATH = "/ws"
DEFAULT_PORT = 8000
#: Largest message a browser may send.  A game never needs more; a bigger one
#: is almost always a mistake (a whole image as text), and the cap keeps one
#: page from filling the server's memory.
MAX_MESSAGE_BYTES = 1024 * 1024
#: Messages from one client that may wait to be handled before wszero stops
#: reading from it, so a flooding page can't fill the server's memory.
MAX_WAITING_MESSAGES = 256
#: A page that stops reading is disconnected when this much is waiting for it.
#: A game sends far less than this in a minute.  What waits is shared between
#: the pages a broadcast went to, so thirty stuck pages stay cheap.
MAX_UNSENT_BYTES = 4 * 1024 * 1024
#: Seconds a page far behind may read nothing before wszero decides it has stopped reading.
STALL_SECONDS = 3
#: Bytes in a connection's own buffer past which wszero holds its messages
#: back (in its Session), and below which it writes them again.
WRITE_HIGH_WATER = 256 * 1024
WRITE_LOW_WATER = 64 * 1024
#: Messages waiting to be written, past which send() and broadcast() from a
#: thread of the program's own wait for the network to catch up, so its memory
#: can't grow without limit.  (Handlers and timers never wait.)
MAX_WAITING_SENDS = 256
#: Bytes one flush writes before it lets the loop read and answer others.
FLUSH_BYTES = 1024 * 1024
#: Open files kept free for pages, pictures and the program itself, below the
#: system's limit, when wszero decides how many connections it can hold.
SPARE_FILES = 64
#: Seconds a page whose connection dropped has to come back as the same client.
RESUME_SECONDS = 10
#: Seconds a stop waits for the handler that is running, when it never sleeps (stuck in a loop).
STOP_SECONDS = 1.5
#: Seconds one handler, timer or reload may hold everyone up before wszero says where it is stuck.
STUCK_SECONDS = 3
#: Messages kept for a dropped page; past this it has left for good.
MAX_MISSED_MESSAGES = 1000
#: The close code for a page whose wszero.js speaks another protocol version.
WRONG_VERSION = 4001

#: Ops and message keys that wszero itself uses start with "wszero:", which
#: can't be the name of a Python parameter, so they never collide with a
#: program's own ops or values.
RESERVED = "wszero:"
REPLY_KEY = "wszero:id"
SPECIAL_OPS = ("connect", "disconnect")


@dataclasses.dataclass
class Settings:
    """Every option of one run, from run_server()'s keywords and the command line.

    A new option is a field here and a keyword of run_server(); the server
    reads it from ``server.settings``.
    """

    port: int = DEFAULT_PORT
    open: bool = False          # open the page in the web browser
    window: bool = False        # open the page in a window of its own (pywebview)
    host: str = None            # the address to listen on; None: every address
    grace: float = RESUME_SECONDS
    reload: bool = False        # run the program again when it is saved (the runner only)
    show_errors: bool = True    # show mistakes in a panel on the page, not only in its console
    origins: object = None      # pages from other sites that may connect: a list, or "*" (see check_origin)


class WszeroError(Exception):
    """A mistake in the program, found at start-up and explained in words."""


# =============================================================================
# Words a person reads
# =============================================================================
# Every sentence that reaches the terminal or the browser is made here, so the
# wording can be read, reviewed and tested in one place.


def _where(func):
    """'chat.py, line 4' for a function."""
    code = func.__code__
    return f"{os.path.basename(code.co_filename)}, line {code.co_firstlineno}"


def _short(value, limit=60):
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _names(names):
    """'text', 'text and name', 'a, b and c'."""
    names = [f"'{n}'" for n in names]
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _as_json(value):
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _type_name(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "true or false",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), "something else")


# Control characters, lone surrogates, and the invisible marks that turn text right to left.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text):
    """``text`` with every control character shown as an escape, like \\x1b or \\n.

    Text from a page goes through this before it reaches the terminal, so a
    page can't clear the teacher's screen, change the window's title, hide
    what follows, or start a line that looks like one of wszero's.
    """
    text = str(text)
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


def _escape(match):
    char = match.group()
    code = ord(char)
    return _ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def _name(client):
    """A client's name as the terminal shows it: the program may have set it from a page's text."""
    return printable(client.name)


class say:
    """The words wszero uses.  Each function returns one message."""

    # -- mistakes found at start-up ------------------------------------------
    def on_without_name(func):
        return (f"@on needs the op name in brackets, like @on('chat'), "
                f"above {func.__name__}() ({_where(func)}).")

    def op_not_text(op):
        return f"@on({op!r}): the op name must be text in quotes, like @on('chat')."

    def op_reserved(op):
        return f"@on({op!r}): names that start with '{RESERVED}' belong to wszero. Pick another name."

    def not_a_function(op, thing):
        return f"@on({op!r}) must sit just above a def, but it was used on {_short(thing)}."

    def two_handlers(op, first, second):
        return (f"There are two handlers for '{op}': {first.__name__}() ({_where(first)}) "
                f"and {second.__name__}() ({_where(second)}). Delete one, or give it another op name.")

    def no_client_param(op, func):
        return (f"The handler {func.__name__}() for '{op}' ({_where(func)}) needs a first parameter "
                f"for the client, like: def {func.__name__}(client):")

    def star_args(op, func, signature):
        return (f"The handler {func.__name__}{signature} for '{op}' ({_where(func)}) has *args, but "
                f"messages fill parameters by name. Give each value its own name, "
                f"like def {func.__name__}(client, text):")

    def positional_only(op, func, signature):
        return (f"The handler {func.__name__}{signature} for '{op}' ({_where(func)}) uses '/', "
                f"but messages fill parameters by name. Take the '/' out.")

    def special_takes_client_only(op, func, signature):
        return (f"The '{op}' handler {func.__name__}{signature} ({_where(func)}) only gets the client. "
                f"Write it as: def {func.__name__}(client):")

    def key_param(op, func):
        return (f"The '{op}' handler {func.__name__}() ({_where(func)}) gets the name of the key, "
                f"so it needs a parameter for it: def {func.__name__}(client, key):")

    def spelling(op, func, meant):
        return (f"Warning: @on({op!r}) above {func.__name__}() ({_where(func)}): "
                f"did you mean '{meant}'?")

    # -- mistakes in a message from a browser ----------------------------------
    def not_json(text):
        return (f"This message isn't JSON, so wszero can't read it: {printable(_short(text))}. "
                f"Send objects with send_message({{op: 'chat', text: 'hi'}}).")

    def binary():
        return "wszero only understands text messages. Send objects with send_message({op: 'chat'})."

    def not_object(msg):
        return (f"A message must be an object with an 'op', like {{\"op\": \"chat\"}}, "
                f"but this one was {_type_name(msg)}: {_short(json.dumps(msg))}")

    def no_op(msg):
        return (f"This message has no 'op', so wszero can't tell which handler should get it: "
                f"{_short(json.dumps(msg))}")

    def op_not_string(op):
        return f"'op' must be text, like \"chat\", but this message's op was {_short(json.dumps(op))}."

    def special_from_browser(op):
        return (f"A page can't send '{op}': wszero sends it by itself when a page "
                f"{'connects' if op == 'connect' else 'disconnects'}.")

    def reserved_from_browser(op):
        return f"A page can't send '{printable(_short(op))}': ops starting with '{RESERVED}' belong to wszero."

    def unknown_op(op, known):
        close = difflib.get_close_matches(op, known, n=1, cutoff=0.6)
        hint = f" — did you mean '{close[0]}'?" if close else (
            f". The ops it knows are: {', '.join(sorted(known))}." if known else
            ". The program has no @on handlers yet.")
        return f"No handler for '{printable(_short(op))}'{hint}"

    def wrong_type(op, name, value, wanted):
        return (f"The '{op}' message's '{name}' must be {wanted}, "
                f"but the page sent {_short(_as_json(value))}.")

    def bad_key(key):
        return (f"{_short(json.dumps(key))} isn't a key wszero knows. The keys are left, right, up, down, "
                f"space, enter, a to z and 0 to 9.")

    def missing(op, handler, names, sent):
        word = "a value" if len(names) == 1 else "values"
        if not sent:
            got = "the page sent no values"
        elif len(sent) <= 5:
            got = f"the page sent {_names([printable(_short(name, 30)) for name in sent])}"
        else:  # a page can send thousands: name a few
            first = ", ".join(f"'{printable(_short(name, 30))}'" for name in sent[:4])
            got = f"the page sent {first} and {len(sent) - 4} more"
        return (f"The '{op}' message needs {word} for {_names(names)}, but {got}. "
                f"The handler is {handler.title}.")

    def unexpected(op, handler, names):
        takes = _names(handler.fillable) if handler.fillable else "the client"
        text = (f"The '{op}' message has {_names(map(printable, names))}, but the handler only takes {takes}. "
                f"The handler is {handler.title}.")
        if handler.client_param in names and handler.client_param != "client":
            text += (f" Its first parameter, '{handler.client_param}', is always the client: "
                     f"write def {handler.func.__name__}(client, {handler.client_param}):")
        return text

    def client_key(op, handler):
        return (f"The '{op}' message has '{handler.client_param}', but that is the name of the handler's "
                f"first parameter, which is always the client. The handler is {handler.title}.")

    def too_deep():
        return (f"This message has lists or objects nested more than {MAX_NESTING} deep, "
                f"so wszero didn't read it. Send something flatter.")

    def number_too_long():
        return (f"This message has a number more than {sys.get_int_max_str_digits()} digits long, "
                f"so wszero didn't read it.")

    # -- while running -----------------------------------------------------------
    def handler_failed_terminal(op, report, exc):
        """The heading, the short traceback, and a tip when there is one."""
        lines = [f"Oops! The '{op}' handler hit a problem:", report.rstrip("\n"), say.hint_for(exc)]
        return "\n".join(line for line in lines if line)

    def handler_failed_browser(op, exc, where):
        at = f" ({where})" if where else ""
        hint = say.hint_for(exc)
        return f"The '{op}' handler hit a problem: {type(exc).__name__}: {exc}{at}" + (f". {hint}" if hint else "")

    # The TypeErrors of comparing or adding text and a number ('7' < 5, 'Hi ' + 3, 3 + '7').
    _TEXT_AND_NUMBER = re.compile(
        r"between instances of '(str' and '(int|float)|(int|float)' and 'str)'"
        r"|unsupported operand type\(s\) for .*: '(str' and '(int|float)|(int|float)' and 'str)'"
        r"|can only concatenate str \(not \"(int|float)\"\) to str")

    def hint_for(exc):
        """A tip for a mistake children often make, or "" when there is none."""
        if type(exc) is TypeError and say._TEXT_AND_NUMBER.search(str(exc)):
            return ("Tip: a value typed in a box arrives as text, like '7' instead of 7. "
                    "Boxes written <input type=\"number\"> send numbers; "
                    "in Python, int(...) turns text into a number.")
        return ""

    def cannot_send(what, key, value):
        where, part, why = unsendable(value, key) or (key, value, "type")
        it = "it" if where == key else _short(where, 100)
        if why == "number":  # nan or inf: JSON has no way to write them
            return f"{what} can't send '{key}': {it} was {part}, which isn't a number a browser understands."
        if why == "long":
            return (f"{what} can't send '{key}': {it} was a whole number more than "
                    f"{sys.get_int_max_str_digits()} digits long, too long to send.")
        if why == "key":
            return (f"{what} can't send '{key}': {it} has the key {_short(part)}, "
                    f"but keys can only be text or numbers, like 'ada' or 3.")
        if why == "itself":
            return f"{what} can't send '{key}': it contains itself, so it would never end."
        if why == "deep":
            return f"{what} can't send '{key}': it has lists or dicts nested too deep to send."
        inside = "" if where == key else f" inside it, at {_short(where, 100)}"
        return (f"{what} can only send text, numbers, True/False, None, lists and dicts, "
                f"but '{key}' {'had' if inside else 'was'} {_short(part)}{inside}.")

    def op_must_be_text(what, op):
        return f"{what}: the op must be text, like 'chat', not {_short(op)}."

    # -- timers ----------------------------------------------------------------------
    def timer_seconds(what, seconds):
        return f"{what} needs a number of seconds more than 0, like every(1, tick), not {_short(repr(seconds))}."

    def timer_not_function(what, thing):
        return f"{what} needs the name of a function to run, like every(1, tick), but got {_short(repr(thing))}."

    def timer_async(what, function):
        return (f"{what} runs plain functions, but {_function_name(function)} is 'async def'. "
                f"Write it with plain 'def' (time.sleep works there).")

    def timer_values(what, function, args, kwargs):
        given = [_short(repr(a), 20) for a in args] + [f"{k}={_short(repr(v), 20)}" for k, v in kwargs.items()]
        try:
            signature = str(inspect.signature(function))
        except (TypeError, ValueError):
            signature = "(...)"
        name = getattr(function, "__name__", "the function")
        values = f"the values {', '.join(given)}" if given else "no values"
        return (f"{what} would run {name}{signature} with {values}, and those don't fit. "
                f"Give it one value for each parameter, after the function's name.")

    def timer_failed(name):
        return f"Oops! The timer that runs {name} hit a problem:"

    def timer_stopped(name, seconds):
        return (f"wszero stopped running {name} every {seconds:g} second{'s' if seconds != 1 else ''}, "
                f"because of the problem above. Fix it and save, or run the program again.")

    def the_handler(op):
        return f"the '{op}' handler"

    def the_timer(name):
        return f"the timer that runs {name}"

    def the_reload():
        return "running the saved program again"

    def stuck(what, where):
        if where is None:
            return (f"Everyone is waiting: {what} has been running for {STUCK_SECONDS} seconds. "
                    f"Is it a loop without time.sleep?")
        filename, line = where
        code = linecache.getline(filename, line).strip()
        if "input(" in code:
            why = "input() waits for someone to type in the terminal, and pages can't do that."
        else:
            why = "Is it a loop without time.sleep? time.sleep(0.1) in the loop lets everyone else have a turn."
        return (f"Everyone is waiting: {what} has been running for {STUCK_SECONDS} seconds, "
                f"and it is now at {os.path.basename(filename)}, line {line}: {_short(code, 80)}\n  {why}")

    def everyone_waiting(what):
        return f"Everyone is waiting for {what} to finish. Look in the terminal to see where it is."

    def still_running(what):
        return f"{what[0].upper()}{what[1:]} was still running, so wszero stopped without waiting for it."

    def no_run_server(program):
        return (f"{program} has @on handlers, but it ended without calling run_server(), so nobody "
                f"could connect. Add run_server() as the last line.")

    def too_many_connections(limit):
        return (f"Too many connections at once: wszero is turning new ones away, to keep the game running "
                f"for the {limit} it can hold. Is a program opening connections in a loop?")

    def too_many_connections_page():
        return "This game is full right now. Try again in a minute."

    def test_page_gone(client):
        return f"{client.name}'s page has disconnected, so it can't send messages any more."

    def joined(client):
        return f"{_name(client)} joined."

    def came_back(client):
        return f"{_name(client)} lost its connection for a moment, and is back."

    def wrong_version(version):
        return (f"This page's wszero.js speaks version {printable(_short(version, 20))}, but the server speaks "
                f"version {PROTOCOL_VERSION}. Reload the page to get the new one.")

    def left(client):
        return f"{_name(client)} left."

    def too_slow(client):
        return f"{_name(client)} stopped reading messages, so wszero disconnected it."

    def page_error(message, where):
        message, where = printable(message), printable(where)
        return f"Error in the page ({where}): {message}" if where else f"Error in the page: {message}"

    # -- start-up and stopping ------------------------------------------------------
    def port_taken(port, other):
        return f"Port {port} is already in use, so wszero is using port {other} instead."

    def no_free_port(port):
        return (f"Ports {port} to {port + 20} are all in use. Close other servers, "
                f"or pick another with --port.")

    def running(program, local, network, windows, in_window=False):
        lines = [f"wszero is running {program}.", "",
                 f"  Open this on this computer:  {local}"]
        if network:
            lines.append(f"  Classmates can open:         {network[0]}")
            lines += [f"                               {url}" for url in network[1:]]
            if windows:
                lines += ["", "  If classmates can't connect, allow Python through the Windows firewall."]
        else:
            lines += ["", "  Classmates can't join yet, because this computer has no network address.",
                      "  Check that Wi-Fi is on or a network cable is plugged in, then start wszero again."]
        lines += ["", "Close the window to stop." if in_window else "Press Ctrl+C to stop."]
        return "\n".join(lines)

    def no_pywebview():
        return ("To open a window, wszero needs pywebview (pip install pywebview), "
                "so it is opening the web browser instead.")

    def no_display():
        return "There is no screen to open a window on here, so wszero is opening the web browser instead."

    def window_failed(exc):
        return f"The window couldn't open ({_short(str(exc), 120)}), so wszero is opening the web browser instead."

    def playground_title(program):
        return f"Playground for {program}"

    def playground_help(program):
        return (f"Try out {program} here: fill in the boxes and press Send. "
                f"To show your own page instead, save an index.html next to {program}.")

    def playground_empty(program):
        return f"{program} has no @on handlers yet. Add one, save, and it shows up here."

    def reloaded_program(names):
        return f"{names} changed, so wszero ran it again. Open pages reload by themselves."

    def reloaded_files(names):
        return f"{names} changed. Open pages reload by themselves."

    def reload_waits(program, what):
        return f"{program} changed. wszero will run it again as soon as {what} has finished."

    def reload_failed(program):
        return (f"There's a mistake in {program}, so wszero keeps running the old version "
                f"until you fix it and save again:")

    def stopping():
        return "Stopping..."

    def stopped():
        return "Stopped. Bye!"

    def handler_stuck():
        return "A handler is still running, so wszero stopped without waiting for it."

    # -- the command line --------------------------------------------------------
    def usage(command="python -m wszero"):
        return (f"Run a wszero program:  {command} app.py\n"
                "Options:  --port N      use port N (normally 8000)\n"
                "          --open        open the page in the web browser\n"
                "          --window      open the page in its own window\n"
                "          --no-reload   don't run the program again when it is saved")

    def usage_for_program(command):
        return (f"Run this program:  {command}\n"
                "Options:  --port N      use port N (normally 8000)\n"
                "          --open        open the page in the web browser\n"
                "          --window      open the page in its own window\n"
                "          --no-reload   don't run the program again when it is saved")

    def game_usage(command):
        return (f"Run this game:  {command}\n"
                "Options:  --port N      use port N (normally 8000)\n"
                "          --open        open the page in the web browser\n"
                "          --window      open the page in its own window")

    def no_such_program(path):
        return f"There is no file or folder called '{path}'."

    def no_program_in_folder(path):
        return f"The folder '{path}' has no main.py (or single .py file) for wszero to run."

    def many_programs_in_folder(path, names):
        return (f"The folder '{path}' has several .py files ({', '.join(names)}). "
                f"Name the one to run, or call it main.py.")

    def no_websockets():
        return "wszero needs the websockets library. Install it with:  pip install websockets"

    def websockets_too_old(version):
        return (f"wszero needs websockets 16 or newer, but this Python has websockets {version}. "
                f"Update it with:  pip install --upgrade websockets")

    def bundled_websockets_too_old(bundle, version):
        # Installing websockets can't help here: Python takes the copy in the bundle first.
        return (f"{bundle} was built with websockets {version}, which is too old for wszero: it needs 16 or newer. "
                f"Build {bundle} again with build_zipapp.py and websockets 16 or 17, or ask whoever made it to.")

    def bad_port(value):
        return f"--port needs a whole number like 8000, not '{value}'."

    def python_too_old(needed, running):
        # build_zipapp.py writes this sentence into each bundle, whose first
        # lines run even on a Python too old to import wszero.
        return (f"This program needs Python {needed} or newer, but this is Python {running}. "
                f"Install a newer Python from python.org, then run it again.")

    # -- HTTP ----------------------------------------------------------------------
    def not_found_title(path):
        return f"There is no file called {path}"

    def python_hidden(path):
        return (f"{path} is part of the program, and wszero never sends Python files to browsers, "
                f"so nobody can read the code (or the answers in it!).")

    def socket_address():
        return "This address is for wszero's live connection. Open / instead."

    def method_not_allowed(method):
        return f"wszero only serves pages (GET and HEAD), not {method}."

    # -- who may connect (each is one line in the terminal, and the answer's text) --
    def origin_refused(origin):
        origin = printable(_short(origin, 100))
        if origin == "null":
            return ("wszero turned away a page that has no address (Origin: null), like a page opened "
                    "as a file. Open it from wszero's address instead, or let such pages in with "
                    "run_server(origins=['null']).")
        return (f"wszero turned away a page from {origin}: it isn't on this computer or this network. "
                f"If you trust it, let it in with run_server(origins=['{origin}']).")

    def host_refused(host):
        host = printable(_short(host, 100))
        return (f"wszero turned away a request for {host}: that isn't a name of this computer, so a web "
                f"page may be playing a trick on the browser. If the name is right, let it in with "
                f"run_server(origins=['http://{host}']).")

    def unreadable_origin(origin):
        return (f"wszero turned away a page whose address it can't read (Origin: {printable(_short(origin, 100))}). "
                f"A page's address looks like http://localhost:8000.")

    def unreadable_host(host):
        return f"wszero turned away a request whose address it can't read (Host: {printable(_short(host, 100))})."

    def two_headers(name):
        return f"wszero turned away a request with more than one {name} header: a browser sends just one."

    def origins_not_a_list(value):
        return (f"run_server(origins=...) needs a list of page addresses, like origins=['https://example.com'], "
                f"or '*' to let every page in, not {_short(value)}.")

    def origin_not_an_address(value):
        return (f"run_server(origins=...): {_short(repr(value))} isn't a page's address. "
                f"Write it like 'https://example.com' or 'http://localhost:5173'.")


def print_line(text, error=False):
    """Print one of wszero's own lines: the one way wszero writes to the terminal.  Any thread.

    One write, so a line printed by another thread can't split it.  Writing
    can never stop the game: characters the terminal can't show are
    replaced, and a terminal that is gone is ignored.
    """
    stream = sys.stderr if error else sys.stdout
    if stream is None:  # pythonw, or an editor with no output pane
        return
    line = text + "\n"
    try:
        try:
            stream.write(line)
        except UnicodeEncodeError:
            encoding = getattr(stream, "encoding", None) or "ascii"
            stream.write(line.encode(encoding, "replace").decode(encoding))
        stream.flush()
    except (OSError, ValueError, UnicodeError, AttributeError):
        pass  # a closed or broken terminal: the game goes on without it


# =============================================================================
# Handlers: the registry and signature checks
# =============================================================================


class Handler:
    """One function registered with @on, with its signature studied once.

    ``required`` and ``accepted`` are the names a message must and may carry,
    so checking a message later is two set comparisons.
    """

    __slots__ = ("op", "func", "is_async", "required", "accepted", "any_key", "fillable", "title", "client_param",
                 "types", "clash")

    def __init__(self, op, func):
        self.op = op
        self.func = func
        self.is_async = inspect.iscoroutinefunction(func)
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError):
            raise WszeroError(say.not_a_function(op, func)) from None
        params = list(signature.parameters.values())
        if not params or params[0].kind not in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
            raise WszeroError(say.no_client_param(op, func))
        self.client_param = params[0].name
        rest = params[1:]
        if any(p.kind is p.VAR_POSITIONAL for p in rest):
            raise WszeroError(say.star_args(op, func, signature))
        if any(p.kind is p.POSITIONAL_ONLY for p in rest):
            raise WszeroError(say.positional_only(op, func, signature))
        named = [p for p in rest if p.kind is not p.VAR_KEYWORD]
        self.any_key = len(named) < len(rest)
        # With **values, a key named like the client parameter would fill it twice.
        self.clash = self.client_param if self.any_key and params[0].kind is params[0].POSITIONAL_OR_KEYWORD else None
        self.fillable = [p.name for p in named]
        self.accepted = frozenset(self.fillable)
        self.required = frozenset(p.name for p in named if p.default is p.empty)
        self.title = f"{func.__name__}{signature}"
        if op in SPECIAL_OPS and self.required:
            raise WszeroError(say.special_takes_client_only(op, func, signature))
        # Parameters annotated int, float, bool, str, list or dict: checked, and converted where safe.
        self.types = {p.name: TYPES[_annotation(p.annotation)] for p in named
                      if _annotation(p.annotation) in TYPES} or None

    def check(self, params):
        """The mistake in a message's values, in words, or None if it fits.

        Values of typed parameters are converted in ``params`` (like "3" to 3).
        """
        keys = params.keys()
        if not keys >= self.required:
            return say.missing(self.op, self, [n for n in self.fillable if n in self.required and n not in keys],
                               list(keys))
        if not self.any_key and not keys <= self.accepted:
            return say.unexpected(self.op, self, [k for k in params if k not in self.accepted])
        if self.clash in keys:
            return say.client_key(self.op, self)
        if self.types:
            for name, (convert, wanted) in self.types.items():
                if name in params:
                    value = convert(params[name])
                    if value is _UNFIT:
                        return say.wrong_type(self.op, name, params[name], wanted)
                    params[name] = value
        return None


def _annotation(annotation):
    """The type a parameter is annotated with, also when it is written as text ('int')."""
    if isinstance(annotation, str):
        return _TYPE_NAMES.get(annotation.strip())
    try:
        return annotation if annotation in TYPES else None
    except TypeError:  # something unhashable: not one of ours
        return None


_UNFIT = object()  # a value that doesn't fit a type
_WHOLE = re.compile(r"\s*[+-]?\d{1,100}\s*")
_NUMBER = re.compile(r"\s*[+-]?(\d{1,100}(\.\d{0,100})?|\.\d{1,100})([eE][+-]?\d{1,3})?\s*")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def to_int(value):
    """A whole number: 3, "3", " -2 ", 4.0; never true/false, 2.5 or "abc"."""
    kind = type(value)
    if kind is int:
        return value
    if kind is float:
        return int(value) if value.is_integer() else _UNFIT  # nan and inf aren't whole
    if kind is str:
        if _WHOLE.fullmatch(value):
            return int(value)
        number = to_float(value)
        return int(number) if number is not _UNFIT and number.is_integer() else _UNFIT
    return _UNFIT


def to_float(value):
    """A number: 2.5, 3, "2.5"; never true/false, NaN or infinity."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else _UNFIT
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            return _UNFIT
    if kind is str and _NUMBER.fullmatch(value):
        number = float(value)
        return number if math.isfinite(number) else _UNFIT
    return _UNFIT


def to_bool(value):
    """true/false, "yes"/"no", "on"/"off", "1"/"0" in any case, and 1 and 0; never bool("false")."""
    kind = type(value)
    if kind is bool:
        return value
    if kind in (int, float) and value in (0, 1):
        return value == 1
    if kind is str:
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return _UNFIT


def to_str(value):
    """Text, and numbers as their text (5 becomes "5"); never a list, an object, true/false or null."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int or kind is float:
        return repr(value)
    return _UNFIT


#: The annotations wszero checks: the conversion, and what it wants, in words.
TYPES = {
    int: (to_int, "a whole number, like 3"),
    float: (to_float, "a number, like 2.5"),
    bool: (to_bool, "true or false"),
    str: (to_str, "text"),
    list: (lambda value: value if type(value) is list else _UNFIT, "a list, like [1, 2]"),
    dict: (lambda value: value if type(value) is dict else _UNFIT, 'an object, like {"x": 1}'),
}
_TYPE_NAMES = {kind.__name__: kind for kind in TYPES}


class Registry:
    """Every handler of one program, by op."""

    def __init__(self):
        self.handlers = {}
        self.warnings = []
        self.timers = []  # started by the program as it loaded: they start with the server

    def ready(self):
        """Just before serving: show the warnings, and share time.sleep with the program."""
        for warning in self.warnings:
            print_line(warning, error=True)
        for handler in self.handlers.values():
            _share_sleep(getattr(handler.func, "__globals__", {}))

    def add(self, op, func):
        if not isinstance(op, str) or not op:
            raise WszeroError(say.op_not_text(op))
        if op.startswith(RESERVED):
            raise WszeroError(say.op_reserved(op))
        if not callable(func) or not hasattr(func, "__code__"):
            raise WszeroError(say.not_a_function(op, func))
        if op in self.handlers:
            raise WszeroError(say.two_handlers(op, self.handlers[op].func, func))
        handler = self.handlers[op] = Handler(op, func)
        if op in ("keydown", "keyup"):
            if "key" not in handler.accepted and not handler.any_key:
                raise WszeroError(say.key_param(op, func))
            self.handlers[RESERVED + op] = keys_handler(op, func)  # keeps client.keys, then runs func
        if op not in SPECIAL_OPS:
            meant = difflib.get_close_matches(op, SPECIAL_OPS, n=1, cutoff=0.75)
            if meant:
                self.warnings.append(say.spelling(op, func, meant[0]))


_registry = Registry()


def on(op):
    """Make the function below handle every message whose op is ``op``.

    The handler's first parameter is the client that sent the message.  The
    message's other values fill the other parameters by name; a parameter
    with a default may be left out.  ``on('connect')`` and
    ``on('disconnect')`` run when a page arrives and leaves.
    """
    if callable(op) and not isinstance(op, str):
        raise WszeroError(say.on_without_name(op))

    def register(func):
        _registry.add(op, func)
        return func

    return register


# =============================================================================
# Messages: reading what a browser sent
# =============================================================================


#: How deep lists and objects in a message may nest.  A game needs a few
#: levels; past about a thousand, json.loads runs out of stack.
MAX_NESTING = 64
# A string, to its closing quote (or to the end of the text, if it has none).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def too_deep(text):
    """True when a message's lists and objects nest deeper than MAX_NESTING.

    One pass that leaves out strings (and the escapes in them), so brackets
    inside text don't count.  Pure.  A usual message costs well under a
    microsecond; the worst 1 MiB message about as long as json.loads does.
    """
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return False
    # Deep nesting nearly always starts at once, so look at the start alone first.
    return (len(text) > 4096 and _deeper_than_allowed(text[:4096])) or _deeper_than_allowed(text)


def _deeper_than_allowed(text):
    """too_deep() for the whole of text, or for its start: a string cut short runs to the end."""
    if '"' in text:
        text = _STRING.sub("", text)
    depth = 0
    for bracket in _NOT_BRACKET.sub("", text):
        depth += _DEPTH_STEP[bracket]
        if depth > MAX_NESTING:
            return True
    return False


class MessageError(Exception):
    """A message a browser sent that can't be handled; str() says why.

    ``about`` is the message's op, when it had one, and ``reply_id`` the id
    of the request it was, so the page can match the answer.
    """

    def __init__(self, text, about=None, reply_id=None):
        super().__init__(text)
        self.about = about
        self.reply_id = reply_id


def read_message(text, handlers):
    """Turn a message's text into (handler, params, reply_id).

    Raises MessageError with the explanation for the page when the message
    can't be handled.  Pure: no sockets, no threads.
    """
    if too_deep(text):
        raise MessageError(say.too_deep())
    try:
        msg = json.loads(text)
    except json.JSONDecodeError:
        raise MessageError(say.not_json(text)) from None
    except ValueError:  # an int past sys.get_int_max_str_digits()
        raise MessageError(say.number_too_long()) from None
    except RecursionError:  # too_deep() keeps this from happening; never let it close a connection
        raise MessageError(say.too_deep()) from None
    if type(msg) is not dict:
        raise MessageError(say.not_object(msg))
    reply_id = msg.pop(REPLY_KEY, None) if REPLY_KEY in msg else None
    if "op" not in msg:
        raise MessageError(say.no_op(msg), None, reply_id)
    op = msg.pop("op")
    if type(op) is not str:
        raise MessageError(say.op_not_string(op), None, reply_id)
    handler = handlers.get(op)
    if handler is None or op in SPECIAL_OPS:
        handler = BUILT_IN.get(op)
        if handler is None:
            if op in SPECIAL_OPS:
                raise MessageError(say.special_from_browser(op), op, reply_id)
            if op.startswith(RESERVED):
                raise MessageError(say.reserved_from_browser(op), None, reply_id)
            raise MessageError(say.unknown_op(op, [o for o in handlers if o not in SPECIAL_OPS
                                                   and not o.startswith(RESERVED)]), op, reply_id)
    if op in KEY_OPS:
        key = msg.get("key")
        if type(key) is not str or key not in KEY_NAMES:
            raise MessageError(say.bad_key(key), op, reply_id)
    problem = handler.check(msg)
    if problem:
        raise MessageError(problem, op, reply_id)
    return handler, msg, reply_id


def _page_error(client, message, where=""):
    """wszero.js reports the page's own JavaScript errors, so the terminal shows them too."""
    print_line(say.page_error(_short(str(message), 300), _short(str(where), 120)), error=True)


#: The names of the keys a page with data-keys tells the server about.
KEY_NAMES = frozenset(["left", "right", "up", "down", "space", "enter", *"abcdefghijklmnopqrstuvwxyz0123456789"])
KEY_OPS = frozenset(["wszero:keydown", "wszero:keyup"])


def keys_handler(op, then=None):
    """The handler of wszero:keydown or wszero:keyup: it keeps client.keys, then runs ``then``.

    ``then`` is the program's own @on('keydown') or @on('keyup'), which
    hears each press once, with the key's name, in the same turn.
    """
    down = op == "keydown"
    if then is not None and inspect.iscoroutinefunction(then):
        async def key_changed(client, key):
            if _change_key(client, key, down):
                return await then(client, key=key)
    else:
        def key_changed(client, key):
            if _change_key(client, key, down) and then is not None:
                return then(client, key=key)
    return Handler(op, key_changed)


def _change_key(client, key, down):
    if (key in client.keys) == down:
        return False  # the page said so already
    if down:
        client.keys.add(key)
    else:
        client.keys.discard(key)
    return True


#: Ops that wszero.js sends to the server for wszero itself.
BUILT_IN = {"wszero:page-error": Handler("wszero:page-error", _page_error),
            "wszero:keydown": keys_handler("keydown"),
            "wszero:keyup": keys_handler("keyup")}
#: Key changes with no program handler to run: the network loop keeps client.keys itself,
#: so a game that reads client.keys in its clock costs no turn per key press.
KEYS_ONLY = {BUILT_IN["wszero:keydown"]: True, BUILT_IN["wszero:keyup"]: False}


def encode(op, params, what="send()"):
    """The JSON text for a message, or a TypeError that says what can't be sent."""
    if type(op) is not str:
        raise TypeError(say.op_must_be_text(what, op))
    try:
        return _dumps({"op": op, **params})
    except (TypeError, ValueError):
        for key, value in params.items():
            try:
                _dumps(value)
            except (TypeError, ValueError):
                raise TypeError(say.cannot_send(what, key, value)) from None
        raise


def unsendable(value, name):
    """The first part of ``value`` JSON can't carry, as (where, part, why), or None.

    ``where`` is written as the program would write it, like scores['ada'][2],
    starting from ``name``.  ``why`` is "type", "number" (nan or infinity),
    "long" (an int with too many digits), "key" (a dict key that isn't text
    or a number), "itself" (it contains itself) or "deep" (nested too deep).
    Pure; it walks the value without recursion, so any depth is safe.
    """
    steps = [(None, name)]  # (the step before, "['ada']"): where each part is, built only when needed
    stack = [(value, 0)]
    seen = set()  # lists and dicts already walked: a shared one is fine, and a loop ends

    def where(step):
        path = []
        while step is not None:
            step, text = steps[step]
            path.append(text)
        return "".join(reversed(path))

    while stack:
        part, step = stack.pop()
        if part is None or isinstance(part, (str, bool)):
            continue
        if isinstance(part, float):
            if not math.isfinite(part):
                return where(step), part, "number"
        elif isinstance(part, int):
            if _too_long(part):
                return where(step), part, "long"
        elif isinstance(part, (list, tuple, dict)):
            if id(part) in seen:
                continue
            seen.add(id(part))
            if isinstance(part, dict):
                for key in part:
                    if not (key is None or isinstance(key, (str, int, float))) or (
                            isinstance(key, float) and not math.isfinite(key)) or (
                            isinstance(key, int) and _too_long(key)):
                        return where(step), key, "key"
                inside = [(v, f"[{k!r}]") for k, v in part.items()]
            else:
                inside = [(v, f"[{i}]") for i, v in enumerate(part)]
            for v, text in reversed(inside):
                steps.append((step, text))
                stack.append((v, len(steps) - 1))
        else:
            return where(step), part, "type"
    try:
        _dumps(value)
    except ValueError as problem:  # nothing wrong in any one part: it loops, or it is too deep
        return name, value, "itself" if "Circular" in str(problem) else "deep"
    except TypeError:
        pass
    return None


def _too_long(number):
    """True for an int with more digits than Python turns into text (4300 unless changed)."""
    if number.bit_length() < 10_000:  # under 3,011 digits
        return False
    try:
        int.__repr__(number)
    except ValueError:
        return True
    return False


def error_message(text, about=None, reply_id=None):
    """The wire form of an error for the page."""
    msg = {"op": "wszero:error", "error": text}
    if about is not None:
        msg["about"] = about
    if reply_id is not None:
        msg["id"] = reply_id
    return _dumps(msg)


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def _dumps(value):
    """The JSON text of value.  ValueError or TypeError for what JSON can't carry, never RecursionError."""
    try:
        return _encode(value)
    except RecursionError:  # a value nested too deep: the same kind of mistake as nan
        raise ValueError("nested too deep") from None


# =============================================================================
# Tracebacks that end at the program's own line
# =============================================================================


def _is_library(filename):
    return (filename == __file__ or filename.startswith("<") or "site-packages" in filename
            or filename.startswith(_STDLIB) or filename.startswith(_BUNDLED))


_STDLIB = os.path.dirname(os.__file__)
_BUNDLED = os.path.join(os.path.dirname(__file__), "websockets")  # inside a .pyz


def short_traceback(exc):
    """The traceback of ``exc`` with wszero's frames cut off both ends.

    The child sees the frames of their own program, ending at their own line,
    then the error itself (with Python's "Did you mean" hints).
    """
    report = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    frames = list(report.stack)
    mine = [i for i, frame in enumerate(frames) if not _is_library(frame.filename)]
    where = ""
    if mine:
        last = frames[mine[-1]]
        where = f"{os.path.basename(last.filename)}, line {last.lineno}"
        frames = frames[mine[0]: mine[-1] + 1]
    elif isinstance(exc, SyntaxError):
        frames = []  # Python shows the file and line of the mistake itself
    report.stack = traceback.StackSummary.from_list(frames)
    text = "".join(report.format())
    last = "".join(report.format_exception_only())
    if not isinstance(exc, SyntaxError) and text.endswith(last):  # the error's own text may be a page's
        text = text[: -len(last)] + printable(last[:-1]) + "\n"
    text = "\n".join(map(printable, text.split("\n"))).rstrip("\n")
    # On 3.10 the exceptiongroup backport (pytest brings it) may have added the hint already
    hint = "" if "Did you mean" in text.rpartition("\n")[2] else _did_you_mean(exc)
    return text + hint + "\n", where


def _did_you_mean(exc):
    """Python 3.12 adds "Did you mean: 'score'?" to these errors itself; 3.10 and 3.11 only when they print them."""
    if sys.version_info >= (3, 12) or not getattr(exc, "name", None):
        return ""
    if isinstance(exc, NameError) and exc.__traceback__ is not None:
        tb = exc.__traceback__
        while tb.tb_next:
            tb = tb.tb_next
        frame = tb.tb_frame
        names = [*frame.f_locals, *frame.f_globals, *frame.f_builtins]
    elif isinstance(exc, AttributeError) and getattr(exc, "obj", None) is not None:
        names = dir(exc.obj)
    else:
        return ""
    close = difflib.get_close_matches(exc.name, names, n=1)
    return f". Did you mean: '{close[0]}'?" if close else ""


# =============================================================================
# Clients and groups
# =============================================================================
# Any thread: handlers, a program's own threads and the network loop all send
# messages and change groups.


class Client:
    """One page connected to the server.

    ``client.name`` starts as "Player 1", "Player 2"... and the program may
    change it, or set any attribute of its own (``client.score = 0``).
    ``client.keys`` is the keys held down on the page, like {'left', 'space'},
    when the page has data-keys.
    """

    def __init__(self, server, number, wire):
        self.number = number
        self.name = f"Player {number}"
        self.keys = set()
        self._server = server
        self._groups = set()
        self._session = Session(secrets.token_urlsafe(16))  # what its page gets, and when to read it
        self._wire = wire       # its connection now; a new one after a drop
        self._held = None       # jobs set aside while a handler of this client waits
        self._expiry = None     # while dropped: the timer that makes it leave for good
        self._joined = False    # its connect handler has started: clients() lists it from then on

    def __repr__(self):
        return f"<Client {self.number} {self.name!r}>"

    @property
    def groups(self):
        """The names of the groups this client is in."""
        return frozenset(self._groups)

    def send(self, op, **params):
        """Send a message to this client only."""
        self._server.post(self, encode(op, params, "send()").encode())

    def eval_js(self, script):
        """Run some JavaScript in this client's page."""
        if not isinstance(script, str):
            raise TypeError(say.cannot_send("eval_js()", "script", script))
        self._server.post(self, encode("wszero:eval", {"script": script}).encode())

    def add_to_group(self, group):
        """Put this client in a group for broadcast().  Already in it?  Nothing happens."""
        with _group_lock:
            self._groups.add(group)
            self._server.groups.setdefault(group, {})[self] = None

    def remove_from_group(self, group):
        """Take this client out of a group.  Not in it?  Nothing happens."""
        with _group_lock:
            self._groups.discard(group)
            members = self._server.groups.get(group)
            if members is not None:
                members.pop(self, None)
                if not members:
                    del self._server.groups[group]

    def _leave_all_groups(self):
        for group in list(self._groups):
            self.remove_from_group(group)


_group_lock = threading.Lock()  # group changes may come from any thread
_server = None                  # the running server, once there is one


def broadcast(op, group=None, exclude=None, **params):
    """Send a message to every connected client, or to the members of ``group``.

    ``exclude`` is a client, or a list of clients, that doesn't get it.
    """
    data = encode(op, params, "broadcast()").encode()
    server = _server
    if server is None:
        return
    if group is None:
        targets = tuple(server.clients)
    else:
        with _group_lock:
            targets = tuple(server.groups.get(group, ()))
    if exclude is not None:
        left_out = (exclude,) if isinstance(exclude, Client) else tuple(exclude)
        targets = tuple(c for c in targets if c not in left_out)
    if targets:
        server.post(targets, data)


def clients():
    """Every connected client, in the order they joined.

    A client counts once its connect handler has started, so the things that
    handler gives it are there.  A page whose connection dropped a moment ago
    still counts: it may be back in a second.
    """
    server = _server
    return [client for client in server.clients if client._joined] if server is not None else []


def members(group):
    """The clients in a group, in the order they joined it."""
    server = _server
    if server is None:
        return []
    with _group_lock:
        return list(server.groups.get(group, ()))


# =============================================================================
# Sessions: what each page gets, decided without I/O
# =============================================================================
# Like websockets' own Protocol, a Session only decides; the network loop
# carries its decisions out.  The rules that are easy to get wrong live here,
# tested on their own: what a page that drops and comes back gets, in which
# order, and when to stop reading from a page that sends faster than the
# program can answer.

LIVE, DROPPED, GONE = "live", "dropped", "gone"


class Session:
    """What one client's page gets, and when to read from it.  No sockets, no threads.

    ``state`` is LIVE while the page is connected, DROPPED for a while after
    its connection broke without a goodbye (it may come back), and GONE once
    the client has left for good.

    Sending: a message the page can't get right now is kept (``keep``); a
    page that comes back gets its hello, then every kept message in order,
    before anything newer (``resume``).

    Reading: every job run for the client counts while it waits, whether it
    is a message, a refusal or a line printed about the client.  Past
    MAX_WAITING_MESSAGES the page is not read (``paused``) until half of them
    are done.

    Loop thread only, except ``job_done``, which the game thread calls.
    """

    __slots__ = ("token", "state", "missed", "held", "held_bytes", "moved_at", "queued", "done", "paused")

    def __init__(self, token):
        self.token = token      # the page shows it when it comes back, to be the same client
        self.state = LIVE
        self.missed = []        # messages kept for the page while it can't get them, oldest first
        self.held = collections.deque()  # messages held back while its connection is full
        self.held_bytes = 0
        self.moved_at = 0.0     # when held messages last moved on (or began to be held)
        self.queued = 0         # jobs ever queued for the client (counted on the loop thread)
        self.done = 0           # jobs ever finished (counted by the game thread)
        self.paused = False     # the page is not read until enough jobs are done

    # -- sending ---------------------------------------------------------------------
    def keep(self, data):
        """Loop thread only.  Keep a message the page can't get now.

        False when too many are kept: the page has been gone too long, and the
        client must leave.
        """
        if self.state is GONE:
            return True
        self.missed.append(data)
        return len(self.missed) <= MAX_MISSED_MESSAGES

    def drop(self):
        """Loop thread only.  The connection broke, or is about to be replaced: keep what comes.

        What was held back for it is kept too, before anything kept since.
        """
        if self.state is LIVE:
            self.state = DROPPED
        if self.held:
            self.missed[:0] = self.held
            self.held.clear()
            self.held_bytes = 0

    def hold(self, messages, now):
        """Loop thread only.  Hold messages back while the connection is full.

        False when too much is held: the page has stopped reading, and must go.
        """
        if not self.held:
            self.moved_at = now
        self.held.extend(messages)
        self.held_bytes += sum(map(len, messages))
        return self.held_bytes <= MAX_UNSENT_BYTES

    def stalled(self, now):
        """True when a page far behind has read nothing for STALL_SECONDS: it has stopped reading."""
        return self.held_bytes > MAX_UNSENT_BYTES // 2 and now - self.moved_at > STALL_SECONDS

    def release(self, budget, now):
        """Loop thread only.  The oldest held messages, up to about ``budget`` bytes, to write now."""
        self.moved_at = now
        out = []
        while self.held and budget > 0:
            data = self.held.popleft()
            out.append(data)
            budget -= len(data)
            self.held_bytes -= len(data)
        return out

    def resume(self, hello):
        """Loop thread only.  The page is back: what its new connection gets first, in order.

        The hello, then every kept message.  Anything sent from now on is
        newer than those, so the network loop writes these before it.
        """
        replay = [hello, *self.missed]
        self.missed = []
        self.state = LIVE
        return replay

    def end(self):
        """Loop thread only.  The client has left for good: nothing more is kept."""
        self.state = GONE
        self.missed = []
        self.held.clear()
        self.held_bytes = 0

    # -- reading -------------------------------------------------------------------------
    def job_queued(self):
        """Loop thread only.  Count a job queued for this client; it may pause reading."""
        self.queued += 1
        if not self.paused and self.queued - self.done > MAX_WAITING_MESSAGES:
            self.paused = True  # set before looking again, so that job_done() can't miss it
            self.paused = self.queued - self.done > MAX_WAITING_MESSAGES

    def job_done(self):
        """Game thread.  Count a finished job.  True when a paused page may be read again."""
        self.done += 1
        return self.paused and self.queued - self.done <= MAX_WAITING_MESSAGES // 2

    def read_again(self):
        """Loop thread only.  True (and not paused any more) when a paused page may be read again."""
        if self.paused and self.queued - self.done <= MAX_WAITING_MESSAGES // 2:
            self.paused = False
            return True
        return False


# =============================================================================
# Taking turns: handlers one at a time, and time.sleep hands over
# =============================================================================
# Program code runs while holding the baton, so two handlers never run at the
# same moment.  A "player" thread takes jobs from the inbox and runs their
# handlers.  When a handler calls time.sleep, its thread gives the baton away
# and a spare thread becomes the player, so everyone else carries on.  When
# the sleeper wakes it queues for the baton, finishes its handler, and goes
# back to the pool.  async def handlers run on the loop and hold the baton
# between their awaits.
#
# Timers (the clock, below) are jobs too, and take turns the same way.


class Baton:
    """Exactly one holder at a time; waiting threads and tasks are served in order.  Any thread."""

    def __init__(self, loop):
        self._loop = loop
        self._mutex = threading.Lock()
        self._held = False
        self._queue = collections.deque()

    def waiting(self):
        return bool(self._queue)

    def take(self):
        """Any thread but the loop's: wait until this thread holds the baton."""
        with self._mutex:
            if not self._held:
                self._held = True
                return
            gate = threading.Lock()
            gate.acquire()
            self._queue.append(gate)
        gate.acquire()  # give() hands the baton over by opening our gate

    async def take_on_loop(self):
        """Loop thread only: wait (in a task) until this task holds the baton."""
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = self._loop.create_future()
            self._queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            with self._mutex:
                granted = turn not in self._queue
                if not granted:
                    self._queue.remove(turn)
            if granted:
                self.give()
            raise

    def give(self):
        """Holding the baton: pass it to the next in line, or put it down."""
        with self._mutex:
            if not self._queue:
                self._held = False
                return
            nxt = self._queue.popleft()
        if isinstance(nxt, asyncio.Future):
            self._loop.call_soon_threadsafe(_resolve, nxt)
        else:
            nxt.release()


def _resolve(future):
    if not future.done():
        future.set_result(None)


class Job:
    """One turn of program code: ``handler`` run for ``client`` with ``params``.

    ``reply_id`` is the id of a wszero.request() that waits for the return
    value.  ``joining`` marks a connect handler's job: from then on clients()
    lists the client.  ``leaving`` marks a disconnect handler's job:
    afterwards the client leaves its groups.

    Every job that starts gets exactly one Game.finished(), which counts it
    and lets the client's next jobs have their turn.
    """

    __slots__ = ("client", "handler", "params", "reply_id", "leaving", "joining")

    def __init__(self, client, handler, params, reply_id=None, leaving=False, joining=False):
        self.client = client
        self.handler = handler
        self.params = params
        self.reply_id = reply_id
        self.leaving = leaving
        self.joining = joining


_STOP = object()  # in the inbox: the player stops once the jobs before it are done
_real_sleep = time.sleep


class Game:
    """Runs the program's handlers, one at a time, in the order their jobs came.

    Plain handlers run on the player thread; async handlers on the loop.
    Each method says who may call it.
    """

    def __init__(self, server):
        self.server = server
        self.loop = server.loop
        self.baton = Baton(server.loop)
        self.inbox = collections.deque()
        self.idle = False
        self._mutex = threading.Lock()
        self._wake = threading.Lock()
        self._wake.acquire()
        self.player = None          # the thread that takes jobs from the inbox
        self.running_on = None      # the thread running a plain handler right now
        self.job = None             # that handler's Job (or the reload's), for sleep() and the watchdog
        self.turns = 0              # jobs started so far: the watchdog sees when one takes too long
        self.stepping = None        # the async handler's Job whose code runs on the loop right now
        self.step_started = 0.0     # when that step started (time.monotonic)
        self.loop_thread = threading.get_ident()  # Games are made on the loop thread
        self._spares = []           # gates of idle pool threads
        self.sleepers = 0           # handlers in time.sleep right now
        self.stop_waiting = False   # a stop that waits for the sleepers
        self.stopped = threading.Event()
        self.tasks = set()          # async handlers running on the loop
        self.abandoned = False      # the stop gave up waiting for a stuck handler

    # -- the inbox ---------------------------------------------------------------------
    def put(self, job):
        """Any thread: queue a job for its turn."""
        self.inbox.append(job)
        self._nudge()

    def _nudge(self):
        """Any thread: wake the player if it waits for jobs."""
        if self.idle:
            with self._mutex:
                if self.idle:
                    self.idle = False
                    self._wake.release()

    def start(self):
        """Loop thread: start the first player."""
        self._start_player()

    def stop(self):
        """Any thread: stop once every job queued so far is done."""
        self.put(_STOP)

    # -- players --------------------------------------------------------------------
    def _start_player(self):
        """Make a spare thread (or a new one) the player."""
        if self._spares:
            self._spares.pop().release()
        else:
            gate = threading.Lock()
            threading.Thread(target=self._pool_thread, args=(gate,), name="wszero-game", daemon=True).start()

    def _pool_thread(self, gate):
        while not self.stopped.is_set():
            self.player = threading.get_ident()
            if self._play():
                for spare in self._spares:
                    spare.release()
                return
            gate.acquire(blocking=False)
            self._spares.append(gate)
            gate.acquire()

    def _play(self):
        """Player thread: run jobs until another thread becomes the player.  True when stopping."""
        me = threading.get_ident()
        baton = self.baton
        inbox = self.inbox
        baton.take()
        try:
            while True:
                if not inbox:
                    baton.give()
                    self._wait_for_jobs()
                    baton.take()
                    continue
                job = inbox.popleft()
                if job is _STOP:
                    if self.sleepers:  # their clients' disconnect handlers still wait behind them
                        self.stop_waiting = True
                        continue
                    self.stopped.set()
                    return True
                self._handle(job)
                if self.player != me:
                    return False
                if baton.waiting():
                    baton.give()
                    baton.take()
        finally:
            baton.give()

    def _wait_for_jobs(self):
        with self._mutex:
            self.idle = True
        if self.inbox:  # one may have come while we marked ourselves idle
            with self._mutex:
                if self.idle:
                    self.idle = False
                    return
        self._wake.acquire()

    def _handle(self, job):
        """Holding the baton: run one job, or set it aside while its client's handler waits."""
        client = job.client
        if client is None:
            return self._tick(job)
        if client._held is not None:
            client._held.append(job)
            return
        if job.joining:
            client._joined = True
        handler = job.handler
        if handler.is_async:
            client._held = []  # its next jobs wait until the async handler is done
            self.loop.call_soon_threadsafe(self._start_async, job)
            return
        self.running_on = threading.get_ident()
        self.job = job
        self.turns += 1
        try:
            result = handler.func(client, **job.params)
        except Exception as exc:
            self.failed(job, exc)
        else:
            if job.reply_id is not None:
                self.reply(job, result)
        finally:
            self.running_on = self.job = None
            self.finished(job)

    def finished(self, job):
        """Holding the baton: after a job, count it and put back what waited for it."""
        if self.stop_waiting and not self.sleepers:
            self.stop_waiting = False
            self.put(_STOP)
        client = job.client
        if client is None:
            job.handler.ran()  # a timer: it may tick again
            return
        if job.leaving:
            client._leave_all_groups()
            client.keys.clear()
            print_line(say.left(client))
        held = client._held
        if held is not None:
            client._held = None
            self.inbox.extendleft(reversed(held))
            if held:
                self._nudge()  # the player may be idle, and can't know these came back
        if client._session.job_done():
            self.loop.call_soon_threadsafe(self.server.read_again, client)

    def _tick(self, job):
        """Holding the baton: run a timer's function (job.handler is the Timer)."""
        timer = job.handler
        if timer.cancelled:  # cancelled while this tick waited for its turn
            return self.finished(job)
        self.running_on = threading.get_ident()
        self.job = job
        self.turns += 1
        try:
            timer.function(*timer.args, **timer.kwargs)
        except Exception as exc:
            timer_failed(timer, exc)
        finally:
            self.running_on = self.job = None
            self.finished(job)

    def reply(self, job, result):
        """Holding the baton: send a handler's return value to the page that asked for it."""
        try:
            data = _dumps({"op": "wszero:reply", "id": job.reply_id, "result": result})
        except (TypeError, ValueError):
            data = error_message(say.cannot_send("A handler's return", "result", result), reply_id=job.reply_id)
        self.server.post(job.client, data.encode())

    def failed(self, job, exc):
        """Holding the baton: show a handler's mistake in the terminal, and on its page."""
        op = job.handler.op
        text, where = short_traceback(exc)
        print_line(say.handler_failed_terminal(op, text, exc), error=True)
        if not job.leaving:
            self.server.post(job.client, error_message(say.handler_failed_browser(op, exc, where),
                                                       op, job.reply_id).encode())

    # -- async def handlers ----------------------------------------------------------
    def _start_async(self, job):
        """Loop thread only."""
        task = self.loop.create_task(self._run_async(job))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run_async(self, job):
        """Loop thread only: drive an async handler, holding the baton whenever its code runs.

        Each step of the coroutine runs while this task holds the baton; what
        it awaits is passed on to the loop with the baton put down meanwhile.
        Even when the task is cancelled (the server stops), the job gets its
        finished(), so the client's disconnect handler still has its turn.
        """
        baton = self.baton
        holding = False
        coro = None
        try:
            await baton.take_on_loop()
            holding = True
            coro = job.handler.func(job.client, **job.params)
            value = error = None
            while True:
                self.stepping, self.step_started = job, time.monotonic()  # for the watchdog and Ctrl+C
                self.turns += 1
                try:
                    yielded = coro.send(value) if error is None else coro.throw(error)
                except StopIteration as done:
                    if job.reply_id is not None:
                        self.reply(job, done.value)
                    return
                except Exception as exc:
                    self.failed(job, exc)
                    return
                self.stepping = None
                holding = False
                baton.give()
                try:
                    value, error = await _Pass(yielded), None
                except BaseException as exc:
                    value, error = None, exc
                await baton.take_on_loop()
                holding = True
        finally:
            self.stepping = None
            if not holding:
                await self._take_baton_anyway()
            if coro is not None:
                coro.close()  # runs the handler's own finally blocks, in turn
            self.finished(job)
            baton.give()

    async def _take_baton_anyway(self):
        """Loop thread only: take the baton even while being cancelled, since a job that started must finish."""
        while True:
            try:
                await self.baton.take_on_loop()
                return
            except asyncio.CancelledError:
                if self.abandoned:  # the player is stuck for good: nobody will give it
                    raise

    # -- time.sleep --------------------------------------------------------------------
    def sleep(self, seconds):
        """Holding the baton, in a plain handler: time.sleep that lets another thread play meanwhile."""
        job = self.job
        client = job.client  # None in a timer
        if client is not None and client._held is None:
            client._held = []  # its next messages wait until this handler is done
        self.running_on = self.job = None
        if self.player == threading.get_ident():
            self.player = None
            self._start_player()
        self.sleepers += 1
        self.baton.give()
        try:
            _real_sleep(seconds)
        finally:
            self.baton.take()
            self.sleepers -= 1
            self.running_on = threading.get_ident()
            self.job = job
            self.turns += 1  # a new turn: the watchdog's clock starts again


class Watchdog:
    """Notices when one handler, timer or reload has held everyone up, and says where it is.

    A thread of its own, so it sees a stuck player however stuck it is.  It
    looks twice a second at which turn the game is on; a turn that has lasted
    STUCK_SECONDS is reported once, in the terminal and on every page.
    """

    def __init__(self, server):
        self.server = server
        self.game = server.game
        self.stopping = threading.Event()

    def start(self):
        threading.Thread(target=self._watch, name="wszero-watchdog", daemon=True).start()

    def _watch(self):
        game = self.game
        seen, since, told = None, time.monotonic(), None
        while not self.stopping.wait(0.5):
            now = time.monotonic()
            turn = (game.turns, game.running_on or (game.loop_thread if game.stepping else None))
            if turn != seen:
                seen, since = turn, now
                continue
            if turn[1] is not None and turn != told and now - since >= STUCK_SECONDS:
                told = turn
                what, where = self.stuck_at()
                print_line(say.stuck(what, where), error=True)
                server = self.server
                if server.clients:
                    server.post(tuple(server.clients), error_message(say.everyone_waiting(what)).encode(),
                                wait=False)  # the watchdog must never wait for anyone

    def stuck_at(self):
        """What is running now ("the 'chat' handler"), and its line right now, in words."""
        game = self.game
        job, thread = game.job, game.running_on
        if thread is None and game.stepping is not None:
            job, thread = game.stepping, game.loop_thread
        frame = sys._current_frames().get(thread)
        where = None
        while frame is not None:
            if not _is_library(frame.f_code.co_filename):
                where = (frame.f_code.co_filename, frame.f_lineno)
                break
            frame = frame.f_back
        return _turn_name(job), where


def _turn_name(job):
    if job is None or job is _RELOADING:
        return say.the_reload()
    if job.client is None:
        return say.the_timer(_function_name(job.handler.function))
    return say.the_handler(job.handler.op or "connect")


_RELOADING = object()  # Game.job while the program's new version loads


class _Pass:
    """Hands whatever a coroutine yields on to the task that drives it."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __await__(self):
        return (yield self.value)


_game = None


def _sleep(seconds):
    """time.sleep, except that inside a handler it lets other handlers run."""
    game = _game
    if game is not None and game.running_on == threading.get_ident() and seconds > 0:
        game.sleep(seconds)
    else:
        _real_sleep(seconds)


_sleep.__doc__ = time.sleep.__doc__
time.sleep = _sleep


def _share_sleep(names):
    """A program that did `from time import sleep` before importing wszero gets ours too."""
    for name, value in list(names.items()):
        if value is _real_sleep:
            names[name] = _sleep


# =============================================================================
# The clock: timers that take turns with handlers
# =============================================================================
# A timer's tick is a job like a message, so it takes its turn and never runs
# at the same moment as a handler.  Ticks come at a fixed rate, counted from
# the start, so they don't drift; a tick that comes while the last one is
# still waiting or running is skipped, never fired later in a burst.


class Timer:
    """A function that runs after some seconds, or every few seconds.

    every() and after() return one.  ``timer.cancel()`` stops it; cancelling
    twice, or a timer that has finished, does nothing.
    """

    def __init__(self, seconds, function, args, kwargs, repeat):
        self.seconds = seconds
        self.function = function    # held for as long as the timer lives: lambdas work too
        self.args = args
        self.kwargs = kwargs
        self.repeat = repeat
        self.cancelled = False
        self.busy = False           # its tick waits for its turn or runs: the next one is skipped
        self.start = None           # the clock's time when it started
        self.count = 0              # ticks due so far
        self._clock = None          # the clock it runs on, once started
        self._handle = None         # the clock's note of its next tick

    def __repr__(self):
        how = "every" if self.repeat else "after"
        state = " (cancelled)" if self.cancelled else ""
        return f"<Timer {how} {self.seconds}s: {_function_name(self.function)}{state}>"

    def cancel(self):
        """Stop this timer.  Any thread, its own function included."""
        if self.cancelled:
            return
        self.cancelled = True
        clock = self._clock
        if clock is not None:
            clock.forget(self)

    def next_tick(self, now):
        """When the tick after the one due now comes: fixed rate, skipping ticks missed by ``now``."""
        self.count = max(self.count + 1, int((now - self.start) // self.seconds) + 1)
        return self.start + self.count * self.seconds

    def ran(self):
        """Holding the baton: its tick is done."""
        self.busy = False
        if not self.repeat:
            self.cancelled = True  # a finished one-off: cancelling it now does nothing


def _function_name(function):
    name = getattr(function, "__name__", None) or getattr(getattr(function, "func", None), "__name__", "")
    return f"{name}()" if name and name != "<lambda>" else "a lambda" if name else repr(function)


def _new_timer(seconds, function, args, kwargs, repeat, what):
    """Check a timer's seconds and function once, then start it (or keep it until the server starts)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < float("inf"):
        raise TypeError(say.timer_seconds(what, seconds))
    if not callable(function):
        raise TypeError(say.timer_not_function(what, function))
    if inspect.iscoroutinefunction(function):
        raise TypeError(say.timer_async(what, function))
    try:
        inspect.signature(function).bind(*args, **kwargs)
    except TypeError:
        raise TypeError(say.timer_values(what, function, args, kwargs)) from None
    except ValueError:
        pass  # a built-in whose signature Python can't tell
    timer = Timer(seconds, function, args, kwargs, repeat)
    server = _server
    if server is not None and _runner_settings is None:
        server.clock.start(timer)  # from a handler, a timer or a thread, while the server runs
    else:
        _registry.timers.append(timer)  # the program is loading: it starts with the server
    return timer


def every(seconds, function=None, *args, **kwargs):
    """Run ``function(*args, **kwargs)`` every ``seconds`` while the server runs.

    Above a function with no parameters, ``@every(1)`` runs it every second.
    Returns a Timer; ``timer.cancel()`` stops it.
    """
    if function is None:
        def start_every(function):
            _new_timer(seconds, function, (), {}, True, f"@every({seconds!r})")
            return function
        return start_every
    return _new_timer(seconds, function, args, kwargs, True, "every()")


def after(seconds, function, *args, **kwargs):
    """Run ``function(*args, **kwargs)`` once, ``seconds`` from now.  Returns a Timer."""
    return _new_timer(seconds, function, args, kwargs, False, "after()")


def timer_failed(timer, exc):
    """Holding the baton: show a timer's mistake; an every() timer that failed stops."""
    name = _function_name(timer.function)
    print_line(say.timer_failed(name) + "\n" + short_traceback(exc)[0].rstrip("\n"), error=True)
    if timer.repeat and not timer.cancelled:
        timer.cancel()
        print_line(say.timer_stopped(name, timer.seconds), error=True)


class Clock:
    """Runs timers on the server's loop: each tick becomes a job in the game's inbox.

    Loop thread only, except start() and forget(), which any thread may call.
    """

    def __init__(self, loop, game):
        self.loop = loop
        self.game = game
        self.timers = set()  # started and not finished or cancelled

    def start(self, timer):
        """Any thread."""
        self.loop.call_soon_threadsafe(self._start, timer)

    def forget(self, timer):
        """Any thread: a cancelled timer ticks no more."""
        self.loop.call_soon_threadsafe(self._forget, timer)

    def _start(self, timer):
        if timer.cancelled:
            return
        timer._clock = self
        timer.start = self.loop.time()
        timer.count = 1
        self.timers.add(timer)
        timer._handle = self.loop.call_at(timer.start + timer.seconds, self._due, timer)

    def _due(self, timer):
        if timer.cancelled:
            return
        if not timer.busy:  # still busy with the last tick: this one is skipped
            timer.busy = True
            self.game.put(Job(None, timer, None))
        if timer.repeat:
            timer._handle = self.loop.call_at(timer.next_tick(self.loop.time()), self._due, timer)
        else:
            self.timers.discard(timer)

    def _forget(self, timer):
        if timer._handle is not None:
            timer._handle.cancel()
        self.timers.discard(timer)

    def cancel_all(self):
        """Loop thread only: a live reload, or the server stops."""
        for timer in list(self.timers):
            timer.cancel()
            self._forget(timer)



# =============================================================================
# The network loop
# =============================================================================
# Everything here runs on the loop thread, except Server.post() and
# Server.stop(), which any thread may call.  Sessions decide; this carries
# their decisions out.

_OPEN = _ConnectionClosed = _Headers = _Response = None  # from websockets, at start-up


def _import_websockets():
    """Import websockets once, at start-up, with a plain message if it's missing."""
    global _OPEN, _ConnectionClosed, _Headers, _Response
    try:
        import websockets
        problem = websockets_problem(getattr(websockets, "__version__", "0"), getattr(websockets, "__file__", ""))
        if problem:
            raise WszeroError(problem)
        from websockets.datastructures import Headers
        from websockets.exceptions import ConnectionClosed
        from websockets.http11 import Response
        from websockets.protocol import State
    except ImportError:
        raise WszeroError(say.no_websockets()) from None
    _OPEN, _ConnectionClosed, _Headers, _Response = State.OPEN, ConnectionClosed, Headers, Response


class Wire:
    """One page's websocket connection: the only code that touches websockets' internals.

    ``write`` mirrors what ``websockets.asyncio.connection.Connection.send``
    does (``protocol.send_text()``, then ``protocol.data_to_send()`` written
    to the transport) without the await, so a flush costs one write per
    connection.  It skips ``drain()``: the server watches ``unsent_bytes``
    instead.  Loop thread only.
    """

    __slots__ = ("ws", "protocol", "transport", "_resumed")

    def __init__(self, ws):
        self.ws = ws
        self.protocol = ws.protocol
        self.transport = ws.transport
        self._resumed = None  # while reading is paused: resolved to read again

    def is_open(self):
        return self.protocol.state is _OPEN

    def closed_by_page(self):
        """True when the page said goodbye (a close frame), rather than dropping."""
        return self.protocol.close_rcvd is not None

    def write(self, messages):
        protocol = self.protocol
        for data in messages:
            protocol.send_text(data)
        chunks = protocol.data_to_send()
        if b"" in chunks:  # b"" asks for end-of-file; the connection closes by itself
            for chunk in chunks:
                if chunk:
                    self.transport.write(chunk)
        else:
            self.transport.write(b"".join(chunks))

    def unsent_bytes(self):
        return self.transport.get_write_buffer_size()

    def abort(self):
        """Drop the connection at once, without a goodbye."""
        self.transport.abort()

    async def paused(self):
        """Read nothing more until read_again(), or until the connection closes."""
        self._resumed = asyncio.get_running_loop().create_future()
        closed = asyncio.ensure_future(self.ws.wait_closed())
        try:
            await asyncio.wait((self._resumed, closed), return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
            self._resumed = None

    def read_again(self):
        if self._resumed is not None:
            _resolve(self._resumed)


def open_connections(ws_server):
    """The TCP connections websockets' server holds, finished handshakes or not.

    Mirrors ``websockets.asyncio.server.Server.handler_tasks`` (one task per
    connection, from connection_made to the end).
    """
    tasks = getattr(ws_server, "handler_tasks", None)
    return len(tasks) if tasks is not None else len(ws_server.connections)


def raise_open_files_limit(resource=None):
    """Let the program hold as many connections as the system allows; the limit now in force.

    Raises the soft limit of open files to the hard one, where the platform
    allows.  None where there is no such limit to read (Windows).
    """
    if resource is None:
        try:
            import resource
        except ImportError:
            return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # macOS says "infinity" but refuses more than its kernel's own limit (10240 by default).
    for wanted in ((hard,) if hard != resource.RLIM_INFINITY else (65536, 10240)):
        if soft >= wanted:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            return wanted
        except (ValueError, OSError):
            continue
    return soft


def connection_limit(open_files):
    """How many connections to accept at once with this many open files allowed."""
    if open_files is None or open_files < 0:
        return 10000  # Windows: its event loop has no limit of its own to respect
    return max(16, open_files - SPARE_FILES)


def _quiet_accept_errors():
    """asyncio writes a traceback each time accept() finds no free file; one line per burst instead."""
    import logging

    class Quiet(logging.Filter):
        def filter(self, record):
            if "out of system resource" in record.getMessage():
                if _server is not None:
                    _server.turn_away()
                return False
            return True

    logger = logging.getLogger("asyncio")
    if not any(type(f).__name__ == "Quiet" for f in logger.filters):
        logger.addFilter(Quiet())


def _no_handler(client):
    """Stands in for a missing connect or disconnect handler."""


def _print_job(client, text, error=False):
    print_line(text, error)


def _refuse_job(client, text, about, reply_id):
    print_line(f"{_name(client)}: {text}", error=True)
    client._server.post(client, error_message(text, about, reply_id).encode())


NO_HANDLER = Handler("", _no_handler)
PRINT_LINE = Handler("", _print_job)  # a line about a client, printed in turn with its handlers
REFUSE = Handler("", _refuse_job)     # a message that can't be handled, explained in turn
_RELOAD = b'{"op":"wszero:reload"}'


class Server:
    """The pages and the websocket on one port, run by an asyncio loop.

    Loop thread only, except post() and stop(), which any thread may call.
    """

    def __init__(self, folder, registry, settings, program="", path=None):
        self.folder = folder
        self.registry = registry
        self.settings = settings
        self.port = settings.port
        self.program = program or "your program"
        self.clients = {}   # every client still here, in the order they joined (as dict keys)
        self.groups = {}    # group name -> its clients, in the order they joined it (as dict keys)
        self.tokens = {}    # resume token -> every client still here
        self.parked = {}    # resume token -> a client whose connection dropped a moment ago
        self.outbox = collections.deque()
        self.flush_pending = False
        self.room = threading.Condition()  # threads that wait for room in the outbox
        self.waiting_for_room = 0
        self.behind = set()                # clients whose sessions hold messages for a full connection
        self.congested = False             # one of them is far behind: senders wait
        self.catching_up = False           # a catch_up() is due in a moment
        self.stopped = False
        self.numbers = 0
        self.turned_away_said = -60.0      # when wszero last said it turns connections away (monotonic)
        self.loop = None
        self.loop_thread = None
        self.game = None
        self.clock = None
        self.ready = threading.Event()
        self.stop_requested = None
        self.reload = LiveReload(self, path) if path and settings.reload else None
        self.origins = Origins(settings.origins)  # which pages may connect: see check_origin()

    # -- sending -----------------------------------------------------------------------
    def post(self, target, data, wait=True):
        """Any thread: queue data for one client or a tuple of clients.

        When too much waits to be written, a thread of the program's own waits
        here for the network to catch up, so a thread that sends faster than
        the pages read is slowed down to their pace.  Handlers and timers
        never wait: everyone else's turn would wait with them.  What they send
        queues, and a page that falls too far behind is disconnected.
        """
        outbox = self.outbox
        if (len(outbox) >= MAX_WAITING_SENDS or self.congested) and wait:
            me = threading.get_ident()
            if me != self.loop_thread and me != self.game.running_on:
                self.wait_for_room()
        outbox.append((target, data))
        if not self.flush_pending:
            self.flush_pending = True
            self.loop.call_soon_threadsafe(self.flush)

    def wait_for_room(self):
        """Any thread but the loop's: wait until the outbox is half empty (or the server stops)."""
        with self.room:
            self.waiting_for_room += 1
            try:
                while (len(self.outbox) > MAX_WAITING_SENDS // 2 or self.congested) and not self.stopped:
                    self.room.wait(0.5)
            finally:
                self.waiting_for_room -= 1

    def flush(self):
        """Write what the outbox holds, one socket write per connection.

        Messages are gathered per connection first, then each connection is
        framed and written in turn, so the first page gets a broadcast
        without waiting for the rest to be framed.  A page that can't get a
        message now has it kept by its session.  One flush writes about
        FLUSH_BYTES, then lets the loop read and answer others before the next.
        """
        self.flush_pending = False
        outbox = self.outbox
        frames = {}  # client -> its message, or a list of its messages in order
        budget = FLUSH_BYTES
        if self.behind:
            self.catch_up()  # what waited for a page goes before anything newer
        while outbox and budget > 0:
            target, data = outbox.popleft()
            if type(target) is Client:
                target = (target,)
                budget -= len(data)
            else:
                budget -= len(data) * len(target)
            for client in target:
                if client._session.state is LIVE and client._wire.is_open():
                    waiting = frames.get(client)
                    if waiting is None:
                        frames[client] = data  # no list for the usual one message: less for the GC
                    elif type(waiting) is list:
                        waiting.append(data)
                    else:
                        frames[client] = [waiting, data]
                elif not client._session.keep(data):
                    self.leave(client)
        for client, messages in frames.items():
            self.write(client, messages if type(messages) is list else (messages,))
        if outbox and not self.flush_pending:
            self.flush_pending = True
            self.loop.call_soon(self.flush)  # after the loop has read what came meanwhile
        if self.behind:
            self.catch_up()
        if self.waiting_for_room and len(outbox) <= MAX_WAITING_SENDS // 2 and not self.congested:
            with self.room:
                self.room.notify_all()

    def write(self, client, messages):
        """Write a page's messages now, or let its session hold them while its connection is full."""
        session, wire = client._session, client._wire
        if session.held_bytes or wire.unsent_bytes() > WRITE_HIGH_WATER:
            if session.hold(messages, time.monotonic()):
                self.behind.add(client)
                if session.held_bytes > MAX_UNSENT_BYTES // 2:
                    self.congested = True  # senders wait from now, not from the next look
            else:
                print_line(say.too_slow(client))
                wire.abort()
        else:
            wire.write(messages)

    def catch_up(self):
        """Write what sessions held for pages whose connections have room again.

        While some page is far behind, the outbox counts as full (``congested``),
        so threads that send wait for it.  Looks again every few milliseconds
        while any page is behind.
        """
        congested = False
        now = time.monotonic()
        for client in list(self.behind):
            session, wire = client._session, client._wire
            if session.state is not LIVE or not wire.is_open():
                self.behind.discard(client)  # its session keeps the rest, for when it comes back
                continue
            if wire.unsent_bytes() <= WRITE_LOW_WATER:
                wire.write(session.release(FLUSH_BYTES, now))
            if not session.held_bytes:
                self.behind.discard(client)
            elif session.stalled(now):
                print_line(say.too_slow(client))
                wire.abort()
                self.behind.discard(client)
            elif session.held_bytes > MAX_UNSENT_BYTES // 2:
                congested = True
        self.congested = congested
        if self.behind and not self.catching_up:
            self.catching_up = True
            self.loop.call_later(0.005, self._catch_up_later)

    def _catch_up_later(self):
        self.catching_up = False
        self.flush()

    def hello(self, client, resumed):
        msg = {"op": "wszero:hello", "version": PROTOCOL_VERSION, "resume": client._session.token,
               "resumed": resumed}
        if not self.settings.show_errors:
            msg["show_errors"] = False  # a finished game: mistakes go to the console only
        return _dumps(msg).encode()

    # -- jobs ---------------------------------------------------------------------------
    def queue(self, job):
        """Hand a job to the game, counting it against its client's limit."""
        job.client._session.job_queued()
        self.game.put(job)

    def print_in_turn(self, client, text, error=False):
        """A line about a client, printed between two handlers (so never inside a handler's prints)."""
        self.queue(Job(client, PRINT_LINE, {"text": text, "error": error}))

    def read_again(self, client):
        """A job of a paused client finished: read its page again if enough are done."""
        if client._session.read_again():
            client._wire.read_again()

    # -- connections -------------------------------------------------------------------
    async def connection(self, ws):
        """One page's connection, from its handshake until it closes."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(ws.request.path).query)
        version = query.get("v", [str(PROTOCOL_VERSION)])[0]
        if version != str(PROTOCOL_VERSION):
            problem = say.wrong_version(version)
            print_line(problem, error=True)
            await ws.send(error_message(problem))
            await ws.close(WRONG_VERSION, "wrong version")
            return
        wire = Wire(ws)
        client = self.tokens.get(query.get("resume", [""])[0])
        if client is not None:
            self.resume(client, wire)
        else:
            client = self.join(wire)
        session = client._session
        try:
            async for text in ws:
                if type(text) is not str:
                    self.refuse(client, say.binary())
                else:
                    try:
                        handler, params, reply_id = read_message(text, self.registry.handlers)
                    except MessageError as problem:
                        self.refuse(client, str(problem), problem.about, problem.reply_id)
                    else:
                        if handler in KEYS_ONLY and reply_id is None:
                            _change_key(client, params["key"], KEYS_ONLY[handler])
                        else:
                            self.queue(Job(client, handler, params, reply_id))
                if session.paused:
                    await wire.paused()
        except _ConnectionClosed:
            pass
        finally:
            if client._wire is not wire:
                pass  # the page came back on a newer connection
            elif not wire.closed_by_page() and not self.stop_requested.is_set() and self.settings.grace > 0:
                self.park(client)  # dropped, not closed: the page may be back in a moment
            else:
                self.leave(client)

    def join(self, wire):
        """A new page: a new client, whose connect handler runs."""
        self.numbers += 1
        client = Client(self, self.numbers, wire)
        self.clients[client] = None
        self.tokens[client._session.token] = client
        wire.write((self.hello(client, resumed=False),))
        self.print_in_turn(client, say.joined(client))
        self.queue(Job(client, self.registry.handlers.get("connect", NO_HANDLER), {}, joining=True))
        return client

    def resume(self, client, wire):
        """A page is back after a drop: it gets its hello, then what it missed, then anything new."""
        session = client._session
        if self.parked.pop(session.token, None) is not None:
            client._expiry.cancel()
        session.drop()  # the old connection may not even look dead yet: keep what is flushed to it
        client._wire.abort()
        client._wire = wire
        # Written now, so it comes before anything still in the outbox, which is all newer.
        wire.write(session.resume(self.hello(client, resumed=True)))
        self.print_in_turn(client, say.came_back(client))

    def park(self, client):
        """Keep a dropped client for a while, with what is sent to it meanwhile."""
        client._session.drop()
        self.parked[client._session.token] = client
        client._expiry = self.loop.call_later(self.settings.grace, self.leave, client)

    def leave(self, client):
        """The client is gone for good: its disconnect handler runs, then it leaves its groups."""
        if client not in self.clients:
            return
        if client._expiry is not None:
            client._expiry.cancel()
        self.parked.pop(client._session.token, None)
        self.tokens.pop(client._session.token, None)
        client._session.end()
        del self.clients[client]
        self.queue(Job(client, self.registry.handlers.get("disconnect", NO_HANDLER), {}, leaving=True))

    def refuse(self, client, text, about=None, reply_id=None):
        """A message that can't be handled: the page and the terminal get the reason in turn.

        In turn, so the page gets its answers in the order it sent its messages.
        """
        self.queue(Job(client, REFUSE, {"text": text, "about": about, "reply_id": reply_id}))

    # -- running -------------------------------------------------------------------------
    async def run(self, on_ready=None):
        """Serve until stop() (or Ctrl+C), then close every connection cleanly."""
        global _server, _game
        from websockets.asyncio.server import serve
        self.loop = asyncio.get_running_loop()
        self.loop_thread = threading.get_ident()
        self.stop_requested = asyncio.Event()
        self.max_connections = connection_limit(raise_open_files_limit())
        _quiet_accept_errors()
        self.game = Game(self)
        self.game.start()
        self.clock = Clock(self.loop, self.game)
        self.watchdog = Watchdog(self)
        self.watchdog.start()
        _server, _game = self, self.game
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self.loop.add_signal_handler(sig, self.stop_requested.set)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # Windows, or not the main thread: Ctrl+C cancels us instead
            else:  # the loop still hears the signal; this runs even while the loop itself is stuck
                signal.signal(sig, self._interrupt_stuck_step)
        ws_server = self.ws_server = await self.open_port(serve)
        self.start_timers(self.registry)
        self.ready.set()
        if on_ready:
            on_ready(self)
        watching = self.loop.create_task(self.reload.watch()) if self.reload else None
        try:
            await self.stop_requested.wait()
        except asyncio.CancelledError:
            if sys.version_info >= (3, 11):  # 3.10 counts no cancellations, so has none to undo
                asyncio.current_task().uncancel()
        print_line(say.stopping())
        if watching:
            watching.cancel()
        self.clock.cancel_all()
        ws_server.close()
        await ws_server.wait_closed()
        for client in list(self.parked.values()):
            self.leave(client)
        game = self.game
        for task in list(game.tasks):
            task.cancel()
        if game.tasks:  # let cancelled async handlers finish, so their clients' turns come
            await asyncio.wait(list(game.tasks), timeout=STOP_SECONDS)
        game.stop()
        # A handler stuck in a loop must not keep Ctrl+C from ending the program.
        finished = await in_daemon_thread(lambda: game.stopped.wait(STOP_SECONDS) or game.sleepers)
        if not finished:
            game.abandoned = True
            print_line(say.still_running(_turn_name(game.job)) if game.running_on else say.handler_stuck())
        elif not game.stopped.is_set():  # handlers asleep in time.sleep: their clients still wait
            await in_daemon_thread(lambda: game.stopped.wait(RESUME_SECONDS))
        self.watchdog.stopping.set()
        self.stopped = True
        with self.room:
            self.room.notify_all()
        _server = _game = None
        print_line(say.stopped())

    async def open_port(self, serve):
        """Start websockets' server on the port, or the next free one."""
        import logging
        logger = logging.getLogger("wszero.websockets")
        logger.setLevel(logging.CRITICAL)
        logger.propagate = False
        first = self.port or _free_port()
        for port in range(first, first + 21):
            try:
                ws_server = await serve(self.connection, self.settings.host, port,
                                        process_request=self.answer_http, max_size=MAX_MESSAGE_BYTES,
                                        logger=logger, server_header=None,
                                        # Game messages are small: compressing them tripled the
                                        # memory of each connection and the work of each message.
                                        compression=None)
            except OSError:
                continue
            self.port = port
            if self.port != first:
                print_line(say.port_taken(first, self.port))
            return ws_server
        raise WszeroError(say.no_free_port(first))

    def _interrupt_stuck_step(self, signum, frame):
        """Main thread, between two lines of whatever runs: Ctrl+C or SIGTERM.

        The loop hears the signal and stops the server.  But an async handler
        that never awaits holds the loop itself, so then it is stopped where it is.
        """
        game = self.game
        if game is not None and game.stepping is not None and time.monotonic() - game.step_started > 1:
            print_line(say.still_running(_turn_name(game.stepping)))
            raise KeyboardInterrupt

    def start_timers(self, registry):
        """The timers a program started as it loaded start now."""
        for timer in registry.timers:
            self.clock._start(timer)
        registry.timers = []

    def answer_http(self, connection, request):
        """websockets' process_request: plain HTTP gets an answer, the handshake on /ws goes on."""
        if open_connections(self.ws_server) > self.max_connections:
            self.turn_away()
            return _response(503, "Service Unavailable", say.too_many_connections_page())
        refused = self.origins.refusal(request, socket=request.path.partition("?")[0] == SOCKET_PATH)
        if refused:
            return refused
        return answer_http(request, self.folder, self.playground, self.reload and self.reload.loaded)

    def turn_away(self):
        """A connection was refused for want of room: say so once per burst, not once each."""
        now = time.monotonic()
        if now - self.turned_away_said >= 10:
            print_line(say.too_many_connections(self.max_connections), error=True)
            self.turned_away_said = now

    def playground(self):
        return playground_page(self.registry.handlers, self.program)

    def stop(self):
        """Any thread: ask the server to stop.  Stopped already?  Nothing happens."""
        if self.loop is not None and self.stop_requested is not None:
            try:
                self.loop.call_soon_threadsafe(self.stop_requested.set)
            except RuntimeError:
                pass  # its loop has closed: it has stopped


def _free_port():
    """A port nobody uses right now, for --port 0 (the same one on IPv4 and IPv6)."""
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


# =============================================================================
# Live reload
# =============================================================================
# Saving the program runs it again (a mistake keeps the old version running);
# saving a file that open pages loaded reloads those pages.


class LiveReload:
    """Watches the program's folder for a server.  Loop thread, except run_again()."""

    def __init__(self, server, path):
        self.server = server
        self.path = path
        self.folder = server.folder
        self.loaded = set()  # URL paths pages have loaded: saving one of those reloads them

    async def watch(self):
        """Every half second, look for saved files; run a changed program again."""
        server = self.server
        loop = server.loop
        watcher = Watcher(self.folder)
        while True:
            await asyncio.sleep(0.5)
            changed = await loop.run_in_executor(None, watcher.changes)
            # A file the program writes (scores.json, say) must not reload everyone's page.
            changed = [p for p in changed if p.endswith(".py") or self.url_of(p) in self.loaded]
            if not changed:
                continue
            names = ", ".join(sorted(os.path.relpath(p, self.folder) for p in changed))
            if any(p.endswith(".py") for p in changed):
                registry = await in_daemon_thread(self.run_again)
                if registry is None:
                    continue
                server.clock.cancel_all()  # the old program's timers
                server.registry = registry
                server.start_timers(registry)
                print_line(say.reloaded_program(names))
            else:
                print_line(say.reloaded_files(names))
            if server.clients:
                server.post(tuple(server.clients), _RELOAD)

    def url_of(self, path):
        return "/" + os.path.relpath(path, self.folder).replace(os.sep, "/")

    def run_again(self):
        """A thread of the loop's executor: run the changed program; its Registry, or None.

        On a mistake the old handlers stay.  The program's top-level code takes
        its turn like a handler.
        """
        game = self.server.game
        baton = game.baton
        def still_waiting():  # it waits its turn, like a handler; if that takes a while, say why
            job = game.job
            if job is not None and job is not _RELOADING:
                print_line(say.reload_waits(os.path.basename(self.path), _turn_name(job)))

        waiting = threading.Timer(1, still_waiting)
        waiting.daemon = True
        waiting.start()
        baton.take()
        waiting.cancel()
        game.running_on, game.job = threading.get_ident(), _RELOADING
        game.turns += 1
        try:
            registry = load_program(self.path)
        except BaseException as exc:
            problem = str(exc) if isinstance(exc, WszeroError) else short_traceback(exc)[0]
            print_line(say.reload_failed(os.path.basename(self.path)) + "\n" + problem.rstrip(), error=True)
            return None
        finally:
            game.running_on = game.job = None
            baton.give()
        registry.ready()
        return registry


def in_daemon_thread(function):
    """Loop thread only: await function() run in a thread that can't keep the program from ending.

    The loop's own executor is joined when the program ends, so something that
    may never return (a stuck handler's baton) must not run there.
    """
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def run():
        try:
            result = function()
        except BaseException as exc:
            loop.call_soon_threadsafe(_settle, future, None, exc)
        else:
            loop.call_soon_threadsafe(_settle, future, result, None)

    threading.Thread(target=run, name="wszero-helper", daemon=True).start()
    return future


def _settle(future, result, exc):
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class Watcher:
    """Notices files in a folder being saved, by their modification times."""

    LIMIT = 2000  # files; a bigger folder is not a child's project folder

    def __init__(self, folder):
        self.folder = folder
        self.seen = self.scan() or {}

    def scan(self):
        """Every file's (time, size); None when the folder can't be read right now."""
        times = {}
        failed = []
        for top, dirs, files in os.walk(self.folder, onerror=failed.append):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            for name in files:
                if name.startswith(".") or name.endswith((".pyc", "~", ".swp")):
                    continue
                path = os.path.join(top, name)
                try:
                    info = os.stat(path)
                    times[path] = (info.st_mtime_ns, info.st_size)
                except OSError:
                    pass
                if len(times) >= self.LIMIT:
                    return times
        return None if failed else times

    def changes(self):
        """The files saved, added or deleted since last time, once they have stopped changing.

        Many editors save by emptying a file and then writing it: running the
        program in between would run an empty program.
        """
        now = self.scan()
        if now is None or now == self.seen:
            return []  # unreadable for now (out of open files, say): look again next time
        for _ in range(10):
            _real_sleep(0.1)
            later = self.scan()
            if later is None:
                return []
            if later == now:
                break
            now = later
        changed = [p for p in now.keys() | self.seen.keys() if now.get(p) != self.seen.get(p)]
        self.seen = now
        return changed


# =============================================================================
# TestClient: a program with no network and no waiting
# =============================================================================
# For tests, and for teachers who grade thirty programs without opening
# thirty browsers.  It stands in for both the server and the game thread, so
# handlers run right away in the test's own thread, and time is pretend.


class TestClient:
    """Runs a program with pretend pages and pretend time.

    ::

        with TestClient("game.py") as game:   # the program, loaded fresh; run_server() opens no port
            ada = game.connect()              # runs the connect handler
            assert ada.send("point", n=2) == 2
            game.advance(5)                   # five seconds pass at once: timers run

    A handler's mistake is raised in the test as itself; a message the server
    would refuse raises MessageError with the sentence the page would get.
    time.sleep in a handler or a timer makes pretend time pass, at once, and
    so does await asyncio.sleep in an async handler (see _PretendLoop).
    """

    __test__ = False  # for pytest: this is a tool, not a test

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.now = 0.0          # pretend seconds since the program started
        self.clients = {}       # as Server.clients: every client here, in the order they joined
        self.groups = {}        # as Server.groups
        self.pages = {}         # client -> its TestPage
        self.numbers = 0
        self.running_on = None  # as Game.running_on: time.sleep on this thread is pretend
        self.clock = self       # as Server.clock: timers start here
        self._due = []          # heap of (when, order, timer)
        self._order = 0
        self._saved = None

    def __enter__(self):
        global _server, _game
        self._saved = _server, _game, list(sys.path)
        self._modules = set(sys.modules)  # the program's own modules are forgotten afterwards
        _server = _game = self
        sys.path.insert(0, os.path.dirname(self.path))  # the program may import its neighbours
        try:
            self.registry = load_program(self.path)
        except BaseException:
            self.__exit__()
            raise
        self.registry.ready()
        for timer in self.registry.timers:
            self.start(timer)
        return self

    def __exit__(self, *exc):
        global _server, _game
        for _, _, timer in self._due:
            timer.cancel()
        _server, _game, sys.path[:] = self._saved
        folder = os.path.dirname(self.path) + os.sep
        for name in set(sys.modules) - self._modules:  # so the next TestClient loads them afresh
            if (getattr(sys.modules.get(name), "__file__", None) or "").startswith(folder):
                sys.modules.pop(name, None)

    # -- pages -----------------------------------------------------------------------
    def connect(self):
        """A new page joins: its connect handler runs.  Returns its TestPage."""
        self.numbers += 1
        client = Client(self, self.numbers, None)
        page = self.pages[client] = TestPage(self, client)
        self.clients[client] = None
        client._joined = True
        self._run(self.registry.handlers.get("connect", NO_HANDLER), client, {})
        return page

    def _leave(self, page):
        client = page.client
        if client not in self.clients:
            return
        del self.clients[client]
        try:
            self._run(self.registry.handlers.get("disconnect", NO_HANDLER), client, {})
        finally:
            client._leave_all_groups()
            client.keys.clear()

    def _message(self, page, op, params):
        if page.client not in self.clients:
            raise WszeroError(say.test_page_gone(page.client))
        text = json.dumps({"op": op, **params})  # what a page would send
        handler, values, _ = read_message(text, self.registry.handlers)
        return self._run(handler, page.client, values)

    def _run(self, handler, client, values):
        global _server, _game
        previous = self.running_on, _server, _game
        self.running_on = threading.get_ident()
        _server = _game = self  # with two TestClients at once, each program reaches its own pages
        try:
            result = handler.func(client, **values)
            if handler.is_async:
                result = _PretendLoop.finish(self, result)
            return result
        finally:
            self.running_on, _server, _game = previous

    def post(self, target, data):
        """As Server.post: what a page gets goes in its ``received``."""
        msg = json.loads(data)
        for client in (target,) if type(target) is Client else target:
            page = self.pages.get(client)
            if page is not None and client in self.clients:
                page.received.append(dict(msg))

    # -- pretend time ----------------------------------------------------------------
    def advance(self, seconds):
        """Let ``seconds`` of pretend time pass at once: the timers due meanwhile run, in order."""
        end = self.now + seconds
        while self._due and self._due[0][0] <= end:
            when, _, timer = heapq.heappop(self._due)
            if timer.cancelled:
                continue
            self.now = max(self.now, when)
            try:
                self._run(timer_handler(timer), None, {})
            except Exception:
                timer.cancel()  # as on the server, an every() timer that failed stops
                raise
            finally:
                if timer.repeat and not timer.cancelled:
                    self._schedule(timer, timer.next_tick(self.now))
                timer.ran()
        self.now = max(self.now, end)

    def sleep(self, seconds):
        """As Game.sleep: time.sleep in a handler or a timer, in pretend time."""
        self.advance(seconds)

    def start(self, timer):
        """As Clock.start."""
        if timer.cancelled:
            return
        timer._clock = self
        timer.start = self.now
        timer.count = 1
        self._schedule(timer, self.now + timer.seconds)

    def forget(self, timer):
        """As Clock.forget: a cancelled timer is skipped when its time comes."""

    def _schedule(self, timer, when):
        self._order += 1
        heapq.heappush(self._due, (when, self._order, timer))


class _PretendLoop(asyncio.SelectorEventLoop):
    """TestClient's loop for an async handler: ``await asyncio.sleep`` is pretend, as time.sleep is.

    Its clock is the TestClient's.  When the loop would wait for its next
    timer, the time until then passes at once (and wszero's timers due
    meanwhile run, in order), so nothing waits in real time.
    """

    def __init__(self, game):
        super().__init__(_PretendSelector(game))
        self._game = game

    def time(self):
        return self._game.now

    @classmethod
    def finish(cls, game, coroutine):
        """Run an async handler's coroutine to its end, and return its result.

        The test itself may be running in a loop of its own (a notebook's, or
        a pytest plugin's, like Playwright's); that one waits for this call
        anyway, so it is set aside meanwhile, and then put back.
        """
        outer = asyncio._get_running_loop()
        asyncio._set_running_loop(None)
        loop = cls(game)
        try:
            return loop.run_until_complete(coroutine)
        finally:
            loop.close()
            asyncio._set_running_loop(outer)


class _PretendSelector(selectors.DefaultSelector):
    def __init__(self, game):
        super().__init__()
        self._game = game

    def select(self, timeout=None):
        ready = super().select(0)
        if ready or timeout is None:  # None: nothing is due, and only real I/O could come
            return ready or super().select(timeout)
        if timeout > 0:
            self._game.advance(timeout)
        return []


class TestPage:
    """One pretend page of a TestClient."""

    __test__ = False

    def __init__(self, game, client):
        self.client = client    # the Client the program's handlers get
        self.received = []      # every message this page got, as dicts, in order
        self._game = game

    def send(self, op, **params):
        """Send a message, as the page would: its handler runs now, and its return value comes back."""
        return self._game._message(self, op, params)

    def disconnect(self):
        """The page leaves: its disconnect handler runs."""
        self._game._leave(self)


def timer_handler(timer):
    """A Handler-like view of a timer, for running it like a handler with no client."""
    return _TimerRun(timer)


class _TimerRun:
    __slots__ = ("timer", "is_async")

    def __init__(self, timer):
        self.timer = timer
        self.is_async = False

    def func(self, client):
        return self.timer.function(*self.timer.args, **self.timer.kwargs)



# =============================================================================
# HTTP: the program's pages and files
# =============================================================================

_TYPES = {".html": "text/html", ".htm": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
          ".css": "text/css", ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
          ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
          ".ico": "image/x-icon", ".txt": "text/plain", ".wav": "audio/wav", ".mp3": "audio/mpeg",
          ".ogg": "audio/ogg", ".mp4": "video/mp4", ".webm": "video/webm", ".woff2": "font/woff2",
          ".woff": "font/woff", ".ttf": "font/ttf", ".wasm": "application/wasm", ".map": "application/json"}
_NEVER_SERVED = (".py", ".pyc", ".pyw", ".pyo", ".pyz")
#: Files Windows Explorer leaves in folders by itself (lower case): never the program's pages.
_WINDOWS_EXTRAS = ("desktop.ini", "thumbs.db")


def content_type(name):
    ext = os.path.splitext(name)[1].lower()
    ctype = _TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return ctype + "; charset=utf-8" if ctype.startswith("text/") or ctype.endswith(("json", "javascript")) else ctype


class Refused(Exception):
    """A request for something that is never served; args: status, text."""


def safe_path(url_path):
    """The relative path a URL asks for, as a list of parts, or Refused.

    Refuses anything that could leave the folder or reveal what should stay
    private: '..', dotfiles and dot-folders, __pycache__, backslashes,
    NUL bytes, Windows' desktop.ini and Thumbs.db, and Python files.  Pure:
    it looks at no files.
    """
    path = urllib.parse.unquote(url_path, errors="strict") if "%" in url_path else url_path
    if "\\" in path or "\0" in path or not path.startswith("/"):
        raise Refused(404, path)
    parts = [p for p in path.split("/") if p]
    for part in parts:
        # "quiz.py." and "quiz.py " open quiz.py on Windows
        if (part.startswith(".") or part == "__pycache__" or ":" in part or part != part.rstrip(". ")
                or part.lower() in _WINDOWS_EXTRAS):
            raise Refused(404, path)
    if parts and parts[-1].lower().endswith(_NEVER_SERVED):
        raise Refused(403, say.python_hidden(parts[-1]))
    return parts


# -- Who may connect: origins and Host names ---------------------------------------
# A page on any website can open a websocket to any address its browser can
# reach, a wszero server on the classroom's network included.  So a socket is
# opened only for pages on this computer, on a private network, at the same
# address as wszero, or named in run_server(origins=[...]).  A site can also
# point its own name at a classroom computer (DNS rebinding), and its pages
# then count as the same address: the Host header catches that, because it
# must be an address or a name this computer has.

_LOCAL_NETWORKS = tuple(ipaddress.ip_network(net) for net in (
    "127.0.0.0/8", "::1/128",  # this computer
    # Private networks, written out: ipaddress's is_private also covers
    # documentation and reserved ranges, which are no classroom's network.
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "fc00::/7", "fe80::/10"))
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::([0-9]{1,5}))?", re.ASCII)
_ORIGIN = re.compile(r"([a-z][a-z0-9+.-]*)://(.*)", re.ASCII | re.DOTALL)


def split_host(text):
    """(host, port) for a Host header like 'localhost:8000' or '[::1]:8000', or None if it isn't one.

    The host is an ``ipaddress`` address for an address, and otherwise a
    lower-case name without a final dot; the port is None when there is none.
    """
    match = _HOST.fullmatch(text.lower())
    if match is None:
        return None
    host, port = match.groups()
    if port is not None and int(port) > 65535:
        return None
    if host.startswith("["):
        try:
            host = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None
    else:
        host = host[:-1] if host.endswith(".") else host  # "localhost." is localhost
        try:
            host = ipaddress.IPv4Address(host)
        except ValueError:
            if not host or ".." in host or host.startswith("."):
                return None
    return host, None if port is None else int(port)


def split_origin(text):
    """(scheme, host, port) for an Origin like 'http://localhost:5173', or None if it isn't one.

    An origin has no user name, path or trailing slash: browsers never send them.
    """
    match = _ORIGIN.fullmatch(text.lower())
    where = match and split_host(match.group(2))
    return None if not where else (match.group(1), *where)


def is_local(host):
    """True for this computer, the private networks a classroom uses, and *.local names."""
    if isinstance(host, str):
        return host == "localhost" or host.endswith((".localhost", ".local"))
    if host.version == 6 and host.ipv4_mapped:
        host = host.ipv4_mapped  # ::ffff:192.168.1.5 is 192.168.1.5
    return any(host in network for network in _LOCAL_NETWORKS)


def origins_setting(origins):
    """run_server's ``origins=``, as "*" or a frozenset of lower-case origins.

    A single origin may be given as text.  WszeroError explains a setting
    that is neither.
    """
    if origins is None:
        return frozenset()
    if isinstance(origins, str):
        origins = [origins]
    if not isinstance(origins, (list, tuple, set, frozenset)):
        raise WszeroError(say.origins_not_a_list(origins))
    allowed = set()
    for origin in origins:
        text = origin.lower().rstrip("/") if isinstance(origin, str) else ""
        if text == "*":
            return "*"
        if text != "null" and split_origin(text) is None:
            raise WszeroError(say.origin_not_an_address(origin))
        allowed.add(text)
    return frozenset(allowed)


def own_names():
    """This computer's names, as a browser on the network may write them: with and without .local."""
    name = socket.gethostname().lower().rstrip(".")
    names = {name, name.split(".")[0]} - {""}
    return frozenset(names | {n + ".local" for n in names})


def check_host(hosts, allowed=frozenset(), names=frozenset()):
    """None when a request's Host headers may be answered; else (status, sentence).

    ``hosts`` is every Host header of the request.  An address is fine, and
    so are localhost, *.localhost, *.local, this computer's ``names`` and
    the names of the ``allowed`` origins.  Any other name means a web page
    may have pointed its own name at this computer.  Pure.
    """
    if allowed == "*" or not hosts:
        return None  # no Host: not a browser
    if len(hosts) > 1:
        return 400, say.two_headers("Host")
    where = split_host(hosts[0])
    if where is None:
        return 400, say.unreadable_host(hosts[0])
    host = where[0]
    if not isinstance(host, str) or is_local(host) or host in names:
        return None
    if any(split_origin(origin)[1] == host for origin in allowed if origin != "null"):
        return None
    return 403, say.host_refused(hosts[0])


def check_origin(origins, hosts, allowed=frozenset(), names=frozenset()):
    """None when a websocket may open for these Origin and Host headers; else (status, sentence).

    ``origins`` and ``hosts`` are every Origin and Host header of the
    handshake.  It may open with no Origin (not a browser), or from a page at
    the same host as Host on any port, on this computer (localhost,
    *.localhost, 127.0.0.0/8, ::1), on a private network, at a *.local name,
    or in ``allowed`` ("*": every page).  The Host must pass check_host.
    A malformed request gets 400, a page from elsewhere 403.  Pure.
    """
    if allowed == "*":
        return None
    if len(origins) > 1:
        return 400, say.two_headers("Origin")
    problem = check_host(hosts, allowed, names)
    if problem is not None or not origins:
        return problem
    origin = origins[0].lower()
    if origin in allowed:
        return None
    if origin == "null":  # a page opened as a file, or a sandboxed frame
        return 403, say.origin_refused(origins[0])
    parts = split_origin(origin)
    if parts is None:
        return 400, say.unreadable_origin(origins[0])
    scheme, host, _ = parts
    if scheme in ("http", "https"):
        here = split_host(hosts[0]) if hosts else None
        if (here is not None and host == here[0]) or is_local(host):
            return None
    return 403, say.origin_refused(origins[0])


class Origins:
    """The run_server(origins=...) setting, and the check each request passes first.

    Each refusal is told in the terminal once, so a page that keeps knocking
    can't fill it.  Loop thread only.
    """

    TOLD_AT_MOST = 100  # different refusals told; past that they are only answered

    def __init__(self, setting=None):
        self.allowed = origins_setting(setting)
        self.names = own_names()
        self.told = set()

    def refusal(self, request, socket=True):
        """None when the request may go on; else the answer that refuses it.

        A websocket handshake (``socket``) is checked with check_origin; a
        page with check_host, since any site may load /wszero.js.
        """
        headers = request.headers
        hosts = headers.get_all("Host")
        if socket:
            problem = check_origin(headers.get_all("Origin"), hosts, self.allowed, self.names)
        else:
            problem = check_host(hosts, self.allowed, self.names)
        if problem is None:
            return None
        status, text = problem
        if text not in self.told and len(self.told) < self.TOLD_AT_MOST:
            self.told.add(text)
            print_line(text, error=True)
        return _response(status, "Forbidden" if status == 403 else "Bad Request", text)


@functools.lru_cache(maxsize=64)  # asked on every request: look at the disk (and open a zip) once
def in_zip(path):
    """The ``zipfile.Path`` of a file or folder inside a zip (a .pyz bundle), or None.

    Python runs a program straight out of a bundle, but open() can't look
    inside one, so wszero reads the program, its pages and its assets
    through this.  None for anything on disk that isn't a zip file.
    """
    if os.path.isdir(path):
        return None  # the usual case, answered with one look at the disk
    import zipfile
    path = os.path.abspath(path)
    archive = path
    while not os.path.exists(archive) and os.path.dirname(archive) != archive:
        archive = os.path.dirname(archive)  # "game.pyz/program/main.py" ends at "game.pyz"
    if not os.path.isfile(archive) or not zipfile.is_zipfile(archive):
        return None
    inside = os.path.relpath(path, archive).replace(os.sep, "/")
    root = zipfile.Path(archive)
    return root if inside == "." else root.joinpath(inside)


_MOVED = (301, "Moved Permanently", "text/plain; charset=utf-8", b"")
_NO_FILE = None


def serve_file(folder, url_path, playground=None):
    """(status, reason, content type, body) for a GET of url_path.

    A folder asked for without its "/" gets 301: the caller sends it on to
    url_path + "/".

    ``playground()`` makes the playground page, shown at /wszero/playground,
    and at / while the folder has no index.html.
    """
    if url_path == "/wszero.js":
        return 200, "OK", content_type("wszero.js"), JS_BYTES
    if url_path == "/wszero.mjs":
        return 200, "OK", content_type("wszero.mjs"), JS_MODULE_BYTES
    if url_path == PLAYGROUND_PATH and playground:
        return 200, "OK", content_type("page.html"), playground().encode()
    try:
        parts = safe_path(url_path)
    except (Refused, UnicodeDecodeError) as refused:
        return _refusal(refused, folder, url_path)
    zipped = in_zip(folder)
    if zipped is not None:
        answer = _file_in_zip(zipped, url_path, parts)
    else:
        answer = _file_on_disk(folder, url_path, parts)
    if answer is not _NO_FILE:
        status, reason, ctype, body = answer
        if (status == 200 and ctype.startswith("text/html") and re.search(rb"\sdata-o[pn]\s*=", body)
                and not re.search(rb"wszero\.m?js", body)):
            # A page that uses data-op or data-on needs wszero.js: add it, so forgetting it is no mistake.
            head_end = re.search(rb"</head\s*>", body, re.I)
            doctype = re.match(rb"\s*<!doctype[^>]*>", body, re.I)  # before it, the page would be in quirks mode
            at = head_end.start() if head_end else doctype.end() if doctype else 0
            body = body[:at] + b'<script src="/wszero.js"></script>' + body[at:]
        return status, reason, ctype, body
    if url_path == "/favicon.ico":
        return 200, "OK", "image/svg+xml", FAVICON.encode()
    if url_path == "/" and playground:
        return 200, "OK", content_type("page.html"), playground().encode()
    return not_found(folder, url_path)


def _refusal(refused, folder, url_path):
    if isinstance(refused, Refused) and refused.args[0] == 403:
        return 403, "Forbidden", content_type("why.txt"), refused.args[1].encode()
    return not_found(folder, url_path)


def _file_on_disk(folder, url_path, parts):
    """The answer for a file in a folder on disk, or _NO_FILE when there is none."""
    root = os.path.realpath(folder)
    full = os.path.realpath(os.path.join(root, *parts))
    if full != root and not full.startswith(root + os.sep):
        return not_found(folder, url_path)  # a link that points out of the folder
    if full != root:
        try:  # a link inside the folder must not lead to what is never served either
            safe_path("/" + os.path.relpath(full, root).replace(os.sep, "/"))
        except Refused as refused:
            return _refusal(refused, folder, url_path)
    if os.path.isdir(full):
        if not url_path.endswith("/"):
            return _MOVED  # so that the page's own links like "cat.png" look in its folder
        full = os.path.join(full, "index.html")
    try:
        with open(full, "rb") as f:
            return 200, "OK", content_type(full), f.read()
    except OSError:
        return _NO_FILE


def _file_in_zip(zipped, url_path, parts):
    """The answer for a file in a folder inside a bundle, or _NO_FILE when there is none."""
    found = zipped.joinpath(*parts)
    if found.is_dir():
        if not url_path.endswith("/"):
            return _MOVED
        found = found.joinpath("index.html")
    return (200, "OK", content_type(found.name), found.read_bytes()) if found.is_file() else _NO_FILE


def not_found(folder, url_path):
    """The 404 page: it names the missing file and lists what is there instead."""
    shown = urllib.parse.unquote(url_path, errors="replace")
    title = html.escape(say.not_found_title(shown))
    near = "/".join(shown.split("/")[1:-1])  # the folder the page asked in
    try:
        names = _servable_names(folder, near)
    except (OSError, ValueError, Refused):
        near, names = "", []
    if not names and near:
        near, names = "", _servable_names(folder, "")
    prefix = "/" + (near + "/" if near else "")
    items = "".join(f'<li><a href="{urllib.parse.quote(prefix + n)}">{html.escape(n)}</a></li>'
                    for n in names)
    body = (f"<!doctype html><meta charset=utf-8><title>Not found</title><h1>{title}</h1>"
            f"<p>The files wszero can show are:</p><ul>{items}</ul>")
    # websockets 16 hands on a path's stray bytes as surrogates, which UTF-8 can't encode
    return 404, "Not Found", content_type("page.html"), body.encode("utf-8", "replace")


def _servable_names(folder, sub):
    """The names in folder/sub that serve_file would serve, sorted."""
    safe_path("/" + sub)
    zipped = in_zip(folder)
    if zipped is not None:
        where = zipped.joinpath(sub) if sub else zipped
        there = [p.name for p in where.iterdir()]
    else:
        root = os.path.realpath(folder)
        where = os.path.join(root, sub)
        there = [n for n in os.listdir(where)
                 if os.path.realpath(os.path.join(where, n)).startswith(root + os.sep)]
    return sorted(n for n in there if not n.startswith(".") and n != "__pycache__"
                  and not n.lower().endswith(_NEVER_SERVED) and n == n.rstrip(". ")
                  and n.lower() not in _WINDOWS_EXTRAS)


PLAYGROUND_PATH = "/wszero/playground"


def playground_page(handlers, program):
    """A page to try a program's handlers before it has a page of its own.

    It has a form for every op, with a box for each value the handler takes,
    and a log of every message the page receives.
    """
    e = html.escape
    forms = []
    for op, handler in sorted(handlers.items()):
        if op in SPECIAL_OPS or op.startswith(RESERVED):
            continue
        types = handler.types or {}
        boxes = "".join(
            f'<label>{e(name)} <input name="{e(name)}" autocomplete="off"'
            f'{_playground_hint(types.get(name), name in handler.required)}'
            f'{TEXT_BOX if types.get(name) is TYPES[str] else ""}></label> '
            for name in handler.fillable)
        # wszero.js sends these forms (data-op); data-guess sends "3" as 3, and leaves empty boxes
        # out so that a handler's defaults apply; data-keep keeps what was typed, to send again.
        # A box for text (name: str) sends what is typed as text, so a typed "true" stays text.
        forms.append(f'<form data-op="{e(op)}" data-guess data-keep><b>{e(op)}</b> {boxes}<button>Send</button></form>')
    if not forms:
        forms.append(f"<p>{e(say.playground_empty(program))}</p>")
    return (PLAYGROUND_HTML.replace("$TITLE", e(say.playground_title(program)))
            .replace("$HELP", e(say.playground_help(program)))
            .replace("$FORMS", "\n".join(forms)))


TEXT_BOX = ' data-guess="text"'


def _playground_hint(typed, required):
    """The placeholder of a playground box: what the handler wants there, and whether it may be left out."""
    words = [typed[1].partition(",")[0]] if typed else []
    if not required:
        words.append("optional")
    return f' placeholder="{html.escape(", ".join(words))}"' if words else ""


PLAYGROUND_HTML = """<!doctype html>
<meta charset="utf-8">
<title>$TITLE</title>
<script>window.WSZERO = {errors: false};  // the log below shows errors already</script>
<script src="/wszero.js"></script>
<style>
  body { font-family: sans-serif; margin: 2em; max-width: 50em; }
  form { margin: .6em 0; padding: .6em; background: #eef6f0; border-radius: .4em; }
  label { margin-right: .6em; }
  #log { font-family: monospace; background: #f4f4f4; padding: .6em; min-height: 4em; }
  #log .error { color: #b00; }
</style>
<h1>$TITLE</h1>
<p>$HELP</p>
$FORMS
<h2>Messages this page got</h2>
<ol id="log"></ol>
<script>
  wszero.on("*", function (msg) {
    if (msg.op === "wszero:hello") return;
    var line = document.createElement("li");
    line.textContent = msg.op === "wszero:error" ? msg.error : JSON.stringify(msg);
    if (msg.op === "wszero:error") line.className = "error";
    document.getElementById("log").appendChild(line);
  });
</script>
"""


FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
           '<circle cx="8" cy="8" r="7" fill="#2a7"/></svg>')


def answer_http(request, folder, playground, loaded=None):
    """The answer to a plain HTTP request, or None to let a websocket handshake on /ws go on.

    ``loaded`` collects the URL paths that pages loaded, for live reload.
    """
    try:
        path = request.path.partition("?")[0]
        upgrade = any(value.lower() == "websocket" for value in request.headers.get_all("Upgrade"))
        if path == SOCKET_PATH:
            return None if upgrade else _response(426, "Upgrade Required", say.socket_address())
        method = getattr(request, "method", "GET")
        if method not in ("GET", "HEAD"):
            return _response(405, "Method Not Allowed", say.method_not_allowed(method))
        status, reason, ctype, body = serve_file(folder, path, playground)
        if status == 200 and loaded is not None:
            loaded.add(path + "index.html" if path.endswith("/") else path)
        anyone = path in ("/wszero.js", "/wszero.mjs")  # pages served elsewhere may load the stub
        return _response(status, reason, body, ctype, head=method == "HEAD", anyone=anyone,
                         location=path + "/" if status == 301 else None)
    except Exception:
        traceback.print_exc()
        return _response(500, "Internal Server Error", "Something went wrong inside wszero.")


def _response(status, reason, body, ctype="text/plain; charset=utf-8", head=False, anyone=False, location=None):
    if isinstance(body, str):
        body = body.encode()
    headers = _Headers([("Content-Type", ctype), ("Content-Length", str(len(body))),
                       ("Cache-Control", "no-cache"), ("Connection", "close")])
    if anyone:
        headers["Access-Control-Allow-Origin"] = "*"
    if location:
        headers["Location"] = location
    return _Response(status, reason, headers, b"" if head else body)


# =============================================================================
# Start-up: finding the program, its folder and the addresses to show
# =============================================================================


def websockets_problem(version, where):
    """Why this websockets can't run wszero, in words, or None when it can.

    ``where`` is its ``__init__.py``: a copy inside a bundle is named as
    that, since updating the installed websockets can't change it.
    """
    major = version.split(".")[0]
    if major.isdigit() and int(major) >= 16:
        return None
    bundle = _bundle_of(where or "")
    if bundle:
        return say.bundled_websockets_too_old(os.path.basename(bundle), version)
    return say.websockets_too_old(version)


def _bundle_of(path):
    """The zip file (a .pyz bundle) that path lies inside, or None."""
    import zipfile
    while path and not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    return path if path and os.path.isfile(path) and zipfile.is_zipfile(path) else None


# -- The addresses classmates can open ------------------------------------------
# Every system lists its network interfaces in its own way, so each has a
# reader that turns what the system says into Interface records, and
# choose_addresses() decides the same way everywhere which addresses to show,
# best first.  The readers take text, so the tests give them what real
# machines printed.  None of this asks the host name to resolve: on a Mac it
# often doesn't.

Interface = collections.namedtuple("Interface", "name addresses up loopback default",
                                   defaults=(True, False, False))
Interface.__doc__ = """A network interface: its name, its IPv4 addresses in order (the main one
first), whether it is up, whether it is loopback, and whether it carries the
default route (the way to the rest of the network)."""

#: Interfaces of VPNs, containers, virtual machines and WSL: classmates can't
#: usually reach them, so their addresses come last.
_VIRTUAL = re.compile(r"^(docker|br-|veth|virbr|vmnet|vboxnet|lxcbr|lxdbr|incusbr|cni|flannel|podman|"
                      r"tun|tap|utun|wg|tailscale|zt|ppp|ipsec|gif|stf|awdl|llw|anpi)"
                      r"|vethernet|wsl|hyper-v|virtualbox|vmware|docker|tailscale|zerotier|wireguard|"
                      r"openvpn|vpn|wintun|tunnel|virtual", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")


def choose_addresses(interfaces):
    """The IPv4 addresses classmates could open, best first.

    The interface that carries the default route comes first, then other
    network cards, then virtual ones (VPNs, Docker, WSL, Hyper-V, virtual
    machines), each keeping the system's order.  Interfaces that are down,
    loopback, and addresses nobody else can reach (127.x, 0.x, 169.254.x)
    are left out.  Pure: it looks at nothing but its argument.
    """
    ranked = []
    for position, interface in enumerate(interfaces):
        if not interface.up or interface.loopback:
            continue
        rank = (not interface.default, bool(_VIRTUAL.search(interface.name)), position)
        ranked += [(rank, address) for address in interface.addresses
                   if not address.startswith(("127.", "0.", "169.254."))]
    chosen = []
    for _, address in sorted(ranked, key=lambda item: item[0]):  # stable: an interface's own order stays
        if address not in chosen:
            chosen.append(address)
    return chosen


def network_addresses():
    """This computer's IPv4 addresses that classmates could open, best first (see choose_addresses)."""
    try:
        if sys.platform.startswith("linux"):
            interfaces = linux_interfaces(*_linux_sources())
        elif sys.platform == "win32":
            interfaces = windows_interfaces(_command("ipconfig"), _command("route", "print", "-4"))
        else:  # macOS and the BSDs
            interfaces = macos_interfaces(_command("ifconfig"), _command("route", "-n", "get", "default"))
    except Exception:  # an odd system must never stop the server from starting
        interfaces = []
    if not interfaces:  # nothing could be read: the host name is the last resort
        try:
            found = [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
        except OSError:
            found = []
        interfaces = [Interface("host name", found)]
    return choose_addresses(interfaces)


def linux_interfaces(route, fib_trie, states):
    """Interfaces from Linux's /proc/net/route and /proc/net/fib_trie.

    ``states`` maps each interface's name, in the system's order, to its
    (flags, operstate) from /sys/class/net/NAME and its main address (or
    None).  fib_trie lists every local address, second addresses too; the
    route table says which interface's network each other one is on, and
    which interface has the default route.
    """
    networks, defaults = [], []
    for line in route.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        name, destination, flags, metric, mask = fields[0], _hex_ip(fields[1]), fields[3], fields[6], _hex_ip(fields[7])
        if not int(flags, 16) & 1:  # RTF_UP
            continue
        if destination == mask == 0:
            defaults.append((int(metric), name))
        else:
            networks.append((mask, destination, name))
    default = min(defaults)[1] if defaults else None
    addresses = {name: [main] if main else [] for name, (_, _, main) in states.items()}
    mains = {address for found in addresses.values() for address in found}
    address = None
    for line in fib_trie.splitlines():  # a leaf "|-- 192.168.1.23", then lines about it like "/32 host LOCAL"
        leaf = re.fullmatch(r"\s*\|-- (\S+)\s*", line)
        if leaf or "+--" in line:
            address = leaf and leaf.group(1)
            continue
        if not address or "/32 host LOCAL" not in line or address in mains:
            continue
        number = _ip_number(address)
        on = [name for mask, destination, name in sorted(networks, reverse=True) if number & mask == destination]
        name = on[0] if on else "unknown"  # longest mask first: the most exact network
        if address not in addresses.setdefault(name, []):
            addresses[name].append(address)
    interfaces = []
    for name, found in addresses.items():
        flags, state, _ = states.get(name, (1, "unknown", None))
        interfaces.append(Interface(name, found, up=bool(flags & 1) and state in ("up", "unknown"),
                                    loopback=bool(flags & 8), default=name == default))
    return interfaces


def _hex_ip(text):
    """/proc/net/route's little-endian hex, as a number comparable with _ip_number()."""
    return int.from_bytes(bytes.fromhex(text)[::-1], "big")


def _ip_number(address):
    return int.from_bytes(socket.inet_aton(address), "big")


def _linux_sources():
    """/proc/net/route, /proc/net/fib_trie and each interface's state, for linux_interfaces()."""
    import fcntl
    import struct

    def read(path, otherwise=""):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return f.read().strip()
        except OSError:
            return otherwise
    states = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            try:  # SIOCGIFADDR: the interface's main address
                packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
                main = socket.inet_ntoa(packed[20:24])
            except OSError:
                main = None
            flags = read(f"/sys/class/net/{name}/flags", "0x1")
            states[name] = (int(flags, 16), read(f"/sys/class/net/{name}/operstate", "unknown"), main)
    return read("/proc/net/route"), read("/proc/net/fib_trie"), states


def macos_interfaces(ifconfig, route):
    """Interfaces from macOS's (or a BSD's) ``ifconfig`` and ``route -n get default``."""
    found = re.search(r"^\s*interface:\s*(\S+)", route, re.MULTILINE)
    default = found.group(1) if found else None
    interfaces = []
    for block in re.split(r"\n(?=\S)", ifconfig):
        header = re.match(r"(\S+?):? flags=\w+<([^>]*)>", block)
        if not header:
            continue
        name, flags = header.group(1), header.group(2).split(",")
        inactive = re.search(r"^\s+status: inactive", block, re.MULTILINE)
        addresses = re.findall(r"^\s+inet (\S+)", block, re.MULTILINE)
        interfaces.append(Interface(name, addresses, up="UP" in flags and "RUNNING" in flags and not inactive,
                                    loopback="LOOPBACK" in flags, default=name == default))
    return interfaces


def windows_interfaces(ipconfig, route):
    """Interfaces from Windows' ``ipconfig`` and ``route print -4``, in any language.

    In the route table, the Interface column (the last but one) holds an
    address of every connected adapter, a host route through no gateway
    ("On-link", in English) names each of its other addresses, and the
    0.0.0.0 route with the lowest metric is the default.  ipconfig gives the
    adapters' names: its headers are the lines that are not indented and
    end in ":".
    """
    live, hosts, defaults = [], set(), []
    for line in route.splitlines():
        fields = line.split()  # destination, mask, gateway (maybe two words), interface, metric
        if (len(fields) < 5 or not fields[-1].isdigit()
                or not all(_IPV4.fullmatch(fields[i]) for i in (0, 1, -2))):
            continue
        destination, mask, gateway, interface = fields[0], fields[1], " ".join(fields[2:-2]), fields[-2]
        if interface not in live:
            live.append(interface)
        if mask == "255.255.255.255" and not _IPV4.fullmatch(gateway) and int(destination.split(".")[0]) < 224:
            hosts.add(destination)
        if destination == mask == "0.0.0.0":
            defaults.append((int(fields[-1]), interface))
    default = min(defaults)[1] if defaults else None
    adapters, name = {}, None
    for line in ipconfig.splitlines():
        if line[:1].strip() and line.rstrip().endswith(":"):
            name = line.strip().rstrip(":").strip()
            adapters.setdefault(name, [])
        elif name is not None:
            adapters[name] += [a for a in _IPV4.findall(line) if (a in live or a in hosts) and a not in adapters[name]]
    named = {address for found in adapters.values() for address in found}
    adapters.update((address, [address]) for address in live if address not in named)
    return [Interface(name, found, loopback=all(a.startswith("127.") for a in found), default=default in found)
            for name, found in adapters.items() if found]


def _command(*command):
    """What a system command prints, or "" if it can't run.  It may live in /sbin, off the PATH."""
    import subprocess
    for program in (command[0], "/sbin/" + command[0], "/usr/sbin/" + command[0]):
        try:
            done = subprocess.run([program, *command[1:]], stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=5, creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
        except (OSError, subprocess.SubprocessError):
            continue
        return done.stdout.decode("utf-8", "replace")
    return ""


# -- A QR code of the address, so a phone or tablet can join by scanning it ---
# A tiny encoder (byte mode, level M, versions 1-6: up to 106 bytes), so that
# it works with nothing installed.

# Level M, versions 1-6: (data codewords, EC codewords per block, number of blocks).
# In these versions all blocks of a symbol are the same size, which keeps interleaving simple.
_QR_M = {1: (16, 10, 1), 2: (28, 16, 1), 3: (44, 26, 1), 4: (64, 18, 2), 5: (86, 24, 2), 6: (108, 16, 4)}

# The eight standard data masks, as functions of (row, column).
_QR_MASKS = [
    lambda r, c: (r + c) % 2 == 0,
    lambda r, c: r % 2 == 0,
    lambda r, c: c % 3 == 0,
    lambda r, c: (r + c) % 3 == 0,
    lambda r, c: (r // 2 + c // 3) % 2 == 0,
    lambda r, c: r * c % 2 + r * c % 3 == 0,
    lambda r, c: (r * c % 2 + r * c % 3) % 2 == 0,
    lambda r, c: ((r + c) % 2 + r * c % 3) % 2 == 0,
]


def _qr_gf_tables():
    """Antilog/log tables for GF(256) with the QR polynomial x^8+x^4+x^3+x^2+1."""
    exp, log, x = [0] * 512, [0] * 256, 1
    for i in range(255):
        exp[i] = exp[i + 255] = x  # doubled so exp[log a + log b] needs no modulo
        log[x] = i
        x = (x << 1) ^ (0x11D if x & 0x80 else 0)
    return exp, log


_QR_EXP, _QR_LOG = _qr_gf_tables()


def _qr_mul(a, b):
    """Multiply two GF(256) elements."""
    return _QR_EXP[_QR_LOG[a] + _QR_LOG[b]] if a and b else 0


def _qr_ecc(data, n):
    """The n Reed-Solomon error-correction codewords for one block of data codewords."""
    gen = [1]  # generator (x - a^0)(x - a^1)...(x - a^(n-1)), highest power first
    for i in range(n):
        gen = [p ^ _qr_mul(q, _QR_EXP[i]) for p, q in zip(gen + [0], [0] + gen)]
    rem = list(data) + [0] * n
    for i in range(len(data)):  # polynomial long division; the remainder is the EC
        if c := rem[i]:
            for j, g in enumerate(gen):
                rem[i + j] ^= _qr_mul(g, c)
    return rem[len(data):]


def _qr_codewords(data, version):
    """Final codeword sequence: mode, length, data, padding, then interleaved RS blocks."""
    ndata, nec, nblocks = _QR_M[version]
    bits = "0100" + f"{len(data):08b}" + "".join(f"{b:08b}" for b in data)  # byte mode
    bits += "0" * min(4, ndata * 8 - len(bits))  # terminator, cut short if the symbol is full
    bits += "0" * (-len(bits) % 8)
    words = [int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)]
    words = (words + [0xEC, 0x11] * ndata)[:ndata]  # the standard alternating pad bytes
    size = ndata // nblocks
    blocks = [words[i:i + size] for i in range(0, ndata, size)]
    eccs = [_qr_ecc(b, nec) for b in blocks]
    # Interleave column-wise so a local smudge damages several blocks a little, not one a lot.
    return [b[i] for i in range(size) for b in blocks] + [e[i] for i in range(nec) for e in eccs]


def _qr_draw_format(m, mask):
    """Write both copies of the 15 BCH-protected format bits (level M + mask) into m."""
    data = mask  # level M's 2-bit indicator is 00
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ (0x537 if rem >> 9 else 0)
    bits = ((data << 10) | rem) ^ 0x5412  # the XOR keeps the format area from being all light
    n = len(m)
    near = [(i, 8) for i in range(6)] + [(7, 8), (8, 8), (8, 7)] + [(8, 14 - i) for i in range(9, 15)]
    split = [(8, n - 1 - i) for i in range(8)] + [(n - 15 + i, 8) for i in range(8, 15)]
    for i, ((r1, c1), (r2, c2)) in enumerate(zip(near, split)):
        m[r1][c1] = m[r2][c2] = bool(bits >> i & 1)


def _qr_penalty(m):
    """Standard mask penalty score (rules 1-4 of ISO/IEC 18004); lower scans better."""
    n = len(m)
    lines = ["".join("1" if v else "0" for v in line) for line in m + list(zip(*m))]
    score = sum(len(run) - 2 for s in lines for run in re.findall(r"0{5,}|1{5,}", s))
    # Finder-like 1:1:3:1:1 runs with 4 light modules on either side (the outside counts as light).
    score += 40 * sum(len(re.findall(r"(?<=0000)1011101|1011101(?=0000)", f"0000{s}0000")) for s in lines)
    score += 3 * sum(m[r][c] == m[r][c + 1] == m[r + 1][c] == m[r + 1][c + 1]
                     for r in range(n - 1) for c in range(n - 1))
    dark = sum(map(sum, m))
    return score + 10 * (abs(20 * dark - 10 * n * n) // (n * n))  # 10 per 5% away from 50% dark


def _qr_build(data, mask=None):
    """Matrix for bytes data; mask 0-7 forces a mask, None picks the lowest-penalty one."""
    version = next((v for v, (nd, _, _) in _QR_M.items() if len(data) <= nd - 2), None)
    if version is None:
        raise ValueError(f"QR: {len(data)} bytes is too long (at most {_QR_M[6][0] - 2})")
    n = 17 + 4 * version
    m = [[None] * n for _ in range(n)]  # None marks a module still free for data
    for r0, c0 in ((3, 3), (3, n - 4), (n - 4, 3)):  # finders, by centre, with light separators
        for r in range(max(r0 - 4, 0), min(r0 + 5, n)):
            for c in range(max(c0 - 4, 0), min(c0 + 5, n)):
                m[r][c] = max(abs(r - r0), abs(c - c0)) in (0, 1, 3)
    if version > 1:  # versions 2-6 have one alignment pattern; its siblings would hit finders
        a = n - 7
        for r in range(a - 2, a + 3):
            for c in range(a - 2, a + 3):
                m[r][c] = max(abs(r - a), abs(c - a)) != 1
    for i in range(8, n - 8):  # timing patterns
        m[6][i] = m[i][6] = i % 2 == 0
    m[n - 8][8] = True  # the always-dark module
    _qr_draw_format(m, 0)  # reserve the format areas now; real bits are written per mask
    func = [[v is not None for v in row] for row in m]

    # Data goes in two-module-wide columns from the bottom right, alternately up and down,
    # skipping the vertical timing column; leftover "remainder bits" stay light.
    bits = "".join(f"{w:08b}" for w in _qr_codewords(data, version))
    i = 0
    for k, right in enumerate(c if c > 6 else c - 1 for c in range(n - 1, 0, -2)):
        for vert in range(n):
            r = n - 1 - vert if k % 2 == 0 else vert
            for c in (right, right - 1):
                if not func[r][c]:
                    m[r][c] = i < len(bits) and bits[i] == "1"
                    i += 1

    def masked(k):
        out = [[v ^ (not func[r][c] and _QR_MASKS[k](r, c)) for c, v in enumerate(row)]
               for r, row in enumerate(m)]
        _qr_draw_format(out, k)
        return out

    return masked(mask) if mask is not None else min(map(masked, range(8)), key=_qr_penalty)


def qr_matrix(text: str) -> list[list[bool]]:
    """QR code for text (UTF-8, at most 106 bytes) as rows of booleans, True = dark, no quiet zone."""
    return _qr_build(text.encode("utf-8"))


#: Black ink on bright white paper.  Setting both colours makes the code look
#: the same on light and dark terminals; a code drawn in the terminal's own
#: colours comes out inverted on one of them, and many phones can't read that.
QR_COLOURS = "\x1b[30;107m"
QR_RESET = "\x1b[0m"
#: Light modules around the code, as the QR standard asks, so a phone can find its edge.
QR_QUIET_ZONE = 4


def qr_lines(text: str, colours: bool = True) -> list[str]:
    """QR code for text as terminal lines of half blocks, two module rows per line.

    Dark modules are drawn, light ones are spaces, with a 4-module quiet
    zone.  With ``colours`` each line sets black on white and resets the
    colours at its end; without, dark modules take the text colour (for
    IDLE, which shows no colour codes and whose page is normally light).
    """
    m = qr_matrix(text)
    n = len(m) + 2 * QR_QUIET_ZONE
    light = [[False] * n for _ in range(QR_QUIET_ZONE)]
    side = [False] * QR_QUIET_ZONE
    grid = light + [side + row + side for row in m] + light + [[False] * n]  # n is odd: a light half-row ends it
    lines = ["".join(" ▄▀█"[2 * top + bottom] for top, bottom in zip(grid[r], grid[r + 1]))
             for r in range(0, n, 2)]
    return [QR_COLOURS + line + QR_RESET for line in lines] if colours else lines


def terminal_can_show_qr(stream):
    """True for a real terminal whose encoding has the block characters, unless TERM=dumb.

    On Windows it also asks the console to understand colour codes, and is
    False where it can't.
    """
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        "█▀▄".encode(stream.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    if not stream.isatty():
        return False
    return _windows_colours(stream) if sys.platform == "win32" and not _in_idle(stream) else True


def _in_idle(stream):
    """IDLE's shell says it is a terminal, but shows colour codes as text."""
    return type(stream).__module__.startswith("idlelib")


def _windows_colours(stream):
    """Switch on colour codes in a Windows console; False if it can't have them."""
    try:
        import ctypes
        import msvcrt
        kernel32 = ctypes.windll.kernel32
        handle = msvcrt.get_osfhandle(stream.fileno())
        mode = ctypes.c_uint32()
        if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
            return False
        return bool(mode.value & 4 or kernel32.SetConsoleMode(handle, mode.value | 4))  # VIRTUAL_TERMINAL_PROCESSING
    except Exception:
        return False


def _main_folder():
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return (os.path.dirname(os.path.abspath(path)), os.path.basename(path)) if path else (os.getcwd(), "")


# =============================================================================
# The window
# =============================================================================
# pywebview shows the page in a window of its own.  It must own the main
# thread, so the server's loop runs in a thread beside it.  It is imported only
# when a window is asked for, and never where it would fail: GTK with no
# screen ends the whole process, so the screen is checked first.


def window_problem():
    """Why a window can't open here, in words, or None when it can."""
    try:
        import webview  # noqa: F401
    except ImportError:
        return say.no_pywebview()
    if sys.platform.startswith(("linux", "freebsd")) and not (os.environ.get("WAYLAND_DISPLAY") or _x_screen()):
        return say.no_display()
    return None


def _x_screen():
    """True when DISPLAY names an X screen that is there (local ones are checked)."""
    display = os.environ.get("DISPLAY", "")
    host, _, number = display.rpartition(":")
    if not number:
        return False
    if host in ("", "unix"):
        return os.path.exists(f"/tmp/.X11-unix/X{number.partition('.')[0]}")
    return True  # a remote screen, as over ssh -X: let GTK try


def window_title(program, folder):
    name = os.path.splitext(program)[0]
    return os.path.basename(folder) if name in ("main", "") else name


def run_in_window(server, ready, title):
    """Main thread: serve in a thread, show the page in a window, and stop when it closes."""
    import logging
    import webview
    # A toolkit that can't load is explained in one sentence below, not in pywebview's tracebacks.
    logging.getLogger("pywebview").setLevel(logging.CRITICAL)
    failure = []

    def run():
        try:
            asyncio.run(server.run(on_ready=ready))
        except BaseException as exc:
            failure.append(exc)
            server.ready.set()

    thread = threading.Thread(target=run, name="wszero-server")
    thread.start()
    server.ready.wait()
    if failure:
        raise failure[0]
    window = webview.create_window(title, f"http://localhost:{server.port}/", width=960, height=720,
                                   text_select=True)
    # Ctrl+C closes the window, as its close button does.
    _on_stop_signals(lambda *_: window.destroy())
    try:
        try:
            webview.start()
        except Exception as exc:  # no GUI toolkit after all: carry on in the browser
            # There is no window to close now, so Ctrl+C stops the server itself.
            _on_stop_signals(lambda *_: server.stop())
            print_line(say.window_failed(exc), error=True)
            webbrowser.open(f"http://localhost:{server.port}/")
            while thread.is_alive():
                thread.join(0.5)
    except KeyboardInterrupt:
        pass  # Ctrl+C in the terminal stops the program as closing the window does
    server.stop()
    thread.join()
    _leave_pywebview_behind()


def _on_stop_signals(handler):
    """Main thread: run handler on Ctrl+C and SIGTERM."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, handler)
        except ValueError:
            pass  # not the main thread: whoever called run_server keeps its signals


def _leave_pywebview_behind():
    """Don't let a pywebview thread that waits for the closed window keep the program running.

    Closed while its page was loading, pywebview can leave a thread waiting
    for an answer from the window forever, and Python waits for that thread
    before it ends.  The server has stopped cleanly by now, so end here.
    """
    stuck = [t for t in threading.enumerate() if not t.daemon and t is not threading.current_thread()
             and getattr(getattr(t, "_target", None), "__module__", "").startswith("webview")]
    for t in stuck:
        t.join(2)
    if any(t.is_alive() for t in stuck):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


# =============================================================================
# The browser half: wszero.js (also served as /wszero.js)
# =============================================================================

JS = r"""/* wszero.js: the browser half of wszero. No build step, no dependencies.
 *
 *   window.HANDLERS        maps an op to a function(msg) that the server's messages call
 *   window.send_message()  sends an object with an op, like {op: "chat", text: "hi"}
 *   window.wszero          the same, and for bigger pages:
 *     wszero.state             "connecting", "open" or "closed" (trying again soon); each
 *                              change is an event: wszero.on("wszero:state", fn), or
 *                              window.addEventListener("wszero:state", fn)
 *     wszero.on(op, fn)        calls fn(msg) for each op message ("*": every message);
 *                              returns a function that stops it
 *     wszero.request(op, params, {timeout: ms})
 *                              a Promise of the handler's return value; it fails with the
 *                              server's explanation, or after 10 seconds with no answer
 *
 * Settings, made before this script loads: window.WSZERO = {url: "ws://host:8000/ws",
 * badge: false, errors: false}. Without url it connects to the server it was loaded from.
 *
 * It reconnects by itself when the connection drops (waiting longer after each
 * try), keeps what the page sends meanwhile and sends it afterwards, and shows
 * a small "reconnecting..." badge. After a short drop the server still knows
 * the page as the same client. It runs eval_js scripts. Errors in the page show
 * in the server's terminal too.
 *
 * The error panel, a small box in a corner (role="alert"), shows the sentences
 * a child needs: the server's errors that no wszero.request is waiting for, errors
 * in the page's own JavaScript ("Error in the page (index.html, line 3): ..."),
 * data-on warnings, and a page opened as a file (file:), which can't reach the
 * program. It keeps the last 3, counts a repeated line ("(x3)"), and has a
 * close button. The console gets every line. Off with errors: false, or when the
 * server's wszero:hello says show_errors: false (run_server(show_errors=False)).
 * A message that nothing shows (no HANDLERS entry, wszero.on or data-on) gets a
 * hint in the console, with "did you mean" for a data-on name close to its op.
 *
 * Pages without JavaScript (also for elements added later):
 *   <form data-op="chat"><input name="text"></form> sends {op: "chat", text: "..."}
 *     on submit, without a reload. Text boxes send text, number boxes numbers (not
 *     sent if empty), checkboxes true or false; the rest is read like data- values.
 *     Then text boxes are emptied and the first focused, unless the box or form has
 *     data-keep. data-guess (box or form) reads typed text like data- values and
 *     leaves empty boxes out, as the playground does; data-guess="text" on a box
 *     leaves it out when empty, and sends what is typed as text ("true" too).
 *   <button data-op="move" data-dx="1" data-top-speed="2"> sends {op: "move", dx: 1,
 *     top_speed: 2} on click. Values matching /^-?(0|[1-9]\d*)(\.\d+)?$/ are numbers,
 *     "true" and "false" booleans, the rest text ("007" too). In a data-op form a
 *     submit button just submits the form.
 *   <ul data-on="chat"><li>{sender}: {text}</li></ul> adds, for each "chat" message,
 *     a copy of its first child with each {field} filled in as text (never HTML),
 *     and scrolls to it. data-on="chat notice": the second child is for "notice".
 *     Children written in the page are hidden templates. data-show="replace": each
 *     copy replaces the last. A missing field shows empty and warns once. HANDLERS
 *     and wszero.on run as well.
 *   <p data-on="score">Score: {points}</p>: an element with only text (no element
 *     inside) is its own template. Each message replaces the text, so it shows the
 *     latest one. It stays hidden until the first message, so "{points}" never shows.
 *   <ol data-on="scores" data-each="players"><li>{name}: {points}</li></ol> makes a
 *     copy for each item of the message's players list, in place of the last
 *     message's copies. An object item fills {field}s from itself, then from the
 *     message; a plain item (text or a number) fills {item}. No list: empty, and a
 *     warning.
 *   <body data-keys> tells the server which keys are held: {op: "wszero:keydown",
 *     key: "left"} when one goes down and "wszero:keyup" when it comes up; Python
 *     sees client.keys. Names: left right up down space enter, a-z, 0-9.
 *     data-keys="left right space" listens for those only. Not counted: keys typed
 *     in a box (input, textarea, select, contenteditable), keys with Ctrl, Alt or
 *     Cmd, and the keyboard repeating a held key. When the page loses the focus, is
 *     hidden or closes, every held key comes up. Arrows and space don't scroll.
 *   <button data-op="jump" data-key="space"> is clicked by that key too (outside
 *     text boxes, once per press). Any element can have it: a form's button submits
 *     the form, and a form with data-key is submitted. data-key itself is not sent.
 */
(function () {
  "use strict";
  if (window.wszero && window.wszero.send_message) return;  // loaded twice: keep the first
  var PROTOCOL = 1;
  var MAX_WAITING = 1000;
  var WRONG_VERSION = 4001;
  var config = window.WSZERO || {};
  var me = document.currentScript;
  var home = new URL(typeof WSZERO_MODULE_URL !== "undefined" ? WSZERO_MODULE_URL :
                     me && me.src ? me.src : location.href, location.href);
  var address = config.url || (home.protocol === "https:" ? "wss://" : "ws://") + home.host + "/ws";
  var socket = null;
  var waiting = [];   // messages sent while not connected, in order
  var tries = 0;
  var resume = "";    // the server's token for this page, to be the same client after a drop
  var warned = {};
  var listeners = {};  // op -> list of functions
  var replies = {};    // request id -> {resolve, reject, timer}
  var requests = 0;

  var wszero = {
    state: "connecting",
    badge: config.badge !== false,
    send_message: send_message,
    on: on,
    request: request
  };

  function request(op, params, options) {
    var id = ++requests;
    var timeout = (options && options.timeout) || 10000;
    var msg = {op: op};
    for (var key in params || {}) msg[key] = params[key];
    msg["wszero:id"] = id;
    return new Promise(function (resolve, reject) {
      replies[id] = {resolve: resolve, reject: reject, timer: setTimeout(function () {
        delete replies[id];
        reject(new Error("wszero: no answer to \"" + op + "\" after " + timeout / 1000 + " seconds"));
      }, timeout)};
      send_message(msg);
    });
  }

  function answer(id, error, result) {
    var waiter = replies[id];
    if (!waiter) return;
    delete replies[id];
    clearTimeout(waiter.timer);
    if (error) waiter.reject(new Error(error)); else waiter.resolve(result);
  }

  // The error panel (rules at the top): the same sentences as the terminal, where a child looks.
  var panel = null;
  var panelLines = [];  // [sentence, how many times in a row], the newest last
  var showErrors = config.errors !== false;

  function complain(text) {
    console.error("wszero: " + text);
    showError(text);
  }

  function showError(text) {
    if (!showErrors) return;
    var last = panelLines[panelLines.length - 1];
    if (last && last[0] === text) last[1]++;
    else panelLines.push([text, 1]);
    if (panelLines.length > 3) panelLines.shift();
    drawPanel();
  }

  function drawPanel() {
    if (!document.body || !panelLines.length) return;  // drawn once the page has been read
    if (!panel || !panel.isConnected) {
      panel = document.createElement("div");
      panel.setAttribute("role", "alert");
      panel.style.cssText = "position:fixed;left:8px;bottom:8px;z-index:2147483647;box-sizing:border-box;" +
        "max-width:40em;max-height:40vh;overflow:auto;padding:4px 10px;border:2px solid #c00;border-radius:6px;" +
        "background:#fff;color:#000;font:14px/1.4 sans-serif;box-shadow:0 2px 8px rgba(0,0,0,.3)";
      document.body.appendChild(panel);
    }
    panel.textContent = "";
    var close = document.createElement("button");
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Close");
    close.style.cssText = "float:right;margin-left:8px;border:0;background:none;font:20px/1 sans-serif;cursor:pointer";
    close.onclick = hidePanel;
    panel.appendChild(close);
    panelLines.forEach(function (line) {
      var sentence = document.createElement("p");
      sentence.style.margin = "4px 0";
      sentence.textContent = line[0] + (line[1] > 1 ? " (\u00d7" + line[1] + ")" : "");
      panel.appendChild(sentence);
    });
  }

  function hidePanel() {
    panelLines = [];
    if (panel) panel.remove();
    panel = null;
  }

  var badge = null;
  function showBadge(show) {
    if (show && wszero.badge && !badge && document.body) {
      badge = document.createElement("div");
      badge.textContent = "reconnecting\u2026";
      badge.setAttribute("role", "status");
      badge.style.cssText = "position:fixed;right:8px;bottom:8px;z-index:2147483647;padding:2px 8px;" +
        "border-radius:9px;background:rgba(0,0,0,.6);color:#fff;font:12px sans-serif;pointer-events:none";
      document.body.appendChild(badge);
    } else if (!show && badge) {
      badge.remove();
      badge = null;
    }
  }

  function on(op, fn) {
    (listeners[op] = listeners[op] || []).push(fn);
    return function off() {
      var list = listeners[op] || [];
      if (list.indexOf(fn) >= 0) list.splice(list.indexOf(fn), 1);
    };
  }

  function tell(op, msg) {
    var list = listeners[op];
    if (!list) return false;
    list.slice().forEach(function (fn) { fn(msg); });
    return list.length > 0;
  }

  function handlers() {
    return window.HANDLERS || (window.HANDLERS = {});
  }

  function setState(state) {
    if (wszero.state === state) return;
    wszero.state = state;
    showBadge(state === "closed" || (state === "connecting" && tries > 0));
    tell("wszero:state", {op: "wszero:state", state: state});
    window.dispatchEvent(new CustomEvent("wszero:state", {detail: state}));
  }

  function send_message(msg) {
    if (!msg || typeof msg !== "object" || typeof msg.op !== "string") {
      console.error("wszero: send_message needs an object with an op, like send_message({op: \"chat\", text: \"hi\"})");
      return;
    }
    var text = JSON.stringify(msg);
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(text);
    } else if (waiting.length < MAX_WAITING) {
      waiting.push(text);
    } else {
      console.error("wszero: not connected, and " + MAX_WAITING + " messages are already waiting, so this one was dropped.");
    }
  }

  function receive(event) {
    var msg = JSON.parse(event.data);
    var op = msg.op;
    tell("*", msg);
    var shown = showMessage(msg);  // data-on elements: see the end of this file
    if (op === "wszero:hello") {
      resume = msg.resume;
      if (msg.show_errors === false) {  // a finished game: the console only
        showErrors = false;
        hidePanel();
      }
      if (msg.version !== PROTOCOL) {
        console.error("wszero: this page's wszero.js speaks version " + PROTOCOL +
                      " but the server speaks version " + msg.version + ". Reload the page.");
      }
    } else if (op === "wszero:reply") {
      answer(msg.id, null, msg.result);
    } else if (op === "wszero:eval") {
      (0, eval)(msg.script);  // indirect eval: the script runs at the top level of the page
    } else if (op === "wszero:error") {
      if (msg.id !== undefined && replies[msg.id]) answer(msg.id, msg.error);
      else complain(msg.error);
    } else if (op === "wszero:reload") {
      location.reload();
    } else if (typeof handlers()[op] === "function") {
      tell(op, msg);
      handlers()[op](msg);
    } else if (!tell(op, msg) && !shown && !warned[op]) {
      warned[op] = true;
      console.warn(nobodyShows(op));
    }
  }

  // The hint for a message nothing shows: how to show it, and which data-on looks like a typo of it.
  function nobodyShows(op) {
    var names = [];
    each(document.querySelectorAll("[data-on]"), function (place) {
      names = names.concat(place.getAttribute("data-on").trim().split(/\s+/));
    });
    var near = names.filter(function (name) { return looksLike(name, op); })[0];
    return "wszero: the server sent \"" + op + "\", but HANDLERS has no function for it, and no data-on shows it. " +
      (near ? "The page has data-on=\"" + near + "\": did you mean data-on=\"" + op + "\"?" :
       "Show it with <p data-on=\"" + op + "\">...</p>, or add HANDLERS[\"" + op + "\"] = function (msg) { ... }");
  }

  // True when a and b differ by a letter or two, like "score" and "scores" (edit distance).
  function looksLike(a, b) {
    a = a.toLowerCase();
    b = b.toLowerCase();
    var row = [], i, j, diagonal, above;
    for (j = 0; j <= b.length; j++) row[j] = j;
    for (i = 1; i <= a.length; i++) {
      diagonal = row[0];
      row[0] = i;
      for (j = 1; j <= b.length; j++) {
        above = row[j];
        row[j] = Math.min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
        diagonal = above;
      }
    }
    return row[b.length] <= (Math.min(a.length, b.length) > 4 ? 2 : 1);
  }

  function connect() {
    setState("connecting");
    socket = new WebSocket(address + (address.indexOf("?") < 0 ? "?" : "&") + "v=" + PROTOCOL +
                           (resume ? "&resume=" + encodeURIComponent(resume) : ""));
    socket.onopen = function () {
      tries = 0;
      setState("open");
      var queued = waiting;
      waiting = [];
      queued.forEach(function (text) { socket.send(text); });
    };
    socket.onmessage = receive;
    socket.onclose = function (event) {
      socket = null;
      setState("closed");
      if (event.code === 1009) {
        console.error("wszero: a message was too big (the limit is 1 MB), so the server closed the connection.");
      }
      if (event.code === WRONG_VERSION) return;  // the server explained why; trying again won't help
      // Wait longer after each failed try, with a random part so that a
      // whole classroom doesn't reconnect in the same instant.
      var delay = Math.min(10000, 250 * Math.pow(2, tries++)) * (0.5 + Math.random());
      setTimeout(connect, delay);
    };
  }

  function where(file, line) {
    if (!file) return "";
    var path = new URL(file, location.href).pathname.slice(1);
    return (!path || /\/$/.test(path) ? path + "index.html" : path) + (line ? ", line " + line : "");
  }

  // The browser's console shows these already; the terminal and the panel say them as the server words them.
  function pageError(message, at) {
    send_message({op: "wszero:page-error", message: message, where: at});
    showError("Error in the page" + (at ? " (" + at + "): " : ": ") + message);
  }

  window.addEventListener("error", function (event) {
    pageError(String(event.message), where(event.filename, event.lineno));
  });
  window.addEventListener("unhandledrejection", function (event) {
    var reason = event.reason || {};
    var at = /(https?:\/\/[^\s)]+):(\d+):\d+/.exec(reason.stack || "") || [];
    pageError("a Promise failed: " + (reason.message || reason), where(at[1], at[2]));
  });

  // ---- Pages without JavaScript: data-op and data-on (rules at the top) ----
  // Elements are looked up when used, so ones that React, Vue or a script add later work.

  var TYPED = /^(text|search|email|url|tel|password)$/;  // input types a person types text into
  var COPY = "data-wszero-copy";  // on what data-on shows; the other children are templates
  var early = document.readyState === "loading" ? [] : null;  // messages from before the page was read
  var warnedOnce = {};
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var hide = document.createElement("style");
  // Templates are hidden; so is a text template until its first message (two rules: not every browser has :has).
  hide.textContent = "[data-on]>:not([" + COPY + "]){display:none!important}\n" +
                     "[data-on]:not([" + COPY + "]):not(:has(*)){visibility:hidden!important}";
  (document.head || document.documentElement).appendChild(hide);

  function warnOnce(key, text) {
    if (warnedOnce[key]) return;
    warnedOnce[key] = true;
    console.warn("wszero: " + text);
    showError(text);
  }

  // A value written in the page, like "3", "true" or "red", as 3, true or "red".
  function guess(text) {
    if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) return Number(text);
    return text === "true" ? true : text === "false" ? false : text;
  }

  function typedIn(field) {
    return field.tagName === "TEXTAREA" || (field.tagName === "INPUT" && TYPED.test(field.type));
  }

  function marked(field, attribute) {
    return field.hasAttribute(attribute) || field.form.hasAttribute(attribute);
  }

  function formMessage(form, submitter) {
    var msg = {op: form.getAttribute("data-op")};
    each(form.elements, function (field) {
      var name = field.name, type = field.type, value = field.value, number = /^(number|range)$/.test(type);
      if (!name || field.disabled || /^(file|fieldset|reset|button)$/.test(type)) return;
      if (type === "radio" && !field.checked) return;  // only the chosen one
      if (/^(submit|image)$/.test(type) && field !== submitter) return;  // only the pressed one
      var guessing = marked(field, "data-guess"), asText = field.getAttribute("data-guess") === "text";
      if (type === "checkbox") msg[name] = field.checked;
      else if (value === "" && (number || guessing)) return;  // left out, so a handler's default applies
      else if (number) msg[name] = Number(value);
      else msg[name] = typedIn(field) && (!guessing || asText) ? value : guess(value);
    });
    return msg;
  }

  function emptyTextBoxes(form) {
    var first = null;
    each(form.elements, function (field) {
      if (!field.name || !typedIn(field) || marked(field, "data-keep")) return;
      field.value = "";
      first = first || field;
    });
    // On a page played with keys, the keys must reach the page, not the box.
    if (document.querySelector("[data-keys],[data-key]")) {
      if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    } else if (first) {
      first.focus();
    }
  }

  function clickMessage(element) {
    var msg = {op: element.getAttribute("data-op")};
    each(element.attributes, function (attribute) {
      if (/^data-(?!op$|key$|wszero)/.test(attribute.name)) {
        msg[attribute.name.slice(5).replace(/-/g, "_")] = guess(attribute.value);
      }
    });
    return msg;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-op")) return;
    event.preventDefault();  // no page reload
    send_message(formMessage(form, event.submitter));
    emptyTextBoxes(form);
  });

  document.addEventListener("click", function (event) {
    var element = event.target.closest ? event.target.closest("[data-op]") : null;
    if (!element || element.tagName === "FORM") return;
    var form = element.form;  // a submit button of a data-op form: the form sends, once
    if (form && form.hasAttribute("data-op") && /^(submit|image)$/.test(element.type)) return;
    event.preventDefault();  // no form submitted, no link followed
    send_message(clickMessage(element));
  });

  // ---- Keys: data-keys and data-key (rules at the top) ----

  var KEYS = {ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down", " ": "space", Enter: "enter"};
  var held = {};  // the keys this page told the server are down

  // "left", "space", "a", "7"... or undefined for a key wszero has no name for.
  function keyName(event) {
    if (KEYS[event.key]) return KEYS[event.key];
    if (/^[a-z0-9]$/i.test(event.key)) return event.key.toLowerCase();
    var code = /^(Key|Digit)(.)$/.exec(event.code || "");  // Shift or another layout changed the letter
    return code ? code[2].toLowerCase() : undefined;
  }

  function listensFor(name) {
    return Array.prototype.some.call(document.querySelectorAll("[data-keys]"), function (element) {
      var names = element.getAttribute("data-keys").trim();
      return !names || names.split(/\s+/).indexOf(name) >= 0;
    });
  }

  document.addEventListener("keydown", function (event) {
    var name = keyName(event), target = event.target;
    if (!name || event.ctrlKey || event.altKey || event.metaKey) return;  // browser shortcuts stay shortcuts
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;  // typing
    var buttons = document.querySelectorAll('[data-key~="' + name + '"]');
    var listening = listensFor(name);
    if (buttons.length || (listening && /^(left|right|up|down|space)$/.test(name))) event.preventDefault();
    if (event.repeat) return;  // the keyboard repeating a held key: nothing new
    each(buttons, function (element) {
      if (element.tagName === "FORM") element.requestSubmit(); else element.click();
    });
    if (listening && !held[name]) {
      held[name] = true;
      send_message({op: "wszero:keydown", key: name});
    }
  });

  function letGo(name) {
    delete held[name];
    send_message({op: "wszero:keyup", key: name});
  }

  document.addEventListener("keyup", function (event) {
    var name = keyName(event);
    if (held[name]) letGo(name);
  });
  // A key let go while the page can't see it would stay held for ever.
  function letGoOfAll() { Object.keys(held).forEach(letGo); }
  window.addEventListener("blur", letGoOfAll);
  window.addEventListener("pagehide", letGoOfAll);
  document.addEventListener("visibilitychange", function () { if (document.hidden) letGoOfAll(); });

  // Shows msg in each element whose data-on names its op. True if there is one.
  function showMessage(msg) {
    if (early) {
      early.push(msg);  // shown once the page has been read
      return true;
    }
    var places = document.querySelectorAll('[data-on~="' + CSS.escape(String(msg.op)) + '"]');
    each(places, function (place) { showIn(place, msg); });
    return places.length > 0;
  }

  function showIn(place, msg) {
    var list = place.getAttribute("data-each");
    if (!list && (place.wszeroText !== undefined || (!place.children.length && place.textContent.trim()))) {
      if (place.wszeroText === undefined) place.wszeroText = place.textContent;  // its own text is the template
      place.textContent = fillText(place.wszeroText, msg, missingIn(msg));
      return place.setAttribute(COPY, "");
    }
    var templates = Array.prototype.filter.call(place.children, function (child) {
      return !child.hasAttribute(COPY);
    });
    var template = templates[place.getAttribute("data-on").trim().split(/\s+/).indexOf(msg.op)] || templates[0];
    if (!template) {
      return warnOnce(msg.op, "data-on=\"" + msg.op + "\" needs an element inside to copy, like <li>{text}</li>.");
    }
    var replace = list || place.getAttribute("data-show") === "replace";
    if (replace) each(place.querySelectorAll(":scope>[" + COPY + "]"), function (old) { old.remove(); });
    if (!list) return addCopy(place, template, msg, missingIn(msg), !replace);
    var items = msg[list];
    if (!Array.isArray(items)) {
      items = [];
      warnOnce(msg.op + " " + list, "a \"" + msg.op + "\" message came without a list called " + list +
               ", so data-each=\"" + list + "\" shows nothing. Add " + list + "=[...] where Python sends \"" +
               msg.op + "\".");
    }
    items.forEach(function (item) {
      var values = Object.create(null);  // the message's fields, then the item's own
      for (var key in msg) values[key] = msg[key];
      if (item && typeof item === "object" && !Array.isArray(item)) for (key in item) values[key] = item[key];
      else values.item = item;
      addCopy(place, template, values, function (field) {
        return "an item in the " + list + " list of a \"" + msg.op + "\" message has no " + field + ", so {" +
               field + "} shows as empty. Use {item} to show an item that is just text or a number.";
      }, false);
    });
  }

  function addCopy(place, template, values, missing, scroll) {
    var copy = template.cloneNode(true);
    copy.setAttribute(COPY, "");
    fill(copy, values, missing);
    place.appendChild(copy);
    if (scroll) scrollToCopy(place, copy);
  }

  // The warning for a field a message doesn't have.
  function missingIn(msg) {
    return function (field) {
      return "a \"" + msg.op + "\" message came without " + field + ", so {" + field + "} shows as empty. " +
             "Add " + field + "=... where Python sends \"" + msg.op + "\".";
    };
  }

  if (early) {
    document.addEventListener("DOMContentLoaded", function () {
      var waited = early;
      early = null;
      waited.forEach(showMessage);
      drawPanel();
    });
  }

  // A message never becomes code: on... attributes and srcdoc aren't filled,
  // and a link that would run JavaScript is left empty.
  function fill(node, values, missing) {
    if (node.nodeType === Node.TEXT_NODE) node.nodeValue = fillText(node.nodeValue, values, missing);
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    each(node.attributes, function (attribute) {
      if (/^on|^srcdoc$/i.test(attribute.name) || attribute.value.indexOf("{") < 0) return;
      var value = fillText(attribute.value, values, missing);
      attribute.value = /^javascript:/i.test(value.replace(/[\0- ]/g, "")) ? "" : value;
    });
    each(node.childNodes, function (child) { fill(child, values, missing); });
  }

  // missing(field) words the warning for a field that values lacks; it is given once per sentence.
  function fillText(text, values, missing) {
    return text.replace(/\{(\w+)\}/g, function (placeholder, field) {
      var value = values[field];
      if (!Object.prototype.hasOwnProperty.call(values, field)) {
        var sentence = missing(field);
        warnOnce(sentence, sentence);
        return "";
      }
      return value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
    });
  }

  // A list that scrolls by itself scrolls to its end; otherwise the page scrolls to the copy.
  function scrollToCopy(place, copy) {
    if (/auto|scroll/.test(getComputedStyle(place).overflowY) && place.scrollHeight > place.clientHeight) {
      place.scrollTop = place.scrollHeight;
    } else {
      copy.scrollIntoView({block: "nearest"});
    }
  }

  handlers();
  window.send_message = send_message;
  window.wszero = wszero;
  if (home.protocol === "file:" && !config.url) {  // double-clicked: there is no server to reach
    complain("This page was opened as a file, so it can't talk to your program. " +
             "Run your program, then open the address it shows, like http://localhost:8000");
  } else {
    connect();
  }
})();
"""

JS_BYTES = JS.encode()
#: The same stub as an ES module: `import wszero, {send_message} from "http://host:8000/wszero.mjs"`.
JS_MODULE_BYTES = ("var WSZERO_MODULE_URL = import.meta.url;\n" + JS + """
var wszero = window.wszero;
export default wszero;
export var send_message = wszero.send_message, on = wszero.on, request = wszero.request;
""").encode()

# =============================================================================
# run_server() and the command line
# =============================================================================

_runner_settings = None  # while the runner loads a program: its run_server() only records here


def _parse_options(argv):
    """--port N, --open, --window and --no-reload from the command line, as Settings fields."""
    options, rest = {}, []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--port" or arg.startswith("--port="):
            value = arg.partition("=")[2] if "=" in arg else (args.pop(0) if args else "")
            if not value.isdigit():
                raise WszeroError(say.bad_port(value))
            options["port"] = int(value)
        elif arg in ("--open", "--window"):
            options[arg[2:]] = True
        elif arg == "--no-reload":
            options["reload"] = False
        else:
            rest.append(arg)
    return options, rest


def run_server(port=DEFAULT_PORT, *, open=False, window=False, host=None, grace=RESUME_SECONDS, show_errors=True,
               origins=None):
    """Serve the pages next to the program and its handlers, until Ctrl+C.

    ``python app.py --port 9000 --open`` works as well as the keywords.
    ``grace`` is how many seconds a page whose connection dropped has to
    come back as the same client before its disconnect handler runs.
    ``show_errors=False`` keeps errors out of the pages' error panel (for a
    finished game); the browser's console still shows them.
    ``origins`` lets pages from other sites connect, like
    ``origins=['https://example.com']`` (``'*'``: every page).
    """
    global _serving
    _serving = True  # asked to serve: whatever happens next explains itself
    settings = Settings(port=port, open=open, window=window, host=host, grace=grace, show_errors=show_errors,
                        origins=origins)
    if _runner_settings is not None:
        _runner_settings.append(settings)
        return
    try:
        options, rest = _parse_options(sys.argv[1:])
    except WszeroError as problem:
        _exit_with(problem)
    if rest[:1] in (["-h"], ["--help"]):
        print_line(say.usage_for_program(f"python {os.path.basename(sys.argv[0])}"))
        raise SystemExit(0)
    # An editor's Run button runs "python game.py": it gets live reload, as the runner does.
    options.setdefault("reload", True)
    folder, program = _main_folder()
    path = os.path.join(folder, program)
    start_server(folder, program, dataclasses.replace(settings, **options),
                 path=path if program.endswith(".py") and os.path.isfile(path) else None)


def start_server(folder, program, settings, registry=None, path=None):
    """Serve a program's folder and handlers with these settings, until it stops.

    ``path`` is the program's file, to run again when it is saved (with
    ``settings.reload``).
    """
    global _serving
    _serving = True
    _safe_output()
    try:
        _import_websockets()
    except WszeroError as problem:
        _exit_with(problem)
    registry = registry or _registry
    registry.ready()
    server = Server(folder, registry, settings, program=program, path=path)
    window, open = settings.window, settings.open
    if window:
        problem = window_problem()
        if problem:
            print_line(problem, error=True)
            window, open = False, True

    def ready(server):
        local = f"http://localhost:{server.port}"
        network = [f"http://{a}:{server.port}" for a in network_addresses()]
        print_line(say.running(server.program, local, network, sys.platform == "win32", window))
        if network and terminal_can_show_qr(sys.stdout):
            print_line("\n".join(qr_lines(network[0], colours=not _in_idle(sys.stdout))) + "\n")
        if open:
            webbrowser.open(local)

    try:
        if window:
            run_in_window(server, ready, window_title(program, folder))
        else:
            asyncio.run(server.run(on_ready=ready))
    except WszeroError as problem:
        _exit_with(problem)
    except KeyboardInterrupt:
        print_line(say.stopped())
    return server


def _safe_output():
    """A program's own print() of a character the console can't show prints '?', never an error."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


_serving = False   # run_server() was called (or the runner started the server)
_crashed = False   # the program stopped with an error, which explains itself


def _never_served():
    """At exit: a program that defined handlers but never called run_server() is told so."""
    mine = [h for h in _registry.handlers.values() if getattr(h.func, "__module__", None) == "__main__"]
    if mine and not _serving and not _crashed:
        print_line(say.no_run_server(os.path.basename(mine[0].func.__code__.co_filename)), error=True)


atexit.register(_never_served)


def _exit_with(problem):
    print_line(str(problem), error=True)
    raise SystemExit(1)


def _excepthook(kind, value, tb, _previous=sys.excepthook):
    """Mistakes found at start-up are shown as a sentence, not a traceback."""
    global _crashed
    _crashed = True
    if isinstance(value, WszeroError):
        print_line(str(value), error=True)
    else:
        _previous(kind, value, tb)


sys.excepthook = _excepthook


def find_program(path):
    """The .py file to run for a path that names a file or a folder (on disk, or inside a bundle)."""
    if os.path.isfile(path):
        return path
    zipped = in_zip(path)
    if zipped is not None and zipped.is_file():
        return path
    if zipped is not None and zipped.is_dir():
        files = [p.name for p in zipped.iterdir() if p.is_file()]
    elif os.path.isdir(path):
        files = [n for n in os.listdir(path) if os.path.isfile(os.path.join(path, n))]
    else:
        raise WszeroError(say.no_such_program(path))
    if "main.py" in files:
        return os.path.join(path, "main.py")
    programs = sorted(n for n in files if n.endswith(".py"))
    if len(programs) == 1:
        return os.path.join(path, programs[0])
    if not programs:
        raise WszeroError(say.no_program_in_folder(path))
    raise WszeroError(say.many_programs_in_folder(path, programs))


def load_program(path):
    """Run a program file to collect its handlers, and return its Registry.

    The program's own run_server() call only records its Settings, in
    ``registry.settings`` (defaults when it has none).  Its mistakes are
    raised as they are.
    """
    global _registry, _runner_settings
    import runpy
    registry = Registry()
    recorded = []
    saved = _registry, _runner_settings
    _registry, _runner_settings = registry, recorded
    zipped = None if os.path.isfile(path) else in_zip(path)
    try:
        if zipped is None:
            runpy.run_path(path, run_name="__main__")
        else:
            _run_from_zip(path, zipped.read_bytes())
    finally:
        _registry, _runner_settings = saved
    registry.settings = recorded[-1] if recorded else Settings()
    return registry


def _run_from_zip(path, source):
    """Run a program's source from inside a bundle as __main__, as runpy does for a file.

    It is compiled with its path in the zip as its file name, and its lines go
    in linecache, so a traceback still shows the child's own line of code.
    """
    import linecache
    import types
    lines = source.decode("utf-8", "replace").splitlines(keepends=True)
    linecache.cache[path] = (len(source), None, lines, path)  # no time: never checked against a file
    program = types.ModuleType("__main__")
    program.__file__ = path
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = program
    try:
        exec(compile(source, path, "exec"), vars(program))
    finally:
        sys.modules["__main__"] = saved


def main(argv=None):
    """``python -m wszero app.py [--port N] [--open] [--window] [--no-reload]``."""
    sys.modules.setdefault("wszero", sys.modules[__name__])  # the program's import finds this module
    try:
        options, rest = _parse_options(sys.argv[1:] if argv is None else argv)
        if not rest or rest[0] in ("-h", "--help"):
            bundle = sys.argv[0].endswith(".pyz")  # run as "python wszero.pyz"
            print_line(say.usage(f"python {os.path.basename(sys.argv[0])}") if bundle else say.usage())
            return
        path = os.path.abspath(find_program(rest[0]))
        if "-h" in rest or "--help" in rest:  # a game's bundle puts its own program first
            game = in_zip(path) is not None
            print(say.game_usage(f"python {os.path.basename(sys.argv[0])}") if game else say.usage())
            return
    except WszeroError as problem:
        _exit_with(problem)
    sys.argv = [path] + rest[1:]
    sys.path.insert(0, os.path.dirname(path))
    try:
        registry = load_program(path)
    except WszeroError as problem:
        _exit_with(problem)
    except Exception as exc:
        print_line(short_traceback(exc)[0].rstrip("\n"), error=True)
        raise SystemExit(1)
    # Nobody can save a program inside a bundle, so there is nothing to watch for live reload.
    options = {"reload": in_zip(path) is None, **options}
    settings = dataclasses.replace(registry.settings, **options)
    start_server(os.path.dirname(path), os.path.basename(path), settings, registry=registry, path=path)


if __name__ == "__main__":
    main()
