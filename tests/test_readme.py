"""The README's Python examples run exactly as written, and the teachers' guide shows the real examples.

A child copies a whole program from the README into game.py and presses Run,
so every ```python block that calls run_server() is run that way here:
`python game.py` in a folder of its own (with `--port 0`, for a free port).
A real websockets client sends the program's first op, and the program must
answer without an error and without a traceback in the terminal.

A block that is only part of a program says so on its first line, with the
comment "# Part of a program:", so nobody takes it for a whole one.  A block
that is a teacher's whole pytest file starts with "# test_", and is run with
pytest against the example programs it checks.
"""

import ast
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import DEADLINE, EXAMPLES, ROOT, environment

README_PATH = os.path.join(ROOT, "README.md")
FRAGMENT = "# Part of a program:"
TEST_FILE = "# test_"

# The values sent for a handler's parameters, by name.
SAMPLES = {"name": "Sam", "text": "hi", "number": 7}


def python_blocks():
    with open(README_PATH, encoding="utf-8") as f:
        readme = f.read()
    return [(readme.count("\n", 0, found.start()) + 2, found.group(1))
            for found in re.finditer(r"^```python\n(.*?)^```", readme, re.S | re.M)]


def whole_programs():
    return [pytest.param(source, id=f"README line {line}")
            for line, source in python_blocks() if "run_server()" in source]


def first_op(source):
    """The first op the program handles, other than connect and disconnect, and its values to send."""
    for node in ast.parse(source).body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for decorator in node.decorator_list:
            if (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "on"
                    and decorator.args[0].value not in ("connect", "disconnect")):
                args = node.args
                required = [a.arg for a in args.args[1:len(args.args) - len(args.defaults)]]
                missing = [name for name in required if name not in SAMPLES]
                assert not missing, f"add a value to send for {missing} to SAMPLES"
                return decorator.args[0].value, {name: SAMPLES[name] for name in required}
    raise AssertionError("the program has no @on handler to try")


def test_the_readme_has_python_examples_to_run():
    assert len(whole_programs()) >= 3


@pytest.mark.parametrize("line, source", [pytest.param(*block, id=f"README line {block[0]}")
                                          for block in python_blocks()])
def test_every_python_block_is_a_whole_program_or_says_it_is_a_part(line, source):
    assert "run_server()" in source or source.startswith((FRAGMENT, TEST_FILE)), (
        f"The ```python block at README line {line} doesn't call run_server(), so it can't run "
        f"as written. Make it a whole program, or start it with the line {FRAGMENT!r}.")


@pytest.mark.parametrize("source", whole_programs())
def test_a_whole_program_in_the_readme_runs_as_written_and_answers_its_first_op(run, tmp_path, source):
    game = tmp_path / "game.py"
    game.write_text(source, encoding="utf-8")
    program = run(path=str(game), command=[sys.executable, "game.py"], args=["--port", "0"])
    assert "wszero is running game.py." in program.stdout

    op, values = first_op(source)
    with program.client() as client:
        # Sent as a request, it gets a reply once its handler has finished,
        # after everything the handler sent: a fair place to stop looking.
        client.send(op, **values, **{"wszero:id": 1})
        got = [client.recv()]
        while got[-1].get("id") != 1:
            got.append(client.recv())
    assert got[-1]["op"] == "wszero:reply", f"the '{op}' message got an error: {got[-1]}"
    assert [msg for msg in got if not msg["op"].startswith("wszero:")], f"nothing answered the '{op}' message"
    assert program.stop() == 0
    assert "Traceback" not in program.stderr and "Oops!" not in program.stderr, program.stderr


def test_the_chat_page_in_the_readme_is_the_chat_examples_page():
    with open(README_PATH, encoding="utf-8") as f:
        readme = f.read()
    start = readme.index("This is the whole chat example (`examples/chat/index.html`):")
    shown = re.compile(r"```html\n(.*?)```", re.S).search(readme, start).group(1)
    with open(os.path.join(ROOT, "examples", "chat", "index.html"), encoding="utf-8") as f:
        assert shown.strip() == f.read().strip()


def readme_block(containing):
    """The only ```python block of the README that contains `containing`."""
    blocks = [source for _, source in python_blocks() if containing in source]
    assert len(blocks) == 1, f"one block should contain {containing!r}"
    return blocks[0]


def test_the_teachers_pytest_file_in_the_readme_passes_for_each_chat_in_the_folder(tmp_path):
    source = readme_block("CHATS = sorted(glob.glob('chats/*.py'))")
    assert source.startswith(TEST_FILE)
    (tmp_path / "test_chat.py").write_text(source, encoding="utf-8")
    (tmp_path / "chats").mkdir()
    for student in ("ada", "bob"):
        shutil.copy(os.path.join(EXAMPLES, "chat", "chat.py"), tmp_path / "chats" / f"{student}.py")
    done = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test_chat.py"],
                          cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=DEADLINE * 2)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_a_message_reaches_everyone[chats/ada.py] PASSED" in done.stdout
    assert "6 passed" in done.stdout


def test_the_quiz_test_in_the_readme_passes_for_the_quiz_example(monkeypatch):
    source = readme_block("TestClient('quiz.py')")
    names = {}
    exec("from wszero import TestClient\n" + source, names)
    monkeypatch.chdir(os.path.join(EXAMPLES, "quiz"))
    tests = [value for name, value in names.items() if name.startswith("test_")]
    assert len(tests) == 1
    tests[0]()


# -- the teachers' guide ---------------------------------------------------------------------------

GUIDE_PATH = os.path.join(ROOT, "docs", "teachers.md")


def lesson_files():
    """(lesson, folder, file name, code shown) for each file a lesson of the teachers' guide shows.

    A lesson names its example (`examples/chat`) before its files, and shows
    each file as a line "`chat.py`...:" followed by a code block.
    """
    with open(GUIDE_PATH, encoding="utf-8") as f:
        guide = f.read()
    shown = []
    for lesson in re.split(r"^### ", guide, flags=re.M):
        if not lesson.startswith("Lesson "):
            continue
        lesson = re.split(r"^## ", lesson, flags=re.M)[0]  # the last lesson ends where section 6 starts
        title = lesson.split("\n", 1)[0]
        folder = re.search(r"`examples/(\w+)`", lesson).group(1)
        for name, code in re.findall(r"^`([\w.]+)`[^\n]*:\n\n```\w*\n(.*?)^```", lesson, re.S | re.M):
            shown.append((title, folder, name, code))
    return shown


def test_the_guide_has_three_lessons_that_show_every_file_of_their_example():
    lessons = {}
    for title, folder, name, _ in lesson_files():
        lessons.setdefault((title, folder), []).append(name)
    assert sorted(lessons) == [
        ("Lesson 1: a class chat", "chat"), ("Lesson 2: a team quiz", "quiz"), ("Lesson 3: an arena", "arena")]
    for (title, folder), names in lessons.items():
        assert sorted(names) == sorted(os.listdir(os.path.join(EXAMPLES, folder))), title


@pytest.mark.parametrize("title, folder, name, code", [pytest.param(*shown, id=f"{shown[1]}/{shown[2]}")
                                                       for shown in lesson_files()])
def test_each_file_a_lesson_shows_is_the_examples_file(title, folder, name, code):
    # Pupils type what the guide shows, and the teacher runs the example: they must be the same.
    with open(os.path.join(EXAMPLES, folder, name), encoding="utf-8") as f:
        assert code.strip() == f.read().strip(), f"{title}: {name} is not examples/{folder}/{name}"
