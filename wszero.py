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
"""

import asyncio
import collections
import difflib
import functools
import html
import inspect
import json
import mimetypes
import os
import posixpath
import re
import secrets
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

__all__ = ["on", "broadcast", "run_server", "Client"]

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
MAX_UNSENT_BYTES = 16 * 1024 * 1024
#: Seconds a page whose connection dropped has to come back as the same client.
RESUME_SECONDS = 10
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


def _type_name(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "true or false",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), "something else")


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

    def spelling(op, func, meant):
        return (f"Warning: @on({op!r}) above {func.__name__}() ({_where(func)}): "
                f"did you mean '{meant}'?")

    # -- mistakes in a message from a browser ----------------------------------
    def not_json(text):
        return (f"This message isn't JSON, so wszero can't read it: {_short(text)}. "
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
        return f"A page can't send '{_short(op)}': ops starting with '{RESERVED}' belong to wszero."

    def unknown_op(op, known):
        close = difflib.get_close_matches(op, known, n=1, cutoff=0.6)
        hint = f" — did you mean '{close[0]}'?" if close else (
            f". The ops it knows are: {', '.join(sorted(known))}." if known else
            ". The program has no @on handlers yet.")
        return f"No handler for '{_short(op)}'{hint}"

    def missing(op, handler, names):
        word = "a value" if len(names) == 1 else "values"
        return (f"The '{op}' message needs {word} for {_names(names)}. "
                f"The handler is {handler.title}.")

    def unexpected(op, handler, names):
        takes = _names(handler.fillable) if handler.fillable else "the client"
        text = (f"The '{op}' message has {_names(names)}, but the handler only takes {takes}. "
                f"The handler is {handler.title}.")
        if handler.client_param in names and handler.client_param != "client":
            text += (f" Its first parameter, '{handler.client_param}', is always the client: "
                     f"write def {handler.func.__name__}(client, {handler.client_param}):")
        return text

    # -- while running -----------------------------------------------------------
    def handler_failed_terminal(op):
        return f"Oops! The '{op}' handler hit a problem:"

    def handler_failed_browser(op, exc, where):
        at = f" ({where})" if where else ""
        return f"The '{op}' handler hit a problem: {type(exc).__name__}: {exc}{at}"

    def cannot_send(what, key, value):
        if isinstance(value, float):  # nan or inf: JSON has no way to write them
            return f"{what} can't send '{key}': it was {value}, which isn't a number a browser understands."
        return (f"{what} can only send text, numbers, True/False, None, lists and dicts, "
                f"but '{key}' was {_short(value)}.")

    def op_must_be_text(what, op):
        return f"{what}: the op must be text, like 'chat', not {_short(op)}."

    def joined(client):
        return f"{client.name} joined."

    def came_back(client):
        return f"{client.name} lost its connection for a moment, and is back."

    def wrong_version(version):
        return (f"This page's wszero.js speaks version {_short(version, 20)}, but the server speaks "
                f"version {PROTOCOL_VERSION}. Reload the page to get the new one.")

    def left(client):
        return f"{client.name} left."

    def too_slow(client):
        return f"{client.name} stopped reading messages, so wszero disconnected it."

    def page_error(message, where):
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
        return f"This address is for wszero's live connection. Open / instead."

    def method_not_allowed(method):
        return f"wszero only serves pages (GET and HEAD), not {method}."


def show(text, error=False):
    """Print a line in one write, so a line printed by another thread can't split it."""
    stream = sys.stderr if error else sys.stdout
    stream.write(text + "\n")
    stream.flush()


# =============================================================================
# Handlers: the registry and signature checks
# =============================================================================


class Handler:
    """One function registered with @on, with its signature studied once.

    ``required`` and ``accepted`` are the names a message must and may carry,
    so checking a message later is two set comparisons.
    """

    __slots__ = ("op", "func", "is_async", "required", "accepted", "any_key", "fillable", "title", "client_param")

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
        self.fillable = [p.name for p in named]
        self.accepted = frozenset(self.fillable)
        self.required = frozenset(p.name for p in named if p.default is p.empty)
        self.title = f"{func.__name__}{signature}"
        if op in SPECIAL_OPS and self.required:
            raise WszeroError(say.special_takes_client_only(op, func, signature))

    def check(self, params):
        """The mistake in a message's values, in words, or None if it fits."""
        keys = params.keys()
        if not keys >= self.required:
            return say.missing(self.op, self, [n for n in self.fillable if n in self.required and n not in keys])
        if not self.any_key and not keys <= self.accepted:
            return say.unexpected(self.op, self, [k for k in params if k not in self.accepted])
        return None


class Registry:
    """Every handler of one program, by op."""

    def __init__(self):
        self.handlers = {}
        self.warnings = []

    def ready(self):
        """Just before serving: show the warnings, and share time.sleep with the program."""
        for warning in self.warnings:
            print(warning, file=sys.stderr)
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
        self.handlers[op] = Handler(op, func)
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
    try:
        msg = json.loads(text)
    except ValueError:
        raise MessageError(say.not_json(text)) from None
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
            raise MessageError(say.unknown_op(op, [o for o in handlers if o not in SPECIAL_OPS]), op, reply_id)
    problem = handler.check(msg)
    if problem:
        raise MessageError(problem, op, reply_id)
    return handler, msg, reply_id


