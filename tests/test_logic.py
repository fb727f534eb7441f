"""wszero's pure logic, tested directly: no sockets, no processes, no threads.

Registering handlers, reading a browser's message, encoding a reply, choosing
which file a URL may see and cutting a traceback down to the child's own
lines are plain functions.  Their words are part of the product, so every
sentence is written out in full here: changing one is a deliberate act.

Handlers are written into a small program file (chat.py) in a temporary
folder, so the messages name "chat.py, line N" exactly as a child would see.
"""

import inspect
import json
import os
import sys
import textwrap
import types

import pytest

import wszero


def program(tmp_path, source, name="chat.py"):
    """Write `source` as the child's program and run it; return its names.

    Line 1 of `source` (after dedenting) is line 1 of the file.
    """
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    names = {"__name__": name[:-3], "__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), names)
    return names


def register(tmp_path, op, source):
    """A fresh Registry holding the first function of `source` as the handler for `op`."""
    names = program(tmp_path, source)
    func = next(v for v in names.values() if isinstance(v, types.FunctionType))
    registry = wszero.Registry()
    registry.add(op, func)
    return registry


def refusal(tmp_path, op, source):
    """The sentence Registry.add says about the handler in `source`."""
    with pytest.raises(wszero.WszeroError) as problem:
        register(tmp_path, op, source)
    return str(problem.value)


@pytest.fixture
def handlers(tmp_path):
    """The handlers of a small chat program, by op, as the server holds them."""
    names = program(tmp_path, """\
        def welcome(client):
            pass

        def chat(client, text, color="blue"):
            pass

        def announce(client, text):
            pass

        def move(client, x, y):
            pass

        def ping(client):
            pass

        def anything(client, **values):
            pass
        """)
    registry = wszero.Registry()
    for op in ("connect", "chat", "announce", "move", "ping"):
        registry.add(op, names["welcome" if op == "connect" else op])
    registry.add("anything", names["anything"])
    return registry.handlers


def mistake(text, handlers):
    """The explanation read_message gives for a message it can't handle."""
    with pytest.raises(wszero.MessageError) as problem:
        wszero.read_message(text, handlers)
    return str(problem.value)


# =============================================================================
# Registering handlers: signature checks at start-up
# =============================================================================


def test_handler_fills_parameters_by_name_after_the_client(tmp_path):
    registry = register(tmp_path, "chat", """\
        def chat(client, text, color="blue", *, size=1):
            pass
        """)
    handler = registry.handlers["chat"]
    assert handler.required == {"text"}
    assert handler.accepted == {"text", "color", "size"}
    assert handler.title == "chat(client, text, color='blue', *, size=1)"


def test_client_may_be_positional_only(tmp_path):
    registry = register(tmp_path, "chat", """\
        def chat(client, /, text):
            pass
        """)
    assert registry.handlers["chat"].required == {"text"}


def test_handler_without_a_client_parameter_is_refused(tmp_path):
    assert refusal(tmp_path, "chat", """\
        def chat():
            pass
        """) == ("The handler chat() for 'chat' (chat.py, line 1) needs a first parameter "
                 "for the client, like: def chat(client):")


def test_handler_whose_client_is_keyword_only_is_refused(tmp_path):
    assert refusal(tmp_path, "chat", """\
        def chat(*, client):
            pass
        """) == ("The handler chat() for 'chat' (chat.py, line 1) needs a first parameter "
                 "for the client, like: def chat(client):")


def test_handler_with_star_args_is_refused(tmp_path):
    assert refusal(tmp_path, "chat", """\
        def chat(client, *words):
            pass
        """) == ("The handler chat(client, *words) for 'chat' (chat.py, line 1) has *args, but "
                 "messages fill parameters by name. Give each value its own name, "
                 "like def chat(client, text):")


def test_handler_with_positional_only_values_is_refused(tmp_path):
    assert refusal(tmp_path, "chat", """\
        def chat(client, text, /):
            pass
        """) == ("The handler chat(client, text, /) for 'chat' (chat.py, line 1) uses '/', "
                 "but messages fill parameters by name. Take the '/' out.")


def test_handler_with_star_star_kwargs_is_accepted(tmp_path):
    registry = register(tmp_path, "chat", """\
        def chat(client, **values):
            pass
        """)
    assert registry.handlers["chat"].any_key
    assert registry.handlers["chat"].required == frozenset()


def test_async_handler_is_accepted_and_known_as_async(tmp_path):
    registry = register(tmp_path, "chat", """\
        async def chat(client, text):
            pass
        """)
    assert registry.handlers["chat"].is_async


def test_two_handlers_for_one_op_name_both_places(tmp_path):
    names = program(tmp_path, """\
        def chat(client, text):
            pass

        def chat_again(client, text):
            pass
        """)
    registry = wszero.Registry()
    registry.add("chat", names["chat"])
    with pytest.raises(wszero.WszeroError) as problem:
        registry.add("chat", names["chat_again"])
    assert str(problem.value) == (
        "There are two handlers for 'chat': chat() (chat.py, line 1) and chat_again() "
        "(chat.py, line 4). Delete one, or give it another op name.")


def test_on_without_brackets_is_explained(tmp_path):
    with pytest.raises(wszero.WszeroError) as problem:
        program(tmp_path, """\
            from wszero import on

            @on
            def chat(client, text):
                pass
            """)
    assert str(problem.value) == (
        "@on needs the op name in brackets, like @on('chat'), above chat() (chat.py, line 3).")


def test_op_name_that_is_not_text_is_refused(tmp_path):
    assert refusal(tmp_path, 5, """\
        def chat(client):
            pass
        """) == "@on(5): the op name must be text in quotes, like @on('chat')."


def test_empty_op_name_is_refused(tmp_path):
    assert refusal(tmp_path, "", """\
        def chat(client):
            pass
        """) == "@on(''): the op name must be text in quotes, like @on('chat')."


def test_op_names_starting_with_wszero_colon_are_reserved(tmp_path):
    assert refusal(tmp_path, "wszero:hello", """\
        def hello(client):
            pass
        """) == "@on('wszero:hello'): names that start with 'wszero:' belong to wszero. Pick another name."


def test_on_above_something_that_is_not_a_function_is_explained():
    with pytest.raises(wszero.WszeroError) as problem:
        wszero.Registry().add("chat", "hello")
    assert str(problem.value) == "@on('chat') must sit just above a def, but it was used on hello."


def test_on_above_a_built_in_function_is_explained_not_crashed():
    # on('log')(print) is a natural idea; it must give a sentence, not an AttributeError.
    with pytest.raises(wszero.WszeroError, match="print"):
        wszero.Registry().add("log", print)


def test_connect_handler_with_a_required_value_is_refused(tmp_path):
    assert refusal(tmp_path, "connect", """\
        def welcome(client, name):
            pass
        """) == ("The 'connect' handler welcome(client, name) (chat.py, line 1) only gets the client. "
                 "Write it as: def welcome(client):")


def test_disconnect_handler_with_a_required_value_is_refused(tmp_path):
    assert refusal(tmp_path, "disconnect", """\
        def goodbye(client, reason):
            pass
        """) == ("The 'disconnect' handler goodbye(client, reason) (chat.py, line 1) only gets the client. "
                 "Write it as: def goodbye(client):")


def test_connect_handler_with_only_optional_values_is_accepted(tmp_path):
    registry = register(tmp_path, "connect", """\
        def welcome(client, greeting="hi"):
            pass
        """)
    assert "connect" in registry.handlers


def test_misspelt_connect_gets_a_did_you_mean_warning(tmp_path):
    registry = register(tmp_path, "conect", """\
        def hello(client):
            pass
        """)
    assert registry.warnings == ["Warning: @on('conect') above hello() (chat.py, line 1): did you mean 'connect'?"]


def test_misspelt_disconnect_gets_a_did_you_mean_warning(tmp_path):
    registry = register(tmp_path, "disconect", """\
        def bye(client):
            pass
        """)
    assert registry.warnings == [
        "Warning: @on('disconect') above bye() (chat.py, line 1): did you mean 'disconnect'?"]


def test_ordinary_op_names_get_no_warning(tmp_path):
    registry = register(tmp_path, "chat", """\
        def chat(client, text):
            pass
        """)
    assert registry.warnings == []


# =============================================================================
# Reading a browser's message
# =============================================================================


def test_good_message_finds_its_handler_and_values(handlers):
    handler, params, reply_id = wszero.read_message('{"op": "chat", "text": "hi"}', handlers)
    assert handler is handlers["chat"]
    assert params == {"text": "hi"}
    assert reply_id is None


def test_values_with_defaults_may_be_left_out(handlers):
    handler, params, _ = wszero.read_message('{"op": "chat", "text": "hi"}', handlers)
    assert params == {"text": "hi"}
    handler, params, _ = wszero.read_message('{"op": "chat", "text": "hi", "color": "red"}', handlers)
    assert params == {"text": "hi", "color": "red"}


def test_star_star_kwargs_handler_accepts_any_values(handlers):
    handler, params, _ = wszero.read_message('{"op": "anything", "a": 1, "b": [2, 3]}', handlers)
    assert handler is handlers["anything"]
    assert params == {"a": 1, "b": [2, 3]}


def test_reply_key_is_taken_out_of_the_values(handlers):
    handler, params, reply_id = wszero.read_message('{"op": "chat", "text": "hi", "wszero:id": 7}', handlers)
    assert params == {"text": "hi"}
    assert reply_id == 7


def test_reply_key_is_taken_out_even_for_star_star_kwargs(handlers):
    handler, params, reply_id = wszero.read_message('{"op": "anything", "a": 1, "wszero:id": "q1"}', handlers)
    assert params == {"a": 1}
    assert reply_id == "q1"


def test_message_that_is_not_json_is_explained(handlers):
    assert mistake("hello", handlers) == (
        "This message isn't JSON, so wszero can't read it: hello. "
        "Send objects with send_message({op: 'chat', text: 'hi'}).")


def test_long_message_that_is_not_json_is_shortened(handlers):
    assert mistake("x" * 100, handlers) == (
        f"This message isn't JSON, so wszero can't read it: {'x' * 57}.... "
        "Send objects with send_message({op: 'chat', text: 'hi'}).")


def test_message_that_is_a_list_is_explained(handlers):
    assert mistake("[1, 2]", handlers) == (
        'A message must be an object with an \'op\', like {"op": "chat"}, but this one was a list: [1, 2]')


def test_message_that_is_text_is_explained(handlers):
    assert mistake('"chat"', handlers) == (
        'A message must be an object with an \'op\', like {"op": "chat"}, but this one was a string: "chat"')


def test_message_that_is_a_number_is_explained(handlers):
    assert mistake("3", handlers) == (
        'A message must be an object with an \'op\', like {"op": "chat"}, but this one was a number: 3')


def test_message_that_is_null_is_explained(handlers):
    assert mistake("null", handlers) == (
        'A message must be an object with an \'op\', like {"op": "chat"}, but this one was null: null')


def test_message_without_an_op_is_explained(handlers):
    assert mistake('{"text": "hi"}', handlers) == (
        "This message has no 'op', so wszero can't tell which handler should get it: {\"text\": \"hi\"}")


def test_op_that_is_a_number_is_explained(handlers):
    assert mistake('{"op": 5}', handlers) == "'op' must be text, like \"chat\", but this message's op was 5."


def test_op_that_is_a_list_is_explained(handlers):
    assert mistake('{"op": ["chat"]}', handlers) == (
        "'op' must be text, like \"chat\", but this message's op was [\"chat\"].")


def test_op_that_is_null_is_explained_as_not_text(handlers):
    # {"op": null} has an op; saying it has none, and quoting {}, shows the child a message they never sent.
    assert mistake('{"op": null, "text": "hi"}', handlers) == (
        "'op' must be text, like \"chat\", but this message's op was null.")


def test_unknown_op_suggests_the_closest_name(handlers):
    assert mistake('{"op": "annouce", "text": "hi"}', handlers) == (
        "No handler for 'annouce' — did you mean 'announce'?")


def test_unknown_op_with_no_close_name_lists_the_ops_it_knows(handlers):
    assert mistake('{"op": "zzz"}', handlers) == (
        "No handler for 'zzz'. The ops it knows are: announce, anything, chat, move, ping.")


def test_unknown_op_in_a_program_without_handlers_says_so():
    assert mistake('{"op": "chat"}', {}) == "No handler for 'chat'. The program has no @on handlers yet."


def test_unknown_op_error_is_about_that_op(handlers):
    with pytest.raises(wszero.MessageError) as problem:
        wszero.read_message('{"op": "annouce"}', handlers)
    assert problem.value.about == "annouce"


def test_page_cannot_send_connect(handlers):
    assert mistake('{"op": "connect"}', handlers) == (
        "A page can't send 'connect': wszero sends it by itself when a page connects.")


def test_page_cannot_send_disconnect_even_without_a_handler(handlers):
    assert "disconnect" not in handlers
    assert mistake('{"op": "disconnect"}', handlers) == (
        "A page can't send 'disconnect': wszero sends it by itself when a page disconnects.")


def test_page_cannot_send_wszeros_own_ops(handlers):
    assert mistake('{"op": "wszero:eval", "script": "alert(1)"}', handlers) == (
        "A page can't send 'wszero:eval': ops starting with 'wszero:' belong to wszero.")


def test_missing_value_is_named_with_the_handlers_signature(handlers):
    assert mistake('{"op": "chat"}', handlers) == (
        "The 'chat' message needs a value for 'text', but the page sent no values. "
        "The handler is chat(client, text, color='blue').")


def test_missing_value_names_what_the_page_sent_instead(handlers):
    assert mistake('{"op": "announce", "message": "hi"}', handlers) == (
        "The 'announce' message needs a value for 'text', but the page sent 'message'. "
        "The handler is announce(client, text).")


def test_missing_value_names_everything_the_page_sent_in_its_order(handlers):
    assert mistake('{"op": "move", "y": 1, "z": 2, "x_pos": 3}', handlers) == (
        "The 'move' message needs a value for 'x', but the page sent 'y', 'z' and 'x_pos'. "
        "The handler is move(client, x, y).")


def test_missing_value_names_only_a_few_of_many_values_sent(handlers):
    sent = ", ".join(f'"v{n}": {n}' for n in range(1000))
    assert mistake('{"op": "announce", ' + sent + '}', handlers) == (
        "The 'announce' message needs a value for 'text', but the page sent 'v0', 'v1', 'v2', 'v3' and 996 more. "
        "The handler is announce(client, text).")


def test_several_missing_values_are_named_in_the_handlers_order(handlers):
    assert mistake('{"op": "move"}', handlers) == (
        "The 'move' message needs values for 'x' and 'y', but the page sent no values. "
        "The handler is move(client, x, y).")


def test_unexpected_value_is_named_with_the_values_the_handler_takes(handlers):
    assert mistake('{"op": "chat", "text": "hi", "size": 3}', handlers) == (
        "The 'chat' message has 'size', but the handler only takes 'text' and 'color'. "
        "The handler is chat(client, text, color='blue').")


def test_several_unexpected_values_are_all_named(handlers):
    assert mistake('{"op": "move", "x": 1, "y": 2, "z": 3, "speed": 4}', handlers) == (
        "The 'move' message has 'z' and 'speed', but the handler only takes 'x' and 'y'. "
        "The handler is move(client, x, y).")


def test_unexpected_value_for_a_handler_that_takes_only_the_client_reads_plainly(handlers):
    assert mistake('{"op": "ping", "x": 1}', handlers) == (
        "The 'ping' message has 'x', but the handler only takes the client. The handler is ping(client).")


def test_a_value_named_like_the_client_for_a_star_star_handler_is_explained(handlers):
    assert mistake('{"op": "anything", "client": "Ada"}', handlers) == (
        "The 'anything' message has 'client', but that is the name of the handler's first parameter, "
        "which is always the client. The handler is anything(client, **values).")


def test_a_value_named_like_a_positional_only_client_goes_into_star_star_values(tmp_path):
    registry = register(tmp_path, "anything", """\
        def anything(client, /, **values):
            pass
        """)
    assert wszero.read_message('{"op": "anything", "client": "Ada"}', registry.handlers)[1] == {"client": "Ada"}


def test_page_errors_are_read_by_wszeros_own_handler(handlers):
    handler, params, _ = wszero.read_message(
        '{"op": "wszero:page-error", "message": "oops", "where": "index.html, line 3"}', handlers)
    assert handler is wszero.BUILT_IN["wszero:page-error"]
    assert params == {"message": "oops", "where": "index.html, line 3"}


TOO_DEEP = ("This message has lists or objects nested more than 64 deep, so wszero didn't read it. "
            "Send something flatter.")


def nested(depth, inner="1"):
    """A value `depth` lists deep, as JSON text."""
    return "[" * depth + inner + "]" * depth


def test_message_nested_64_deep_is_read(handlers):
    handler, params, _ = wszero.read_message('{"op": "anything", "v": ' + nested(63) + "}", handlers)
    assert handler.op == "anything"
    assert params["v"] == eval(nested(63))


def test_message_nested_65_deep_is_refused_with_a_sentence(handlers):
    assert mistake('{"op": "anything", "v": ' + nested(64) + "}", handlers) == TOO_DEEP


@pytest.mark.parametrize("text", [nested(1_000), nested(100_000), "[" * 500_000, "{\"a\":" * 100_000],
                         ids=["1,000 deep", "100,000 deep", "never closed", "objects"])
def test_message_nested_far_too_deep_is_refused_with_a_sentence_not_a_recursion_error(handlers, text):
    assert mistake(text, handlers) == TOO_DEEP


@pytest.mark.parametrize("text", ["[" * 100, "]" * 100 + "[" * 60, '\\"' + "[" * 100, "{" * 30 + "[" * 30])
def test_brackets_inside_text_do_not_count_as_nesting(handlers, text):
    message = json.dumps({"op": "chat", "text": text})
    assert wszero.read_message(message, handlers)[1] == {"text": text}


def test_brackets_after_an_unfinished_string_do_not_count_as_nesting(handlers):
    assert mistake('{"op": "chat", "text": "' + "[" * 100, handlers).startswith("This message isn't JSON")


def test_message_with_a_number_longer_than_4300_digits_is_refused_with_a_sentence(handlers):
    assert mistake('{"op": "move", "x": ' + "9" * 4301 + ', "y": 1}', handlers) == (
        "This message has a number more than 4300 digits long, so wszero didn't read it.")


def test_message_with_a_4300_digit_number_is_read(handlers):
    assert wszero.read_message('{"op": "move", "x": ' + "9" * 4300 + ', "y": 1}', handlers)[1]["x"] == 10 ** 4300 - 1


# =============================================================================
# Text from a page, shown in the terminal
# =============================================================================


@pytest.mark.parametrize("text, shown", [
    ("\x1b[2J", r"\x1b[2J"),                       # clears the screen
    ("\x1b]0;hacked\x07", r"\x1b]0;hacked\x07"),  # sets the window's title
    ("\x1b[8mhidden", r"\x1b[8mhidden"),           # hides what follows
    ("a\rb", r"a\rb"),
    ("a\nPlayer 2 left.", r"a\nPlayer 2 left."),
    ("a\tb", r"a\tb"),
    ("\x00\x01\x1f", r"\x00\x01\x1f"),
    ("\x7f", r"\x7f"),
    ("\x9b2J", r"\x9b2J"),                         # the one-character CSI
    ("\x80\x85\x9f", r"\x80\x85\x9f"),
    ("abc\u202edcba", r"abc\u202edcba"),           # turns the rest right to left
    ("\u2066\u2069\u200e\u200f\u061c", r"\u2066\u2069\u200e\u200f\u061c"),
    ("\u2028\u2029", r"\u2028\u2029"),             # line and paragraph separators
    ("\ud800", r"\ud800"),                         # half of an emoji: no terminal can print it
    ("Zoë 😀", "Zoë 😀"),
    ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # joined emoji stay whole
    ("C:\\Users\\ada", "C:\\Users\\ada"),
    ("", ""),
])
def test_printable_shows_control_characters_as_escapes(text, shown):
    assert wszero.printable(text) == shown


def test_printable_shows_a_name_that_is_not_text():
    assert wszero.printable(42) == "42"


class Named:
    def __init__(self, name):
        self.name = name


CLEAR = "\x1b[2J"


def visible(sentence):
    """The sentence shows CLEAR as an escape, and holds no control character at all."""
    assert r"\x1b[2J" in sentence, sentence
    assert not any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 for c in sentence), sentence
    return True


