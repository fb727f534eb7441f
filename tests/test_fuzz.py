"""Nothing a page sends can break wszero: fuzzing, from message text to raw frames.

Two levels:

* hypothesis feeds read_message() any text, any JSON, deep nesting, huge
  numbers and near-valid messages: only MessageError ever comes out, its
  sentence holds no control character, and a valid message finds its handler
  with values that fit the handler's signature;
* a battery of hand-written websocket frames (bad UTF-8, deep nesting, huge
  numbers, fragments, control frames with bad lengths, oversize frames,
  binary, reserved bits and opcodes, unmasked frames...) goes to a real
  server over raw TCP on 127.0.0.1.  Every frame is answered (a
  wszero:error, an echo or a pong), or its connection is closed with the
  documented code for what was wrong; the server's terminal shows no
  traceback, and a normal client is answered at the end.

Quick by default, a few seconds each.  WSZERO_SOAK=long runs far more.
"""

import base64
import collections
import inspect
import json
import os
import random
import socket
import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wszero
from conftest import DEADLINE

LONG = os.environ.get("WSZERO_SOAK") == "long"

# =============================================================================
# read_message, with hypothesis
# =============================================================================


def welcome(client):
    pass


def chat(client, text, colour="blue"):
    pass


def move(client, x, y):
    pass


def ping(client):
    pass


def anything(client, **values):
    pass


def sized(client, *, size=1):
    pass


HANDLERS = wszero.Registry()
for _op, _func in [("connect", welcome), ("chat", chat), ("move", move), ("ping", ping),
                   ("anything", anything), ("sized", sized)]:
    HANDLERS.add(_op, _func)
HANDLERS = HANDLERS.handlers
OPS = [op for op in HANDLERS if op != "connect"]

fuzzing = settings(max_examples=20_000 if LONG else 300, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

any_char = st.characters(blacklist_categories=())  # surrogates and control characters included
scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(any_char, max_size=20)
           | st.integers(min_value=10 ** 4290, max_value=10 ** 4310))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(any_char, max_size=8), inner, max_size=4), max_leaves=20)
keys = st.sampled_from(["op", "text", "colour", "x", "y", "size", "client", "wszero:id", "message", "where"]) \
    | st.text(any_char, max_size=8)
ops = st.sampled_from(OPS + ["connect", "disconnect", "wszero:page-error", "wszero:hello", "chta", ""]) \
    | st.text(any_char, max_size=10) | json_values
messages = st.builds(lambda values, op: {**values, "op": op}, st.dictionaries(keys, json_values, max_size=5), ops)


def message_text(draw_value):
    """JSON text for a value, written in one of the ways a page could write it."""
    value, ensure_ascii, indent = draw_value
    try:
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
    except ValueError:  # an int json.dumps itself refuses to write
        return "[" + "9" * 5000 + "]"


json_texts = st.tuples(messages | json_values, st.booleans(), st.sampled_from([None, 0, 2])).map(message_text)
deep_texts = st.builds(lambda depth, opener, closed: opener * depth + ("1" + "]" * depth if closed else ""),
                       st.integers(0, 5_000), st.sampled_from(["[", '{"a":', '[{"b":', '{"op":"chat","text":[']),
                       st.booleans())
huge_numbers = st.builds(lambda digits, sign, tail: '{"op": "move", "x": ' + sign + "7" * digits + tail + ', "y": 1}',
                         st.integers(4_000, 6_000), st.sampled_from(["", "-"]), st.sampled_from(["", ".5", "e5"]))


@st.composite
def mutated(draw):
    """A valid-looking message with a few characters put in, taken out or changed."""
    text = list(draw(json_texts))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(text)))
        change = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(list('[]{}",:\\') + ["\\u", "\\ud800", "NaN", "1e999", "\x00"])
                     | st.text(any_char, max_size=3))
        if change == "insert" or not text:
            text[where:where] = piece
        elif change == "delete":
            del text[min(where, len(text) - 1)]
        else:
            text[min(where, len(text) - 1)] = piece
    return "".join(text)


any_texts = st.text(any_char) | json_texts | deep_texts | huge_numbers | mutated()