def _say_in_turn(client, text, error=False):
    """Print a line about a client in turn with its handlers (and so with their prints)."""
    show(text, error)


def _page_error(client, message, where=""):
    """wszero.js reports the page's own JavaScript errors, so the terminal shows them too."""
    show(say.page_error(_short(str(message), 300), _short(str(where), 120)), error=True)


#: Ops that wszero.js sends to the server for wszero itself.
BUILT_IN = {"wszero:page-error": Handler("wszero:page-error", _page_error)}
_SAY = Handler("", _say_in_turn)


def encode(op, params, what="send()"):
    """The JSON text for a message, or a TypeError that says what can't be sent."""
    if type(op) is not str:
        raise TypeError(say.op_must_be_text(what, op))
    try:
        return _dumps({"op": op, **params})
    except (TypeError, ValueError):
        for key, value in params.items():
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError):
                raise TypeError(say.cannot_send(what, key, value)) from None
        raise


def error_message(text, about=None, reply_id=None):
    """The wire form of an error for the page."""
    msg = {"op": "wszero:error", "error": text}
    if about is not None:
        msg["about"] = about
    if reply_id is not None:
        msg["id"] = reply_id
    return _dumps(msg)


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


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
    text = "".join(report.format()).rstrip("\n")
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


class Client:
    """One page connected to the server.

    ``client.name`` starts as "Player 1", "Player 2"... and the program may
    change it, or set any attribute of its own (``client.score = 0``).
    """

    def __init__(self, server, ws, number):
        self.number = number
        self.name = f"Player {number}"
        self._server = server
        self._ws = ws
        self._groups = set()
        self._held = None       # messages set aside while a handler of ours waits
        self._received = 0      # counted on the loop thread
        self._handled = 0       # counted by whichever thread handles messages
        self._reading = None    # a future the loop awaits while too much waits
        self._token = secrets.token_urlsafe(16)  # lets the same page come back after a drop
        self._missed = None     # while dropped: what was sent to it, in order
        self._expiry = None     # while dropped: the timer that makes it leave for good

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
            _groups.setdefault(group, set()).add(self)

    def remove_from_group(self, group):
        """Take this client out of a group.  Not in it?  Nothing happens."""
        with _group_lock:
            self._groups.discard(group)
            members = _groups.get(group)
            if members is not None:
                members.discard(self)
                if not members:
                    del _groups[group]

    def _leave_all_groups(self):
        for group in list(self._groups):
            self.remove_from_group(group)


_groups = {}                    # group name -> set of clients
_group_lock = threading.Lock()  # group changes may come from any thread
_server = None                  # the running server, once there is one


def broadcast(op, group=None, **params):
    """Send a message to every connected client, or to the members of ``group``."""
    data = encode(op, params, "broadcast()").encode()
    server = _server
    if server is None:
        return
    if group is None:
        targets = tuple(server.clients)
    else:
        with _group_lock:
            targets = tuple(_groups.get(group, ()))
    if targets:
        server.post(targets, data)


# =============================================================================
# The game thread: handlers take turns, and time.sleep hands over
# =============================================================================
# Program code runs while holding the baton, so two handlers never run at the
# same moment.  A "player" thread takes messages from the inbox and runs their
# handlers.  When a handler calls time.sleep, its thread gives the baton away
# and a spare thread becomes the player, so everyone else carries on.  When
# the sleeper wakes it queues for the baton, finishes its handler, and goes
# back to the pool.  async def handlers run on the loop and hold the baton
# between their awaits.


class Baton:
    """Exactly one holder at a time; waiting threads and tasks are served in order."""

    def __init__(self, loop):
        self._loop = loop
        self._mutex = threading.Lock()
        self._held = False
        self._queue = collections.deque()

    def waiting(self):
        return bool(self._queue)

    def take(self):
        """Wait (in a thread) until this thread holds the baton."""
        with self._mutex:
            if not self._held:
                self._held = True
                return
            gate = threading.Lock()
            gate.acquire()
            self._queue.append(gate)
        gate.acquire()  # give() hands the baton over by opening our gate

    async def take_on_loop(self):
        """Wait (in a task on the loop) until this task holds the baton."""
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
        """Pass the baton to the next in line, or put it down."""
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