@pytest.mark.parametrize("sentence", [
    pytest.param(lambda: wszero.say.not_json(CLEAR), id="not_json"),
    pytest.param(lambda: wszero.say.reserved_from_browser("wszero:" + CLEAR), id="reserved op"),
    pytest.param(lambda: wszero.say.unknown_op(CLEAR, ["chat"]), id="unknown op"),
    pytest.param(lambda: wszero.say.page_error(CLEAR, "index.html, line 3"), id="page error message"),
    pytest.param(lambda: wszero.say.page_error("oops", CLEAR), id="page error where"),
    pytest.param(lambda: wszero.say.joined(Named(CLEAR)), id="joined"),
    pytest.param(lambda: wszero.say.came_back(Named(CLEAR)), id="came back"),
    pytest.param(lambda: wszero.say.left(Named(CLEAR)), id="left"),
    pytest.param(lambda: wszero.say.too_slow(Named(CLEAR)), id="too slow"),
    pytest.param(lambda: wszero.say.wrong_version(CLEAR), id="wrong version"),
    pytest.param(lambda: wszero.say.origin_refused("http://" + CLEAR), id="origin refused"),
    pytest.param(lambda: wszero.say.host_refused(CLEAR), id="host refused"),
    pytest.param(lambda: wszero.say.unreadable_origin(CLEAR), id="unreadable origin"),
    pytest.param(lambda: wszero.say.unreadable_host(CLEAR), id="unreadable host"),
])
def test_every_sentence_with_a_pages_text_shows_control_characters_as_escapes(sentence):
    assert visible(sentence())


