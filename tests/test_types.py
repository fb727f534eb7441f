"""Typed values: a parameter annotated int, float, bool, str, list or dict (issue 13).

The conversions are pure functions, tested directly from a table: every case
issue 13 lists, and the edges a page could send.  Whole programs then show
what a child sees: the sentence (written out in full), a handler that doesn't
run, a connection that stays open, and the playground's hints.
"""

import textwrap
import time
import urllib.request

import pytest

import wszero
from wszero import to_bool, to_float, to_int, to_str

UNFIT = wszero._UNFIT
to_list = wszero.TYPES[list][0]
to_dict = wszero.TYPES[dict][0]

CASES = [
    # -- int: whole numbers, and text or floats that are whole numbers ----------
    (to_int, 3, 3), (to_int, -7, -7), (to_int, 0, 0), (to_int, 10**30, 10**30),
    (to_int, "3", 3), (to_int, " -2 ", -2), (to_int, "+7", 7), (to_int, "007", 7),
    (to_int, 4.0, 4), (to_int, -0.0, 0), (to_int, "2.0", 2), (to_int, "1e3", 1000), (to_int, "3.", 3),
    (to_int, "1" * 100, int("1" * 100)),
    (to_int, True, UNFIT), (to_int, False, UNFIT), (to_int, 2.5, UNFIT), (to_int, "2.5", UNFIT),
    (to_int, "abc", UNFIT), (to_int, "", UNFIT), (to_int, "  ", UNFIT), (to_int, "1_000", UNFIT),
    (to_int, "0x10", UNFIT), (to_int, "1 000", UNFIT), (to_int, "1" * 101, UNFIT), (to_int, "9" * 5000, UNFIT),
    (to_int, float("nan"), UNFIT), (to_int, float("inf"), UNFIT), (to_int, "inf", UNFIT), (to_int, "NaN", UNFIT),
    (to_int, "1e400", UNFIT), (to_int, None, UNFIT), (to_int, [3], UNFIT), (to_int, {"n": 3}, UNFIT),
    (to_int, "true", UNFIT),
    # -- float: numbers and number text; never NaN or infinity -------------------
    (to_float, 2.5, 2.5), (to_float, 3, 3.0), (to_float, -0.5, -0.5), (to_float, "2.5", 2.5),
    (to_float, " 2.5 ", 2.5), (to_float, ".5", 0.5), (to_float, "-3", -3.0), (to_float, "1e3", 1000.0),
    (to_float, "2.5E-1", 0.25), (to_float, 1e308, 1e308),
    (to_float, True, UNFIT), (to_float, False, UNFIT), (to_float, "abc", UNFIT), (to_float, "", UNFIT),
    (to_float, "1,5", UNFIT), (to_float, "1.2.3", UNFIT), (to_float, float("nan"), UNFIT),
    (to_float, float("inf"), UNFIT), (to_float, float("-inf"), UNFIT), (to_float, "nan", UNFIT),
    (to_float, "NaN", UNFIT), (to_float, "inf", UNFIT), (to_float, "-Infinity", UNFIT),
    (to_float, "1e400", UNFIT), (to_float, 10**400, UNFIT), (to_float, "1" * 101, UNFIT),
    (to_float, "9" * 5000, UNFIT), (to_float, None, UNFIT), (to_float, [2.5], UNFIT), (to_float, "0x1p3", UNFIT),
    # -- bool: true/false, their words in any case, and 1 and 0 ---------------------
    (to_bool, True, True), (to_bool, False, False),
    (to_bool, "true", True), (to_bool, "TRUE", True), (to_bool, "True", True), (to_bool, "false", False),
    (to_bool, "False", False), (to_bool, "yes", True), (to_bool, "No", False), (to_bool, "on", True),
    (to_bool, "OFF", False), (to_bool, "1", True), (to_bool, "0", False), (to_bool, " yes ", True),
    (to_bool, 1, True), (to_bool, 0, False), (to_bool, 1.0, True), (to_bool, 0.0, False),
    (to_bool, 2, UNFIT), (to_bool, -1, UNFIT), (to_bool, 0.5, UNFIT), (to_bool, "2", UNFIT),
    (to_bool, "", UNFIT), (to_bool, "maybe", UNFIT), (to_bool, "y", UNFIT), (to_bool, None, UNFIT),
    (to_bool, [], UNFIT), (to_bool, {}, UNFIT),
    # -- str: text, and numbers as their text; never a list or an object ------------
    (to_str, "hi", "hi"), (to_str, "", ""), (to_str, " 3 ", " 3 "), (to_str, 5, "5"), (to_str, -3, "-3"),
    (to_str, 2.5, "2.5"),
    (to_str, True, UNFIT), (to_str, False, UNFIT), (to_str, None, UNFIT), (to_str, [1], UNFIT),
    (to_str, {"a": 1}, UNFIT),
    # -- list and dict: only a list, only an object ---------------------------------
    (to_list, [1, 2], [1, 2]), (to_list, [], []),
    (to_list, "[1, 2]", UNFIT), (to_list, {}, UNFIT), (to_list, None, UNFIT), (to_list, "", UNFIT),
    (to_dict, {"x": 1}, {"x": 1}), (to_dict, {}, {}),
    (to_dict, '{"x": 1}', UNFIT), (to_dict, [], UNFIT), (to_dict, None, UNFIT), (to_dict, 1, UNFIT),
]