class _Pass:
    """Hands whatever a coroutine yields on to the task that drives it."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __await__(self):
        return (yield self.value)


_STOP = object()
_real_sleep = time.sleep


class Game:
    """Runs the program's handlers, one at a time, in the order messages came."""

    def __init__(self, server):
        self.server = server
        self.loop = server.loop
        self.baton = Baton(server.loop)
        self.inbox = collections.deque()
        self.idle = False
        self._mutex = threading.Lock()
        self._wake = threading.Lock()
        self._wake.acquire()
        self.player = None          # the thread that takes messages from the inbox
        self.running_on = None      # the thread running a plain handler right now
        self.current = None         # that handler's client
        self._spares = []           # gates of idle pool threads
        self.sleepers = 0           # handlers in time.sleep right now
        self.stop_waiting = False   # a stop that waits for the sleepers
        self.stopped = threading.Event()

    # -- the loop side -------------------------------------------------------
    def put(self, item):
        """Queue (client, handler, params, reply_id) for its turn.  Any thread."""
        self.inbox.append(item)
        self._nudge()

    def _nudge(self):
        """Wake the player if it waits for mail."""
        if self.idle:
            with self._mutex:
                if self.idle:
                    self.idle = False
                    self._wake.release()

    def start(self):
        self._start_player()

    def stop(self):
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
        """Handle messages until another thread becomes the player.  True when stopping."""
        me = threading.get_ident()
        baton = self.baton
        inbox = self.inbox
        baton.take()
        try:
            while True:
                if not inbox:
                    baton.give()
                    self._wait_for_mail()
                    baton.take()
                    continue
                item = inbox.popleft()
                if item is _STOP:
                    if self.sleepers:  # their clients' disconnect handlers still wait behind them
                        self.stop_waiting = True
                        continue
                    self.stopped.set()
                    return True
                self._handle(item)
                if self.player != me:
                    return False
                if baton.waiting():
                    baton.give()
                    baton.take()
        finally:
            baton.give()

    def _wait_for_mail(self):
        with self._mutex:
            self.idle = True
        if self.inbox:  # it may have come while we marked ourselves idle
            with self._mutex:
                if self.idle:
                    self.idle = False
                    return
        self._wake.acquire()

    def _handle(self, item):
        client, handler, params, reply_id = item
        if client._held is not None:
            client._held.append(item)
            return
        if handler.is_async:
            client._held = []
            self.loop.call_soon_threadsafe(self.server.start_async, item)
            return
        self.running_on = threading.get_ident()
        self.current = client
        try:
            result = handler.func(client, **params)
        except Exception as exc:
            self.server.handler_failed(client, handler, exc, reply_id)
        else:
            if reply_id is not None:
                self.server.reply(client, reply_id, result)
        finally:
            self.running_on = self.current = None
            self.finished(client, reply_id)

    def finished(self, client, reply_id):
        """After a handler: count it, and put back what waited for it.  Holding the baton."""
        if reply_id is _LEAVING:
            client._leave_all_groups()
            self.server.say(say.left(client))
        client._handled += 1
        held = client._held
        if held is not None:
            client._held = None
            self.inbox.extendleft(reversed(held))
            if held:
                self._nudge()  # the player may be idle, and can't know these came back
        if self.stop_waiting and not self.sleepers:
            self.stop_waiting = False
            self.put(_STOP)
        if client._reading is not None:
            self.loop.call_soon_threadsafe(self.server.maybe_resume, client)

    # -- time.sleep --------------------------------------------------------------------
    def sleep(self, seconds):
        """time.sleep inside a plain handler: let another thread play meanwhile."""
        client = self.current
        if client._held is None:
            client._held = []
        self.running_on = self.current = None
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
            self.current = client


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
# The network loop
# =============================================================================