def test_an_unexpected_key_with_control_characters_is_shown_as_escapes(handlers):
    assert visible(mistake(json.dumps({"op": "ping", CLEAR: 1}), handlers))


def test_an_unknown_op_with_control_characters_is_shown_as_escapes(handlers):
    assert visible(mistake(json.dumps({"op": CLEAR}), handlers))


# =============================================================================
# Encoding what Python sends
# =============================================================================


def test_encode_makes_compact_json_with_the_op_first():
    assert wszero.encode("chat", {"text": "héllo", "n": 3}) == '{"op":"chat","text":"héllo","n":3}'


def test_encode_names_the_value_it_cannot_send():
    with pytest.raises(TypeError) as problem:
        wszero.encode("chat", {"text": "hi", "picture": {1, 2}}, "broadcast()")
    assert str(problem.value) == (
        "broadcast() can only send text, numbers, True/False, None, lists and dicts, but 'picture' was {1, 2}.")


def test_encode_names_a_value_hidden_inside_a_list_and_where_it_is():
    with pytest.raises(TypeError) as problem:
        wszero.encode("chat", {"ok": 1, "things": [1, b"bytes"]})
    assert str(problem.value) == (
        "send() can only send text, numbers, True/False, None, lists and dicts, "
        "but 'things' had b'bytes' inside it, at things[1].")