def control_characters(text):
    return [hex(ord(c)) for c in text if ord(c) < 32 or 0x7f <= ord(c) < 0xa0]


@fuzzing
@given(any_texts)
def test_reading_any_text_gives_a_handler_or_a_message_error_and_nothing_else(text):
    try:
        handler, params, reply_id = wszero.read_message(text, HANDLERS)
    except wszero.MessageError as problem:
        assert str(problem)
        assert control_characters(str(problem)) == []
        assert problem.about is None or isinstance(problem.about, str)
        return
    # What was read fits the handler: calling it can't fail for a missing or unexpected value.
    assert isinstance(params, dict)
    inspect.signature(handler.func).bind(None, **params)
    json.dumps(reply_id)  # a reply id goes back to the page as it came


valid_values = {
    "chat": st.fixed_dictionaries({"text": json_values}, optional={"colour": json_values}),
    "move": st.fixed_dictionaries({"x": json_values, "y": json_values}),
    "ping": st.just({}),
    "anything": st.dictionaries(st.text(any_char, max_size=8).filter(lambda k: k not in ("op", "wszero:id", "client")),
                                json_values, max_size=5),
    "sized": st.fixed_dictionaries({}, optional={"size": json_values}),
}
valid_messages = st.sampled_from(sorted(valid_values)).flatmap(
    lambda op: st.tuples(st.just(op), valid_values[op], st.none() | st.integers() | st.text(max_size=5)))


@fuzzing
@given(valid_messages)
def test_every_valid_message_finds_its_handler_with_its_values(message):
    op, values, reply_id = message
    sent = {"op": op, **values}
    if reply_id is not None:
        sent["wszero:id"] = reply_id
    try:
        text = json.dumps(sent)
    except ValueError:
        return  # an int past 4,300 digits: json can't write it either
    if wszero.too_deep(text):
        return  # refused on purpose: tested above and in test_logic
    try:
        handler, params, got_id = wszero.read_message(text, HANDLERS)
    except wszero.MessageError as problem:
        raise AssertionError(f"{text[:200]} was refused: {problem}")
    assert handler is HANDLERS[op]
    assert json.dumps(params, sort_keys=True) == json.dumps(values, sort_keys=True)
    assert got_id == reply_id


# =============================================================================
# Raw frames to a real server
# =============================================================================

PROGRAM = """\
from wszero import *

@on('echo')
def echo(client, text):
    client.send('echo', text=text)

@on('move')
def move(client, x, y):
    pass

run_server()
"""

TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def frame(opcode, payload=b"", fin=True, rsv=0, masked=True, length=None):
    """One websocket frame from a client, written by hand; `length` may lie about the payload."""
    if isinstance(payload, str):
        payload = payload.encode()
    size = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    mask_bit = 0x80 if masked else 0
    if size < 126:
        head += bytes([mask_bit | size])
    elif size < 65536:
        head += bytes([mask_bit | 126]) + struct.pack("!H", size)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", size)
    if not masked:
        return head + payload
    key = os.urandom(4)
    keys = (key * (len(payload) // 4 + 1))[: len(payload)]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(keys, "big")).to_bytes(len(payload), "big")
    return head + key + masked


class RawClient:
    """A websocket client made of a bare socket: it sends whatever bytes it is given."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101 "), head
        opcode, hello = self.read_frame()
        assert opcode == TEXT and json.loads(hello)["op"] == "wszero:hello"

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection")
        self.buffer += chunk

    def _take(self, n):
        while len(self.buffer) < n:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_frame(self):
        """(opcode, payload) of the server's next frame."""
        first, second = self._take(2)
        assert second & 0x80 == 0, "a server's frames are never masked"
        size = second & 0x7F
        if size == 126:
            size = struct.unpack("!H", self._take(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", self._take(8))[0]
        return first & 0x0F, self._take(size)

    def send(self, data):
        self.sock.sendall(data)

    def close_code(self):
        """Read until the server's close frame, and return its code."""
        for _ in range(100_000):
            opcode, payload = self.read_frame()
            if opcode == CLOSE:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        raise AssertionError("no close frame")

    def close(self):
        self.sock.close()


class Battery:
    """Frames sent and what came of each, counted by kind."""

    def __init__(self, program, rng):
        self.program = program
        self.rng = rng
        self.handlers = wszero.load_program(program.path).handlers  # the same handlers the server has
        self.sent = collections.Counter()
        self.closed = collections.Counter()

    # -- frames that are answered, many on one connection -----------------------
    def expected_reply(self, text):
        """What the server answers to one text message, worked out from wszero's own logic."""
        try:
            handler, params, reply_id = wszero.read_message(text, self.handlers)
        except wszero.MessageError as problem:
            return json.loads(wszero.error_message(str(problem), problem.about, problem.reply_id))
        assert handler.op == "echo" and reply_id is None, text
        return {"op": "echo", "text": params["text"]}

    def answerable(self):
        """One message's frames (text, binary, fragments or a ping), and the reply each brings."""
        rng = self.rng
        kind = rng.choice(["junk", "json", "deep", "number", "binary", "fragments", "ping", "echo", "ping inside"])
        if kind == "binary":
            data = rng.randbytes(rng.randint(0, 300))
            return kind, [frame(BINARY, data)], [{"op": "wszero:error", "error": wszero.say.binary()}], []
        if kind == "ping":
            data = rng.randbytes(rng.randint(0, 125))
            return kind, [frame(PING, data)], [], [data]
        text = self.text_for(kind)
        reply = self.expected_reply(text)
        data = text.encode()
        if kind in ("fragments", "ping inside"):
            cuts = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, rng.randint(1, 4))))
            parts = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
            frames = [frame(TEXT if i == 0 else CONTINUATION, part, fin=i == len(parts) - 1)
                      for i, part in enumerate(parts)]
            pongs = []
            if kind == "ping inside" and len(frames) > 1:  # control frames may come between fragments
                ping_data = rng.randbytes(rng.randint(0, 125))
                frames.insert(1, frame(PING, ping_data))
                pongs = [ping_data]
            return kind, frames, [reply], pongs
        return kind, [frame(TEXT, data)], [reply], []

    def text_for(self, kind):
        rng = self.rng
        if kind == "deep":
            opener = rng.choice(["[", '{"a":', '{"op":"echo","text":['])
            depth = rng.choice([65, 100, 1000, 10_000, 100_000] if rng.random() < 0.05 else [65, 66, 100, 1000])
            depth = min(depth, wszero.MAX_MESSAGE_BYTES // len(opener))
            return opener * depth
        if kind == "number":
            return '{"op": "move", "x": ' + "9" * rng.randint(4301, 20_000) + ', "y": 1}'
        if kind == "echo":
            return json.dumps({"op": "echo", "text": "".join(chr(rng.randint(32, 0x2FFF)) for _ in range(20))})
        if kind == "junk":
            text = "".join(chr(rng.choice([rng.randint(0, 127), rng.randint(0, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))
                           for _ in range(rng.randint(0, 60)))
            return text
        pieces = ['{"op":', '"echo"', '"move"', '"wszero:hello"', '"connect"', '"text":', '"x":', '"y":', "1", "[",
                  "]", "{", "}", ",", "null", '"\\u001b[2J"', "NaN", "1e999", '"wszero:id":', "7", '"op"', ":"]
        return "".join(rng.choice(pieces) for _ in range(rng.randint(1, 16)))

    def volley(self, count, batch=50):
        """Send `count` answerable messages on one connection, a batch at a time, and check every answer."""
        client = RawClient(self.program.port)
        try:
            left = count
            while left > 0:
                frames, replies, pongs = [], [], []
                while left > 0 and len(replies) + len(pongs) < batch:
                    kind, some, more_replies, more_pongs = self.answerable()
                    frames += some
                    replies += more_replies
                    pongs += more_pongs
                    self.sent[kind] += len(some)
                    left -= len(some)
                client.send(b"".join(frames))
                got_replies, got_pongs = [], []
                deadline = time.monotonic() + DEADLINE
                while len(got_replies) < len(replies) or len(got_pongs) < len(pongs):
                    assert time.monotonic() < deadline, "some frames were never answered"
                    opcode, payload = client.read_frame()
                    if opcode == PONG:
                        got_pongs.append(payload)
                    else:
                        assert opcode == TEXT, (opcode, payload[:200])
                        got_replies.append(json.loads(payload))
                # Errors go out from the loop at once, handlers' replies after their turn: each in order.
                for op in ("wszero:error", "echo"):
                    assert [r for r in got_replies if r["op"] == op] == [r for r in replies if r["op"] == op]
                assert len(got_replies) == len(replies)
                assert sorted(got_pongs) == sorted(pongs)
        finally:
            client.close()

    # -- frames that end their connection, one per connection ------------------------
    def closing(self):
        """One kind of frame that must end its connection, and the close code it must get."""
        rng = self.rng
        bad_utf8 = rng.choice([b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82",
                               rng.randbytes(8) + b"\xfe"])
        cases = {
            "bad UTF-8": ([frame(TEXT, b'{"op": "echo", "text": "' + bad_utf8 + b'"}')], 1007),
            "bad UTF-8 across fragments": ([frame(TEXT, b'{"op": "echo", "text": "\xe2', fin=False),
                                            frame(CONTINUATION, b'\x28"}')], 1007),
            "continuation with nothing to continue": ([frame(CONTINUATION, b"hello")], 1002),
            "new text inside a fragmented message": ([frame(TEXT, b"[", fin=False), frame(TEXT, b"]")], 1002),
            "ping longer than 125": ([frame(PING, rng.randbytes(rng.randint(126, 300)))], 1002),
            "fragmented ping": ([frame(PING, b"hi", fin=False)], 1002),
            "close with one byte": ([frame(CLOSE, b"\x03")], 1002),
            "close with a code nobody may send": ([frame(CLOSE, struct.pack("!H", rng.choice(
                [0, 999, 1004, 1005, 1006, 1015, 2000, 2999, 5000, 65535])))], 1002),
            "close with a reason in bad UTF-8": ([frame(CLOSE, struct.pack("!H", 1000) + b"\xff\xfe")], 1007),
            "reserved bits": ([frame(TEXT, b'{"op": "echo"}', rsv=rng.randint(1, 7))], 1002),
            "reserved opcode": ([frame(rng.choice([3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF]), b"x")], 1002),
            "unmasked": ([frame(TEXT, b'{"op": "echo", "text": "hi"}', masked=False)], 1002),
            "oversize, in the header": ([frame(TEXT, b"", length=rng.choice(
                [wszero.MAX_MESSAGE_BYTES + 1, 2 ** 32, 2 ** 63 - 1, 2 ** 64 - 1]))], 1009),
            "a normal close": ([frame(CLOSE, struct.pack("!H", 1000))], 1000),
        }
        kind = rng.choice(sorted(cases))
        frames, code = cases[kind]
        return kind, frames, code

    def knockout(self, kind, frames, code):
        client = RawClient(self.program.port)
        try:
            client.send(b"".join(frames))
            got = client.close_code()
        finally:
            client.close()
        assert got == code, f"{kind}: closed with {got}, not {code}"
        self.sent[kind] += len(frames)
        self.closed[code] += 1


def test_ten_thousand_malformed_frames_are_each_answered_or_closed_with_their_code(run):
    program = run(PROGRAM, args=["--no-reload"])
    seed = int(time.time()) if LONG else 11
    battery = Battery(program, random.Random(seed))
    connections, per_connection, closings = (200, 1000, 3000) if LONG else (20, 500, 300)
    for _ in range(connections):
        battery.volley(per_connection)
    for _ in range(closings):
        battery.knockout(*battery.closing())
    # a fragmented message that grows past the limit, a few times (each sends over 1 MiB)
    for _ in range(3):
        half = wszero.MAX_MESSAGE_BYTES // 2 + 1
        battery.knockout("oversize, in fragments", [frame(TEXT, b"x" * half, fin=False),
                                                    frame(CONTINUATION, b"x" * half)], 1009)

    total = sum(battery.sent.values())
    assert total >= 10_000, (seed, battery.sent)
    assert set(battery.closed) <= {1000, 1002, 1007, 1009}, (seed, battery.closed)
    with program.client() as client:
        client.send("echo", text="still here")
        assert client.recv_op("echo") == {"op": "echo", "text": "still here"}
    assert program.stop() == 0
    assert "Traceback" not in program.stderr, seed