class Server:
    """The websocket and the web pages on one port, run by an asyncio loop."""

    def __init__(self, folder, registry, port=DEFAULT_PORT, host=None, program="", quiet=False, path=None,
                 grace=RESUME_SECONDS):
        self.folder = folder
        self.grace = grace
        self.parked = {}  # resume token -> a client whose connection dropped a moment ago
        self.tokens = {}  # resume token -> every client still here
        self.served = set()  # URL paths pages have loaded: saving one of those reloads them
        self.path = path  # the program to run again when it changes; None: no live reload
        self.registry = registry
        self.port = port
        self.host = host
        self.program = program
        self.quiet = quiet
        self.clients = set()
        self.outbox = collections.deque()
        self.flush_pending = False
        self.numbers = 0
        self.loop = None
        self.game = None
        self.ready = threading.Event()
        self.stop_requested = None

    def say(self, text):
        if not self.quiet:
            show(text)

    def say_in_turn(self, client, text, error=False):
        """A line about a client, printed by the game thread between two handlers."""
        if not self.quiet or error:
            self.game.put((client, _SAY, {"text": text, "error": error}, None))

    # -- sending -----------------------------------------------------------------------
    def post(self, target, data):
        """Queue data for one client or a tuple of clients.  Any thread."""
        self.outbox.append((target, data))
        if not self.flush_pending:
            self.flush_pending = True
            self.loop.call_soon_threadsafe(self.flush)

    def flush(self):
        """Write everything in the outbox, one socket write per connection.

        Frames are gathered per connection first, then each connection is
        framed and written in turn, so the first page gets a broadcast
        without waiting for the rest to be framed.
        """
        self.flush_pending = False
        outbox = self.outbox
        frames = {}  # connection -> its message, or a list of its messages in order
        while outbox:
            target, data = outbox.popleft()
            for client in (target,) if type(target) is Client else target:
                ws = client._ws
                if ws.protocol.state is _OPEN and client._missed is None:
                    waiting = frames.get(ws)
                    if waiting is None:
                        frames[ws] = data  # no list for the usual one message: less for the GC
                    elif type(waiting) is list:
                        waiting.append(data)
                    else:
                        frames[ws] = [waiting, data]
                elif client in self.clients:  # dropped, maybe coming back: keep it
                    if client._missed is None:
                        client._missed = []
                    client._missed.append(data)
                    if len(client._missed) > MAX_MISSED_MESSAGES:
                        self.leave(client)
        for ws, messages in frames.items():
            if type(messages) is list:
                for data in messages:
                    ws.protocol.send_text(data)
            else:
                ws.protocol.send_text(messages)
            chunks = ws.protocol.data_to_send()
            if b"" in chunks:
                for chunk in chunks:
                    if chunk:
                        ws.transport.write(chunk)
            else:
                ws.transport.write(b"".join(chunks))
            if ws.transport.get_write_buffer_size() > MAX_UNSENT_BYTES:
                self.say(say.too_slow(ws.wszero_client))
                ws.transport.abort()

    def reply(self, client, reply_id, result):
        if reply_id is _LEAVING:
            return
        try:
            data = _dumps({"op": "wszero:reply", "id": reply_id, "result": result})
        except (TypeError, ValueError):
            data = error_message(say.cannot_send("A handler's return", "result", result), reply_id=reply_id)
        self.post(client, data.encode())

    def handler_failed(self, client, handler, exc, reply_id):
        text, where = short_traceback(exc)
        show(say.handler_failed_terminal(handler.op) + "\n" + text.rstrip("\n"), error=True)
        if reply_id is _LEAVING:
            return
        self.post(client, error_message(say.handler_failed_browser(handler.op, exc, where),
                                        handler.op, reply_id).encode())

    # -- receiving ---------------------------------------------------------------------------
    async def connection(self, ws):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(ws.request.path).query)
        version = query.get("v", [str(PROTOCOL_VERSION)])[0]
        if version != str(PROTOCOL_VERSION):
            problem = say.wrong_version(version)
            print(problem, file=sys.stderr, flush=True)
            await ws.send(error_message(problem))
            await ws.close(WRONG_VERSION, "wrong version")
            return
        game = self.game
        client = self.tokens.get(query.get("resume", [""])[0])
        if client is not None:
            # Back after a drop.  The old connection may not even look dead yet.
            if self.parked.pop(client._token, None) is not None:
                client._expiry.cancel()
            elif client._missed is None:
                client._missed = []
            client._ws.transport.abort()
            self.flush()  # what is already queued for it goes with what it missed
            missed, client._missed = client._missed, None
            client._ws = ws
            self.post(client, _dumps({"op": "wszero:hello", "version": PROTOCOL_VERSION,
                                      "resume": client._token, "resumed": True}).encode())
            for data in missed:
                self.post(client, data)
            self.say_in_turn(client, say.came_back(client))
        else:
            self.numbers += 1
            client = Client(self, ws, self.numbers)
            self.clients.add(client)
            self.tokens[client._token] = client
            self.post(client, _dumps({"op": "wszero:hello", "version": PROTOCOL_VERSION,
                                      "resume": client._token, "resumed": False}).encode())
            self.say_in_turn(client, say.joined(client))
            game.put((client, self.registry.handlers.get("connect", _NOTHING), {}, None))
        ws.wszero_client = client
        try:
            async for text in ws:
                if type(text) is not str:
                    self.refuse(client, say.binary())
                    continue
                try:
                    handler, params, reply_id = read_message(text, self.registry.handlers)
                except MessageError as problem:
                    self.refuse(client, str(problem), problem.about, problem.reply_id)
                    continue
                client._received += 1
                game.put((client, handler, params, reply_id))
                if client._received - client._handled > MAX_WAITING_MESSAGES:
                    await self.pause_reading(client)
        except _ConnectionClosed:
            pass
        finally:
            if client._ws is not ws:
                pass  # the page came back on a newer connection
            elif ws.protocol.close_rcvd is None and not self.stop_requested.is_set() and self.grace > 0:
                self.park(client)  # dropped, not closed: the page may be back in a moment
            else:
                self.leave(client)

    def park(self, client):
        """Keep a dropped client for a while, saving what is sent to it."""
        if client._missed is None:
            client._missed = []
        self.parked[client._token] = client
        client._expiry = self.loop.call_later(self.grace, self.leave, client)

    def leave(self, client):
        """The client is gone for good: its disconnect handler runs, then it leaves its groups."""
        if client not in self.clients:
            return
        if client._expiry is not None:
            client._expiry.cancel()
        self.parked.pop(client._token, None)
        self.tokens.pop(client._token, None)
        client._missed = None
        self.clients.discard(client)
        self.game.put((client, self.registry.handlers.get("disconnect", _NOTHING), {}, _LEAVING))

    def refuse(self, client, text, about=None, reply_id=None):
        self.say_in_turn(client, f"{client.name}: {text}", error=True)
        self.post(client, error_message(text, about, reply_id).encode())

    async def pause_reading(self, client):
        client._reading = self.loop.create_future()
        if client._received - client._handled > MAX_WAITING_MESSAGES:
            await client._reading
        client._reading = None

    def maybe_resume(self, client):
        if client._reading is not None and client._received - client._handled <= MAX_WAITING_MESSAGES // 2:
            _resolve(client._reading)

    # -- async def handlers --------------------------------------------------------------
    def start_async(self, item):
        task = self.loop.create_task(self.run_async(item))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def run_async(self, item):
        """Drive an async handler, holding the baton whenever its code runs.

        Each step of the coroutine runs while this task holds the baton; what
        it awaits is passed on to the loop with the baton put down meanwhile.
        """
        client, handler, params, reply_id = item
        baton = self.game.baton
        await baton.take_on_loop()
        holding = True
        coro = handler.func(client, **params)
        try:
            value = error = None
            while True:
                try:
                    yielded = coro.send(value) if error is None else coro.throw(error)
                except StopIteration as done:
                    if reply_id is not None:
                        self.reply(client, reply_id, done.value)
                    return
                except Exception as exc:
                    self.handler_failed(client, handler, exc, reply_id)
                    return
                holding = False
                baton.give()
                try:
                    value, error = await _Pass(yielded), None
                except BaseException as exc:
                    value, error = None, exc
                await baton.take_on_loop()
                holding = True
        finally:
            coro.close()
            if holding:
                self.game.finished(client, reply_id)
                baton.give()

    # -- running -------------------------------------------------------------------------
    async def serve(self, on_ready=None):
        """Serve until stop() (or Ctrl+C), then close every connection cleanly."""
        global _server, _game
        from websockets.asyncio.server import serve
        self.loop = asyncio.get_running_loop()
        self.stop_requested = asyncio.Event()
        self.tasks = set()
        self.game = Game(self)
        self.game.start()
        _server, _game = self, self.game
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self.loop.add_signal_handler(sig, self.stop_requested.set)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # Windows, or not the main thread: Ctrl+C cancels us instead
        ws_server = await self.listen(serve)
        self.ready.set()
        if on_ready:
            on_ready(self)
        if self.path:
            watching = self.loop.create_task(self.watch())
        try:
            await self.stop_requested.wait()
        except asyncio.CancelledError:
            if sys.version_info >= (3, 11):  # 3.10 counts no cancellations, so has none to undo
                asyncio.current_task().uncancel()
        self.say(say.stopping())
        if self.path:
            watching.cancel()
        ws_server.close()
        await ws_server.wait_closed()
        for client in list(self.parked.values()):
            self.leave(client)
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:  # let cancelled async handlers finish, so their clients' turns come
            await asyncio.wait(list(self.tasks), timeout=5)
        self.game.stop()
        finished = await self.loop.run_in_executor(None, self.game.stopped.wait, 5)
        if not finished:
            self.say(say.handler_stuck())
        _server = _game = None
        self.say(say.stopped())

    async def listen(self, serve):
        import logging
        logger = logging.getLogger("wszero.websockets")
        logger.setLevel(logging.CRITICAL)
        logger.propagate = False
        first = self.port or _free_port()
        for port in range(first, first + 21):
            try:
                ws_server = await serve(self.connection, self.host, port, process_request=self.http,
                                        max_size=MAX_MESSAGE_BYTES, logger=logger, server_header=None,
                                        # Game messages are small: compressing them tripled the
                                        # memory of each connection and the work of each message.
                                        compression=None)
            except OSError:
                continue
            self.port = port
            if self.port != first:
                self.say(say.port_taken(first, self.port))
            return ws_server
        raise WszeroError(say.no_free_port(first))

    def playground(self):
        return playground_page(self.registry.handlers, self.program)

    # -- live reload ------------------------------------------------------------------
    async def watch(self):
        """Every half second, look for saved files; run a changed program again."""
        watcher = Watcher(self.folder)
        while True:
            await asyncio.sleep(0.5)
            changed = await self.loop.run_in_executor(None, watcher.changes)
            # A file the program writes (scores.json, say) must not reload everyone's page.
            changed = [p for p in changed if p.endswith(".py") or self.url_of(p) in self.served]
            if not changed:
                continue
            names = ", ".join(sorted(os.path.relpath(p, self.folder) for p in changed))
            if any(p.endswith(".py") for p in changed):
                if not await self.loop.run_in_executor(None, self.run_again):
                    continue
                self.say(say.reloaded_program(names))
            else:
                self.say(say.reloaded_files(names))
            if self.clients:
                self.post(tuple(self.clients), _RELOAD)

    def url_of(self, path):
        return "/" + os.path.relpath(path, self.folder).replace(os.sep, "/")

    def run_again(self):
        """Run the changed program and use its handlers; on a mistake keep the old ones."""
        baton = self.game.baton
        baton.take()  # the program's top-level code takes its turn like a handler
        try:
            registry = load_program(self.path)
        except BaseException as exc:
            problem = str(exc) if isinstance(exc, WszeroError) else short_traceback(exc)[0]
            print(say.reload_failed(os.path.basename(self.path)) + "\n" + problem.rstrip(), file=sys.stderr, flush=True)
            return False
        finally:
            baton.give()
        registry.ready()
        self.registry = registry
        return True

    def stop(self):
        """Ask the server to stop.  Any thread."""
        if self.loop is not None and self.stop_requested is not None:
            self.loop.call_soon_threadsafe(self.stop_requested.set)

    # -- HTTP ----------------------------------------------------------------------------
    def http(self, connection, request):
        """Answer plain HTTP requests; let websocket handshakes on /ws through."""
        try:
            path = request.path.partition("?")[0]
            upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
            if path == SOCKET_PATH:
                return None if upgrade else _response(426, "Upgrade Required", say.socket_address())
            method = getattr(request, "method", "GET")
            if method not in ("GET", "HEAD"):
                return _response(405, "Method Not Allowed", say.method_not_allowed(method))
            status, reason, ctype, body = serve_file(self.folder, path, self.playground)
            if status == 200 and self.path:
                self.served.add(path + "index.html" if path.endswith("/") else path)
            anyone = path in ("/wszero.js", "/wszero.mjs")  # pages served elsewhere may load the stub
            return _response(status, reason, body, ctype, head=method == "HEAD", anyone=anyone,
                             location=path + "/" if status == 301 else None)
        except Exception:
            traceback.print_exc()
            return _response(500, "Internal Server Error", "Something went wrong inside wszero.")