def test_encode_refuses_nan():
    with pytest.raises(TypeError) as problem:
        wszero.encode("score", {"points": float("nan")})
    assert str(problem.value) == (
        "send() can't send 'points': it was nan, which isn't a number a browser understands.")


def cannot_encode(**params):
    """The sentence encode() raises, as TypeError, for values JSON can't carry."""
    with pytest.raises(TypeError) as problem:
        wszero.encode("score", params)
    return str(problem.value)


@pytest.mark.parametrize("value", [float("inf"), float("-inf")], ids=["inf", "-inf"])
def test_encode_refuses_infinity(value):
    assert cannot_encode(points=value) == (
        f"send() can't send 'points': it was {value}, which isn't a number a browser understands.")


def test_encode_finds_nan_deep_inside_dicts_and_lists_and_says_where():
    assert cannot_encode(scores={"ada": [1, {"bonus": float("nan")}]}) == (
        "send() can't send 'scores': scores['ada'][1]['bonus'] was nan, which isn't a number a browser understands.")


def test_encode_refuses_an_int_with_more_than_4300_digits():
    assert cannot_encode(big=10 ** 4300) == (
        "send() can't send 'big': it was a whole number more than 4300 digits long, too long to send.")


def test_encode_sends_an_int_with_exactly_4300_digits():
    assert wszero.encode("score", {"big": 10 ** 4299}) == '{"op":"score","big":1' + "0" * 4299 + "}"


