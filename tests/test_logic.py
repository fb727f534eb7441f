"""wszero's pure logic, tested directly: no sockets, no processes, no threads.

Registering handlers, reading a browser's message, encoding a reply, choosing
which file a URL may see and cutting a traceback down to the child's own
lines are plain functions.  Their words are part of the product, so every
sentence is written out in full here: changing one is a deliberate act.

Handlers are written into a small program file (chat.py) in a temporary
folder, so the messages name "chat.py, line N" exactly as a child would see.
"""

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
        "The 'chat' message needs a value for 'text'. The handler is chat(client, text, color='blue').")


def test_several_missing_values_are_named_in_the_handlers_order(handlers):
    assert mistake('{"op": "move"}', handlers) == (
        "The 'move' message needs values for 'x' and 'y'. The handler is move(client, x, y).")


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


def test_page_errors_are_read_by_wszeros_own_handler(handlers):
    handler, params, _ = wszero.read_message(
        '{"op": "wszero:page-error", "message": "oops", "where": "index.html, line 3"}', handlers)
    assert handler is wszero.BUILT_IN["wszero:page-error"]
    assert params == {"message": "oops", "where": "index.html, line 3"}


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


def test_encode_names_a_value_hidden_inside_a_list():
    with pytest.raises(TypeError) as problem:
        wszero.encode("chat", {"ok": 1, "things": [1, b"bytes"]})
    assert str(problem.value) == (
        "send() can only send text, numbers, True/False, None, lists and dicts, but 'things' was [1, b'bytes'].")


def test_encode_refuses_nan():
    with pytest.raises(TypeError) as problem:
        wszero.encode("score", {"points": float("nan")})
    assert str(problem.value) == (
        "send() can't send 'points': it was nan, which isn't a number a browser understands.")


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
    class Server:
        loop = None
        failed = None

        def handler_failed(self, client, handler, exc, reply_id):
            self.failed = exc

    server = Server()
    client = types.SimpleNamespace(_held=None, _handled=0, _reading=None)
    wszero.Game(server)._handle((client, wszero.Handler(func.__name__, func), params, None))
    assert server.failed is not None, "the handler did not fail"
    return server.failed


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