_RELOAD = b'{"op":"wszero:reload"}'
_LEAVING = object()


def _free_port():
    """A port nobody uses right now, for --port 0 (the same one on IPv4 and IPv6)."""
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]  # the reply_id of a disconnect: afterwards the client leaves its groups
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


def _nothing(client, **params):
    pass


class _NoHandler(Handler):
    """Stands in for a missing connect or disconnect handler."""

    def __init__(self):
        self.op, self.func, self.is_async, self.client_param = "", _nothing, False, "client"


_NOTHING = _NoHandler()


class Watcher:
    """Notices files in a folder being saved, by their modification times."""

    LIMIT = 2000  # files; a bigger folder is not a child's project folder

    def __init__(self, folder):
        self.folder = folder
        self.seen = self.scan()

    def scan(self):
        times = {}
        for top, dirs, files in os.walk(self.folder):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            for name in files:
                if name.startswith(".") or name.endswith((".pyc", "~", ".swp")):
                    continue
                path = os.path.join(top, name)
                try:
                    times[path] = os.stat(path).st_mtime_ns
                except OSError:
                    pass
                if len(times) >= self.LIMIT:
                    return times
        return times

    def changes(self):
        """The files saved, added or deleted since last time."""
        now = self.scan()
        changed = [p for p in now.keys() | self.seen.keys() if now.get(p) != self.seen.get(p)]
        self.seen = now
        return changed


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
        return answer
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
        if op in SPECIAL_OPS:
            continue
        boxes = "".join(
            f'<label>{e(name)} <input name="{e(name)}" autocomplete="off"'
            f'{"" if name in handler.required else " placeholder=optional"}></label> '
            for name in handler.fillable)
        # wszero.js sends these forms (data-op); data-guess sends "3" as 3, and leaves empty boxes
        # out so that a handler's defaults apply; data-keep keeps what was typed, to send again.
        forms.append(f'<form data-op="{e(op)}" data-guess data-keep><b>{e(op)}</b> {boxes}<button>Send</button></form>')
    if not forms:
        forms.append(f"<p>{e(say.playground_empty(program))}</p>")
    return (PLAYGROUND_HTML.replace("$TITLE", e(say.playground_title(program)))
            .replace("$HELP", e(say.playground_help(program)))
            .replace("$FORMS", "\n".join(forms)))