def test_encode_finds_a_long_int_inside_a_list():
    assert cannot_encode(data={"rows": [[1, 2], [3, 7 ** 6000]]}) == (
        "send() can't send 'data': data['rows'][1][1] was a whole number more than 4300 digits long, "
        "too long to send.")


def test_encode_refuses_a_dict_key_that_is_not_text_or_a_number():
    assert cannot_encode(board={"row": {(1, 2): "x"}}) == (
        "send() can't send 'board': board['row'] has the key (1, 2), "
        "but keys can only be text or numbers, like 'ada' or 3.")


def test_encode_refuses_a_list_that_contains_itself():
    board = [1, 2]
    board.append(board)
    assert cannot_encode(board=board) == "send() can't send 'board': it contains itself, so it would never end."


def test_encode_sends_the_same_list_twice_as_two_copies():
    row = [0, 0]
    assert wszero.encode("board", {"rows": [row, row]}) == '{"op":"board","rows":[[0,0],[0,0]]}'


def test_encode_refuses_a_value_nested_deeper_than_python_can_write_with_a_sentence():
    tree = []
    for _ in range(5_000):  # json gives up at about 1,000
        tree = [tree]
    assert cannot_encode(tree=tree) == "send() can't send 'tree': it has lists or dicts nested too deep to send."


def test_a_handlers_return_value_that_cannot_be_sent_is_named_in_the_sentence():
    assert wszero.say.cannot_send("A handler's return", "result", {"x": [float("nan")]}) == (
        "A handler's return can't send 'result': result['x'][0] was nan, which isn't a number a browser understands.")


def test_encode_refuses_an_op_that_is_not_text():
    with pytest.raises(TypeError) as problem:
        wszero.encode(5, {}, "broadcast()")
    assert str(problem.value) == "broadcast(): the op must be text, like 'chat', not 5."


# =============================================================================
# Which files a URL may see
# =============================================================================

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