NAMES = {to_int: "to_int", to_float: "to_float", to_bool: "to_bool", to_str: "to_str", to_list: "list",
         to_dict: "dict"}


def case_id(case):
    convert, value, _ = case
    shown = repr(value)
    return f"{NAMES[convert]}({shown if len(shown) < 30 else shown[:27] + '...'})"


@pytest.mark.parametrize("convert, value, expected", CASES, ids=[case_id(case) for case in CASES])
def test_a_typed_value_is_converted_where_safe_and_refused_otherwise(convert, value, expected):
    got = convert(value)
    if expected is UNFIT:
        assert got is UNFIT
    else:
        assert got == expected and type(got) is type(expected)


def test_a_huge_digit_string_is_refused_at_once():
    started = time.perf_counter()
    for convert in (to_int, to_float):
        assert convert("7" * 1_000_000) is UNFIT
    assert time.perf_counter() - started < 1


# =============================================================================
# The sentence, and the values a handler gets
# =============================================================================

TYPED = """\
    from wszero import *

    @on('move')
    def move(client, steps: int, speed: float = 1.0, jump: bool = False, name: str = '',
             path: list = None, where: dict = None):
        return [steps, speed, jump, name, path, where]
"""


def handlers(tmp_path, source, name="game.py"):
    """Load `source` as a program and return its handlers, by op."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(source) + "\nrun_server()\n")
    return wszero.load_program(str(path)).handlers


def read(handlers, **msg):
    import json
    return wszero.read_message(json.dumps(msg), handlers)


def refusal(handlers, **msg):
    with pytest.raises(wszero.MessageError) as problem:
        read(handlers, **msg)
    assert problem.value.about == msg["op"]
    return str(problem.value)


def test_typed_values_reach_the_handler_converted(tmp_path):
    found = handlers(tmp_path, TYPED)
    _, values, _ = read(found, op="move", steps="3", speed="2.5", jump="yes", name=7, path=[1], where={"x": 1})
    assert values == {"steps": 3, "speed": 2.5, "jump": True, "name": "7", "path": [1], "where": {"x": 1}}
    assert type(values["steps"]) is int


def test_a_typed_value_left_out_gets_its_default_unchecked(tmp_path):
    _, values, _ = read(handlers(tmp_path, TYPED), op="move", steps=1)
    assert values == {"steps": 1}


@pytest.mark.parametrize("name, value, text", [
    ("steps", "abc", "The 'move' message's 'steps' must be a whole number, like 3, but the page sent \"abc\"."),
    ("steps", 2.5, "The 'move' message's 'steps' must be a whole number, like 3, but the page sent 2.5."),
    ("steps", True, "The 'move' message's 'steps' must be a whole number, like 3, but the page sent true."),
    ("speed", "fast", "The 'move' message's 'speed' must be a number, like 2.5, but the page sent \"fast\"."),
    ("speed", None, "The 'move' message's 'speed' must be a number, like 2.5, but the page sent null."),
    ("jump", "false-ish", "The 'move' message's 'jump' must be true or false, but the page sent \"false-ish\"."),
    ("jump", 2, "The 'move' message's 'jump' must be true or false, but the page sent 2."),
    ("name", [1, 2], "The 'move' message's 'name' must be text, but the page sent [1, 2]."),
    ("name", {"first": "Ada"}, "The 'move' message's 'name' must be text, but the page sent {\"first\": \"Ada\"}."),
    ("path", "1,2", "The 'move' message's 'path' must be a list, like [1, 2], but the page sent \"1,2\"."),
    ("where", [1], "The 'move' message's 'where' must be an object, like {\"x\": 1}, but the page sent [1]."),
], ids=["int text", "int fraction", "int true", "float text", "float null", "bool text", "bool 2", "str list",
        "str object", "list text", "dict list"])
def test_a_value_that_does_not_fit_is_refused_naming_the_op_the_parameter_and_the_value(tmp_path, name, value,
                                                                                          text):
    params = {"steps": 1, name: value}
    assert refusal(handlers(tmp_path, TYPED), op="move", **params) == text


def test_a_long_value_that_does_not_fit_is_shortened_in_the_sentence(tmp_path):
    text = refusal(handlers(tmp_path, TYPED), op="move", steps="x" * 500)
    assert text == ("The 'move' message's 'steps' must be a whole number, like 3, but the page sent "
                    f"\"{'x' * 56}....")


def test_other_annotations_are_left_alone(tmp_path):
    found = handlers(tmp_path, """\
        from typing import Optional
        from wszero import *

        class Thing:
            pass

        @on('odd')
        def odd(client, a: 'anything', b: Optional[int], c: list[int], d: Thing, e: 'int | None', f: 3):
            pass
    """)
    sent = {"a": "x", "b": "3", "c": "no list", "d": 5, "e": "abc", "f": [1]}
    _, values, _ = read(found, op="odd", **sent)
    assert values == sent
    assert found["odd"].types is None


@pytest.mark.parametrize("header", ["from __future__ import annotations\n", ""],
                         ids=["from __future__ import annotations", "annotations written as text"])
def test_annotations_written_as_text_are_checked_too(tmp_path, header):
    annotation = "int" if header else "'int'"
    found = handlers(tmp_path, header + textwrap.dedent(f"""\
        from wszero import *

        @on('move')
        def move(client, steps: {annotation}):
            pass
    """))
    assert read(found, op="move", steps=" 4 ")[1] == {"steps": 4}
    assert refusal(found, op="move", steps="four") == (
        "The 'move' message's 'steps' must be a whole number, like 3, but the page sent \"four\".")


def test_the_playground_shows_what_each_typed_box_wants(tmp_path):
    found = handlers(tmp_path, TYPED + """
    @on('chat')
    def chat(client, text, colour='blue'):
        pass
    """)
    page = wszero.playground_page(found, "game.py")
    for box, hint in [("steps", "a whole number"), ("speed", "a number, optional"),
                      ("jump", "true or false, optional"), ("name", "text, optional"),
                      ("path", "a list, optional"), ("where", "an object, optional"), ("colour", "optional")]:
        text = ' data-guess="text"' if box == "name" else ""  # a box for text sends "true" as text
        assert f'<input name="{box}" autocomplete="off" placeholder="{hint}"{text}>' in page, box
    assert '<input name="text" autocomplete="off">' in page  # untyped and needed: no hint


# =============================================================================
# Over a real server
# =============================================================================

COUNTER = """\
    from wszero import *

    runs = 0

    @on('double')
    def double(client, n: int):
        global runs
        runs = runs + 1
        return n * 2

    @on('runs')
    def how_many(client):
        return runs

    run_server()
"""


def test_a_typed_value_reaches_the_handler_of_a_running_program_converted(run):
    program = run(COUNTER)
    with program.client() as ada:
        assert ada.ask("double", n="21") == 42  # not "2121"


def test_a_value_that_does_not_fit_gets_the_sentence_and_the_handler_does_not_run(run):
    program = run(COUNTER)
    sentence = "The 'double' message's 'n' must be a whole number, like 3, but the page sent \"many\"."
    with program.client() as ada:
        ada.send("double", n="many")
        assert ada.recv() == {"op": "wszero:error", "error": sentence, "about": "double"}
        assert ada.ask("runs") == 0
        assert ada.ask("double", n=4) == 8  # the connection stays open
    program.wait_for_stderr(f"Player 1: {sentence}")


def test_the_playground_of_a_running_program_shows_the_types(run):
    program = run(COUNTER)
    with urllib.request.urlopen(program.url + "/wszero/playground", timeout=30) as answer:
        page = answer.read().decode()
    assert '<input name="n" autocomplete="off" placeholder="a whole number">' in page