PLAYGROUND_HTML = """<!doctype html>
<meta charset="utf-8">
<title>$TITLE</title>
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


def serve_with_window(server, ready, title):
    """Serve in a thread, show the page in a window, and stop when it closes."""
    import webview
    failure = []

    def serve():
        try:
            asyncio.run(server.serve(on_ready=ready))
        except BaseException as exc:
            failure.append(exc)
            server.ready.set()

    thread = threading.Thread(target=serve, name="wszero-server")
    thread.start()
    server.ready.wait()
    if failure:
        raise failure[0]
    window = webview.create_window(title, f"http://localhost:{server.port}/", width=960, height=720,
                                   text_select=True)
    for sig in (signal.SIGINT, signal.SIGTERM):  # Ctrl+C closes the window, as its close button does
        try:
            signal.signal(sig, lambda *_: window.destroy())
        except ValueError:
            pass  # not the main thread: whoever called run_server keeps its signals
    try:
        try:
            webview.start()
        except Exception as exc:  # no GUI toolkit after all: carry on in the browser
            print(say.window_failed(exc), file=sys.stderr)
            webbrowser.open(f"http://localhost:{server.port}/")
            while thread.is_alive():
                thread.join(0.5)
    except KeyboardInterrupt:
        pass  # Ctrl+C in the terminal stops the program as closing the window does
    server.stop()
    thread.join()
    _leave_pywebview_behind()


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
 * badge: false}. Without url it connects to the server it was loaded from.
 *
 * It reconnects by itself when the connection drops (waiting longer after each
 * try), keeps what the page sends meanwhile and sends it afterwards, and shows
 * a small "reconnecting..." badge. After a short drop the server still knows
 * the page as the same client. It runs eval_js scripts, and shows the server's
 * errors in the console; errors in the page show in the server's terminal.
 *
 * Pages without JavaScript (also for elements added later):
 *   <form data-op="chat"><input name="text"></form> sends {op: "chat", text: "..."}
 *     on submit, without a reload. Text boxes send text, number boxes numbers (not
 *     sent if empty), checkboxes true or false; the rest is read like data- values.
 *     Then text boxes are emptied and the first focused, unless the box or form has
 *     data-keep. data-guess (box or form) reads typed text like data- values and
 *     leaves empty boxes out, as the playground does.
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
      else console.error("wszero: " + msg.error);
    } else if (op === "wszero:reload") {
      location.reload();
    } else if (typeof handlers()[op] === "function") {
      tell(op, msg);
      handlers()[op](msg);
    } else if (!tell(op, msg) && !shown && !warned[op]) {
      warned[op] = true;
      console.warn("wszero: the server sent \"" + op + "\", but HANDLERS has no function for it. " +
                   "Add one: HANDLERS[\"" + op + "\"] = function (msg) { ... }");
    }
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

  window.addEventListener("error", function (event) {
    send_message({op: "wszero:page-error", message: String(event.message), where: where(event.filename, event.lineno)});
  });
  window.addEventListener("unhandledrejection", function (event) {
    var reason = event.reason || {};
    var at = /(https?:\/\/[^\s)]+):(\d+):\d+/.exec(reason.stack || "") || [];
    send_message({op: "wszero:page-error", message: "a Promise failed: " + (reason.message || reason),
                  where: where(at[1], at[2])});
  });

  // ---- Pages without JavaScript: data-op and data-on (rules at the top) ----
  // Elements are looked up when used, so ones that React, Vue or a script add later work.

  var TYPED = /^(text|search|email|url|tel|password)$/;  // input types a person types text into
  var COPY = "data-wszero-copy";  // on what data-on shows; the other children are templates
  var early = document.readyState === "loading" ? [] : null;  // messages from before the page was read
  var warnedOnce = {};
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var hide = document.createElement("style");
  hide.textContent = "[data-on]>:not([" + COPY + "]){display:none!important}";
  (document.head || document.documentElement).appendChild(hide);

  function warnOnce(key, text) {
    if (!warnedOnce[key]) console.warn("wszero: " + text);
    warnedOnce[key] = true;
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
      var guessing = marked(field, "data-guess");
      if (type === "checkbox") msg[name] = field.checked;
      else if (value === "" && (number || guessing)) return;  // left out, so a handler's default applies
      else if (number) msg[name] = Number(value);
      else msg[name] = typedIn(field) && !guessing ? value : guess(value);
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
    if (first) first.focus();
  }

  function clickMessage(element) {
    var msg = {op: element.getAttribute("data-op")};
    each(element.attributes, function (attribute) {
      if (/^data-(?!op$|wszero)/.test(attribute.name)) {
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

  // Shows msg in each element whose data-on names its op. True if there is one.
  function showMessage(msg) {
    if (early) {
      early.push(msg);  // shown once the page has been read
      return true;
    }
    var places = document.querySelectorAll('[data-on~="' + CSS.escape(String(msg.op)) + '"]');
    each(places, function (place) {
      var templates = Array.prototype.filter.call(place.children, function (child) {
        return !child.hasAttribute(COPY);
      });
      var template = templates[place.getAttribute("data-on").trim().split(/\s+/).indexOf(msg.op)] || templates[0];
      if (!template) {
        return warnOnce(msg.op, "data-on=\"" + msg.op + "\" needs an element inside to copy, like <li>{text}</li>.");
      }
      var copy = template.cloneNode(true);
      var replace = place.getAttribute("data-show") === "replace";
      copy.setAttribute(COPY, "");
      fill(copy, msg);
      if (replace) each(place.querySelectorAll(":scope>[" + COPY + "]"), function (old) { old.remove(); });
      place.appendChild(copy);
      if (!replace) scrollToCopy(place, copy);
    });
    return places.length > 0;
  }

  if (early) {
    document.addEventListener("DOMContentLoaded", function () {
      var waited = early;
      early = null;
      waited.forEach(showMessage);
    });
  }

  // A message never becomes code: on... attributes and srcdoc aren't filled,
  // and a link that would run JavaScript is left empty.
  function fill(node, msg) {
    if (node.nodeType === Node.TEXT_NODE) node.nodeValue = fillText(node.nodeValue, msg);
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    each(node.attributes, function (attribute) {
      if (/^on|^srcdoc$/i.test(attribute.name) || attribute.value.indexOf("{") < 0) return;
      var value = fillText(attribute.value, msg);
      attribute.value = /^javascript:/i.test(value.replace(/[\0- ]/g, "")) ? "" : value;
    });
    each(node.childNodes, function (child) { fill(child, msg); });
  }

  function fillText(text, msg) {
    return text.replace(/\{(\w+)\}/g, function (placeholder, field) {
      var value = msg[field];
      if (!Object.prototype.hasOwnProperty.call(msg, field)) {
        warnOnce(msg.op + " " + field, "a \"" + msg.op + "\" message came without " + field + ", so {" +
                 field + "} shows as empty. Add " + field + "=... where Python sends \"" + msg.op + "\".");
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
  connect();
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

_runner_settings = None  # set while the runner runs a program, whose run_server() then only records


def _parse_options(argv):
    """--port N, --open, --window and --no-reload from the command line, as keywords."""
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


def run_server(port=DEFAULT_PORT, *, open=False, window=False, host=None, grace=RESUME_SECONDS):
    """Serve the pages next to the program and its handlers, until Ctrl+C.

    ``python app.py --port 9000 --open`` works as well as the keywords.
    ``grace`` is how many seconds a page whose connection dropped has to
    come back as the same client before its disconnect handler runs.
    """
    if _runner_settings is not None:
        _runner_settings.update(port=port, open=open, window=window, host=host, grace=grace)
        return
    try:
        options, _ = _parse_options(sys.argv[1:])
    except WszeroError as problem:
        _exit_with(problem)
    settings = dict(port=port, open=open, window=window, host=host, grace=grace)
    settings.update(options)
    settings.pop("reload", None)  # live reload needs the runner, which can run the program again
    folder, program = _main_folder()
    _serve(folder, program, **settings)


def _serve(folder, program, registry=None, path=None, port=DEFAULT_PORT, open=False, window=False,
           host=None, reload=False, quiet=False, grace=RESUME_SECONDS):
    try:
        _import_websockets()
    except WszeroError as problem:
        _exit_with(problem)
    registry = registry or _registry
    registry.ready()
    server = Server(folder, registry, port=port, host=host, program=program or "your program", quiet=quiet,
                    path=path if reload else None, grace=grace)
    if window:
        problem = window_problem()
        if problem:
            print(problem, file=sys.stderr)
            window, open = False, True

    def ready(server):
        local = f"http://localhost:{server.port}"
        network = [f"http://{a}:{server.port}" for a in network_addresses()]
        server.say(say.running(server.program, local, network, sys.platform == "win32", window))
        if network and not server.quiet and terminal_can_show_qr(sys.stdout):
            print("\n".join(qr_lines(network[0], colours=not _in_idle(sys.stdout))) + "\n", flush=True)
        if open:
            webbrowser.open(local)

    try:
        if window:
            serve_with_window(server, ready, window_title(program, folder))
        else:
            asyncio.run(server.serve(on_ready=ready))
    except WszeroError as problem:
        _exit_with(problem)
    except KeyboardInterrupt:
        server.say(say.stopped())
    return server


def _exit_with(problem):
    print(problem, file=sys.stderr)
    raise SystemExit(1)


def _excepthook(kind, value, tb, _previous=sys.excepthook):
    """Mistakes found at start-up are shown as a sentence, not a traceback."""
    if isinstance(value, WszeroError):
        print(value, file=sys.stderr)
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

    The program's own run_server() call only records its settings, in
    ``registry.settings``.  Its mistakes are raised as they are.
    """
    global _registry, _runner_settings
    import runpy
    registry = Registry()
    registry.settings = {}
    saved = _registry, _runner_settings
    _registry, _runner_settings = registry, registry.settings
    zipped = None if os.path.isfile(path) else in_zip(path)
    try:
        if zipped is None:
            runpy.run_path(path, run_name="__main__")
        else:
            _run_from_zip(path, zipped.read_bytes())
    finally:
        _registry, _runner_settings = saved
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
            print(say.usage(f"python {os.path.basename(sys.argv[0])}") if bundle else say.usage())
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
        print(short_traceback(exc)[0], file=sys.stderr, end="")
        raise SystemExit(1)
    # Nobody can save a program inside a bundle, so there is nothing to watch for live reload.
    settings = {"reload": in_zip(path) is None, **registry.settings, **options}
    _serve(os.path.dirname(path), os.path.basename(path), registry=registry, path=path, **settings)


if __name__ == "__main__":
    main()