@pytest.fixture
def site(tmp_path):
    """A program's folder, with things that must stay private inside and next to it."""
    folder = tmp_path / "site"
    files = {
        "index.html": b"<h1>Quiz</h1>",
        "quiz.py": b"answers = ['SECRET-ANSWER']",
        "pictures/index.html": b"<h1>Pictures</h1>",
        "pictures/cat.png": PNG,
        "style.css": b"h1 { color: red }",
        "game.js": b"send_message({op: 'hi'})",
        "data.json": b'{"level": 1}',
        "logo.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        ".secret": b"SECRET-DOTFILE",
        ".git/config": b"SECRET-DOT-FOLDER",
        "__pycache__/quiz.cpython-311.pyc": b"SECRET-COMPILED",
    }
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    (tmp_path / "diary.txt").write_bytes(b"SECRET-OUTSIDE")
    return folder


def served(folder, url_path):
    status, reason, ctype, body = wszero.serve_file(str(folder), url_path)
    return status, ctype, body




def assert_refused(folder, url_path, status=404):
    got, _, body = served(folder, url_path)
    assert got == status, url_path
    assert b"SECRET-" not in body, body


def test_safe_path_gives_the_parts_of_an_ordinary_path():
    assert wszero.safe_path("/pictures/cat.png") == ["pictures", "cat.png"]
    assert wszero.safe_path("/") == []


@pytest.mark.parametrize("url_path", [
    "/..", "/../diary.txt", "/pictures/../../diary.txt",
    "/%2e%2e/diary.txt", "/%2E%2E/diary.txt", "/.%2e/diary.txt",
    "/..%2fdiary.txt", "/..%2Fdiary.txt", "/pictures%2F..%2F..%2Fdiary.txt",
    "/..\\diary.txt", "/pictures\\..\\..\\diary.txt", "/..%5cdiary.txt", "/pictures%5C..%5C..%5Cdiary.txt",
    "/index.html\0", "/index.html%00", "/quiz.py%00.html",
    "/c:/windows/win.ini", "/index.html::$DATA",
])
def test_paths_that_try_to_leave_the_folder_are_refused(url_path):
    with pytest.raises(wszero.Refused) as refused:
        wszero.safe_path(url_path)
    assert refused.value.args[0] == 404


@pytest.mark.parametrize("url_path", [
    "/.secret", "/.git/config", "/pictures/.hidden", "/%2esecret", "/__pycache__/quiz.cpython-311.pyc",
])
def test_dotfiles_dot_folders_and_pycache_are_refused(url_path):
    with pytest.raises(wszero.Refused) as refused:
        wszero.safe_path(url_path)
    assert refused.value.args[0] == 404


@pytest.mark.parametrize("url_path", [
    "/quiz.py", "/QUIZ.PY", "/quiz%2epy", "/quiz.py/", "/pictures/quiz.py", "/game.pyw", "/old.pyc",
])
def test_python_files_are_refused(url_path):
    with pytest.raises(wszero.Refused):
        wszero.safe_path(url_path)


@pytest.mark.parametrize("url_path", ["/quiz.py.", "/quiz.py%20", "/quiz.py. .", "/quiz.py%2e"])
def test_python_files_with_a_trailing_dot_or_space_are_refused(url_path):
    # Windows opens quiz.py for "quiz.py." and "quiz.py ", and children often use Windows.
    with pytest.raises(wszero.Refused):
        wszero.safe_path(url_path)


def test_python_files_get_403_with_the_friendly_sentence(site):
    assert served(site, "/quiz.py") == (
        403, "text/plain; charset=utf-8",
        b"quiz.py is part of the program, and wszero never sends Python files to browsers, "
        b"so nobody can read the code (or the answers in it!).")


def test_python_files_in_other_spellings_get_403(site):
    for url_path in ("/QUIZ.PY", "/quiz%2epy", "/quiz.py/"):
        assert served(site, url_path)[0] == 403, url_path


@pytest.mark.parametrize("url_path", [
    "/../diary.txt", "/%2e%2e/diary.txt", "/..%2fdiary.txt", "/..%5cdiary.txt", "/..\\diary.txt",
    "/index.html%00", "/%ff", "/.secret", "/.git/config", "/__pycache__/quiz.cpython-311.pyc",
])
def test_never_served_paths_get_the_not_found_page(site, url_path):
    assert_refused(site, url_path)


def test_symlink_pointing_out_of_the_folder_is_never_served(site, tmp_path):
    (site / "diary.txt").symlink_to(tmp_path / "diary.txt")
    assert_refused(site, "/diary.txt")


def test_symlinked_folder_pointing_out_is_never_served(site, tmp_path):
    (site / "outside").symlink_to(tmp_path, target_is_directory=True)
    assert_refused(site, "/outside/diary.txt")


def test_symlink_to_a_python_file_is_never_served(site):
    (site / "notes.txt").symlink_to(site / "quiz.py")
    assert served(site, "/notes.txt")[0] in (403, 404)
    assert b"SECRET-" not in served(site, "/notes.txt")[2]


def test_symlink_to_a_dot_folder_is_never_served(site):
    (site / "git").symlink_to(site / ".git", target_is_directory=True)
    assert_refused(site, "/git/config")


def test_root_serves_index_html(site):
    assert served(site, "/") == (200, "text/html; charset=utf-8", b"<h1>Quiz</h1>")


def test_subfolder_serves_its_index_html(site):
    assert served(site, "/pictures/") == (200, "text/html; charset=utf-8", b"<h1>Pictures</h1>")


def test_files_in_subfolders_are_served(site):
    assert served(site, "/pictures/cat.png") == (200, "image/png", PNG)


def test_percent_encoded_names_are_served(site):
    (site / "my cat.png").write_bytes(PNG)
    assert served(site, "/my%20cat.png") == (200, "image/png", PNG)


@pytest.mark.parametrize("name, ctype", [
    ("index.html", "text/html; charset=utf-8"),
    ("game.js", "text/javascript; charset=utf-8"),
    ("style.css", "text/css; charset=utf-8"),
    ("pictures/cat.png", "image/png"),
    ("data.json", "application/json; charset=utf-8"),
    ("logo.svg", "image/svg+xml"),
])
def test_files_are_served_with_their_content_type(site, name, ctype):
    status, got, body = served(site, "/" + name)
    assert (status, got, body) == (200, ctype, (site / name).read_bytes())


def test_wszero_js_is_always_the_embedded_stub(site):
    (site / "wszero.js").write_text("// an old copy")
    assert served(site, "/wszero.js") == (200, "text/javascript; charset=utf-8", wszero.JS.encode())


def test_not_found_page_names_the_file_and_lists_what_is_there(site):
    assert served(site, "/dog.png") == (
        404, "text/html; charset=utf-8",
        b"<!doctype html><meta charset=utf-8><title>Not found</title>"
        b"<h1>There is no file called /dog.png</h1>"
        b"<p>The files wszero can show are:</p><ul>"
        b'<li><a href="/data.json">data.json</a></li>'
        b'<li><a href="/game.js">game.js</a></li>'
        b'<li><a href="/index.html">index.html</a></li>'
        b'<li><a href="/logo.svg">logo.svg</a></li>'
        b'<li><a href="/pictures">pictures</a></li>'
        b'<li><a href="/style.css">style.css</a></li>'
        b"</ul>")


def test_not_found_page_shows_the_name_as_the_child_wrote_it(site):
    body = served(site, "/my%20dog.png")[2]
    assert b"<h1>There is no file called /my dog.png</h1>" in body


def test_not_found_page_escapes_the_path(site):
    body = served(site, "/<script>alert(1)</script>")[2]
    assert b"<script>" not in body
    assert b"<h1>There is no file called /&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in body


def test_not_found_page_does_not_list_links_that_point_out(site, tmp_path):
    (site / "diary.txt").symlink_to(tmp_path / "diary.txt")
    assert b"diary.txt" not in served(site, "/dog.png")[2]


# =============================================================================
# Tracebacks that end at the child's own line
# =============================================================================


def failure(func, **params):
    """The exception `func` raises when wszero's game thread runs it as a handler.

    It runs through Game._handle, as on the server, so the traceback starts
    in wszero's own frames, exactly as short_traceback meets it.
    """
    failed = []
    game = wszero.Game(types.SimpleNamespace(loop=None))
    game.failed = lambda job, exc: failed.append(exc)
    client = types.SimpleNamespace(_held=None, _session=wszero.Session("token"))
    game._handle(wszero.Job(client, wszero.Handler(func.__name__, func), params))
    assert failed, "the handler did not fail"
    return failed[0]


def test_short_traceback_ends_at_the_programs_own_line(tmp_path):
    names = program(tmp_path, """\
        scores = {}

        def chat(client, text):
            return scores[text]
        """)
    path = str(tmp_path / "chat.py")
    text, where = wszero.short_traceback(failure(names["chat"], text="ada"))
    assert text == (
        "Traceback (most recent call last):\n"
        f'  File "{path}", line 4, in chat\n'
        "    return scores[text]\n"
        + ("           ~~~~~~^^^^^^\n" if sys.version_info >= (3, 11) else "")  # 3.10 draws no marks
        + "KeyError: 'ada'\n")
    assert where == "chat.py, line 4"


def test_short_traceback_keeps_the_programs_own_calls(tmp_path):
    names = program(tmp_path, """\
        def half(n):
            return 1 / n

        def split(client, n):
            return half(n)
        """)
    text, where = wszero.short_traceback(failure(names["split"], n=0))
    assert [line.strip() for line in text.splitlines() if line.strip().startswith("File")] == [
        f'File "{tmp_path / "chat.py"}", line 5, in split',
        f'File "{tmp_path / "chat.py"}", line 2, in half',
    ]
    assert text.endswith("ZeroDivisionError: division by zero\n")
    assert where == "chat.py, line 2"


def test_short_traceback_strips_wszeros_frames_below_the_childs_line(tmp_path):
    names = program(tmp_path, """\
        from wszero import broadcast

        def show(client):
            broadcast("picture", picture=open)
        """)
    text, where = wszero.short_traceback(failure(names["show"]))
    assert "wszero.py" not in text
    assert text == (
        "Traceback (most recent call last):\n"
        f'  File "{tmp_path / "chat.py"}", line 4, in show\n'
        '    broadcast("picture", picture=open)\n'
        "TypeError: broadcast() can only send text, numbers, True/False, None, lists and dicts, "
        "but 'picture' was <built-in function open>.\n")
    assert where == "chat.py, line 4"


def test_short_traceback_keeps_pythons_did_you_mean_hint(tmp_path):
    names = program(tmp_path, """\
        score = 0

        def point(client):
            return scroe + 1
        """)
    text, where = wszero.short_traceback(failure(names["point"]))
    assert text.endswith("NameError: name 'scroe' is not defined. Did you mean: 'score'?\n")
    assert where == "chat.py, line 4"


# ======================================================================

# Tips for mistakes children often make
# =============================================================================

TEXT_IS_NOT_A_NUMBER = (
    "Tip: a value typed in a box arrives as text, like '7' instead of 7. "
    "Boxes written <input type=\"number\"> send numbers; in Python, int(...) turns text into a number.")


@pytest.mark.parametrize("source", [
    "'7' < 5", "5 < '7'", "'7' >= 2.5", "'Hi ' + 3", "3 + '7'", "10 - '7'", "2.5 * 2 + '1'",
])
def test_comparing_or_adding_text_and_a_number_gets_the_number_box_tip(source):
    with pytest.raises(TypeError) as problem:
        eval(source)
    assert wszero.say.hint_for(problem.value) == TEXT_IS_NOT_A_NUMBER


@pytest.mark.parametrize("source", ["'7' < None", "[1] + 'a'", "len(5)", "1 / 0", "{}['a']"])
def test_other_errors_get_no_tip(source):
    with pytest.raises(Exception) as problem:
        eval(source)
    assert wszero.say.hint_for(problem.value) == ""


def test_handler_failure_in_the_terminal_ends_with_the_tip(tmp_path):
    names = program(tmp_path, """\
        def guess(client, number):
            return number < 50
        """)
    exc = failure(names["guess"], number="7")
    text, where = wszero.short_traceback(exc)
    assert wszero.say.handler_failed_terminal("guess", text, exc) == (
        "Oops! The 'guess' handler hit a problem:\n"
        "Traceback (most recent call last):\n"
        f'  File "{tmp_path / "chat.py"}", line 2, in guess\n'
        "    return number < 50\n"
        + ("           ^^^^^^^^^^^\n" if sys.version_info >= (3, 11) else "")  # 3.10 draws no carets
        + "TypeError: '<' not supported between instances of 'str' and 'int'\n"
        + TEXT_IS_NOT_A_NUMBER)


def test_handler_failure_for_the_page_ends_with_the_tip(tmp_path):
    names = program(tmp_path, """\
        def guess(client, number):
            return number < 50
        """)
    exc = failure(names["guess"], number="7")
    assert wszero.say.handler_failed_browser("guess", exc, "chat.py, line 2") == (
        "The 'guess' handler hit a problem: TypeError: '<' not supported between instances of 'str' and 'int' "
        "(chat.py, line 2). " + TEXT_IS_NOT_A_NUMBER)


def test_handler_failure_without_a_tip_is_the_traceback_alone(tmp_path):
    names = program(tmp_path, """\
        def half(client, n):
            return 1 / n
        """)
    exc = failure(names["half"], n=0)
    text, where = wszero.short_traceback(exc)
    assert wszero.say.handler_failed_terminal("half", text, exc) == (
        "Oops! The 'half' handler hit a problem:\n" + text.rstrip("\n"))
    assert wszero.say.handler_failed_browser("half", exc, where) == (
        "The 'half' handler hit a problem: ZeroDivisionError: division by zero (chat.py, line 2)")


def test_short_traceback_shows_control_characters_in_the_error_as_escapes(tmp_path):
    names = program(tmp_path, """\
        def chat(client, text):
            raise ValueError(text)
        """)
    text, _ = wszero.short_traceback(failure(names["chat"], text="\x1b[2J\x07\nPlayer 9 left."))
    assert text.endswith("    raise ValueError(text)\nValueError: \\x1b[2J\\x07\\nPlayer 9 left.\n")
    assert "\x1b" not in text and "\x07" not in text


# =============================================================================
# The README's table of limits
# =============================================================================


def test_the_readmes_limits_table_names_each_real_setting_with_its_default():
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md"),
              encoding="utf-8") as f:
        readme = f.read()
    section = readme.split("### Limits, and why", 1)[1].split("\n## ", 1)[0]
    rows = {cells[0]: cells for cells in
            ([c.strip() for c in line.strip("|").split("|")] for line in section.splitlines()
             if line.startswith("| ") and not line.startswith("| limit") and not line.startswith("|---"))}
    grace = inspect.signature(wszero.run_server).parameters["grace"].default
    expected = {
        "message size": ("1 MiB", wszero.MAX_MESSAGE_BYTES == 1024 * 1024, "wszero.MAX_MESSAGE_BYTES = "),
        "waiting messages": ("256 per page", wszero.MAX_WAITING_MESSAGES == 256, "wszero.MAX_WAITING_MESSAGES = "),
        "unsent bytes": ("4 MiB per page", wszero.MAX_UNSENT_BYTES == 4 * 1024 * 1024, "wszero.MAX_UNSENT_BYTES = "),
        "sends from a thread": ("256 waiting", wszero.MAX_WAITING_SENDS == 256, "wszero.MAX_WAITING_SENDS = "),
        "connections": ("as many as the computer allows, less 64", wszero.SPARE_FILES == 64, "ulimit -n"),
        "a handler that holds everyone up": ("told after 3 seconds", wszero.STUCK_SECONDS == 3,
                                             "wszero.STUCK_SECONDS = "),
        "resume seconds": ("10", wszero.RESUME_SECONDS == grace == 10, "run_server(grace=30)"),
        "missed messages": ("1000 per dropped page", wszero.MAX_MISSED_MESSAGES == 1000, "wszero.MAX_MISSED_MESSAGES = "),
        "nesting depth": ("64", wszero.MAX_NESTING == 64, "wszero.MAX_NESTING = "),
        "origins": ("this computer, private networks, `*.local`",
                    inspect.signature(wszero.run_server).parameters["origins"].default is None,
                    "run_server(origins=['https://example.com'])"),
    }
    assert sorted(rows) == sorted(expected)
    for name, (default, true_default, change) in expected.items():
        assert rows[name][1] == default, name
        assert true_default, name
        assert change in rows[name][3], name
