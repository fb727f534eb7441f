"""Build one-file wszero programs (zipapps) that run on a Python with nothing installed.

    python build_zipapp.py            makes dist/wszero.pyz, the runner on its own:
                                          python wszero.pyz app.py [--port N] [--open] [--window] [--no-reload]
    python build_zipapp.py mygame/    makes dist/mygame.pyz from a folder (its main.py, or its only .py)
    python build_zipapp.py pong.py    makes dist/pong.pyz from a program and the files in its folder
                                          python mygame.pyz [--port N] [--open] [--window]
    --out DIR                         puts the bundle in DIR instead of dist/
    --out game.pyz                    writes the bundle as game.pyz

Why: a child can hand their game to a friend as one file, and a classroom
computer needs no pip install to run it.  Python runs a zip file whose
__main__.py is at the top, and wszero serves pages and assets straight out
of the zip.  A bundle holds:

    __main__.py   checks the Python version, in syntax that even old Pythons
                  read, then starts wszero's runner
    wszero.py     the wszero next to this script
    websockets/   a pure-Python copy of the installed websockets, without the
                  parts wszero's server never uses (C speedups can't load
                  from a zip anyway)
    program/      a game's bundle only: the program, its pages and assets

A bundle runs on every Python its copy of websockets runs on, and says which
Python it needs on an older one: built with websockets 16, it runs on Python
3.10 and newer; built with websockets 17, on 3.11 and newer.  build_zipapp.py
refuses any other websockets (Debian's 10.4, say), and says how to get one.

pywebview (for --window) can't run from inside a zip, so --window works where
pywebview is installed in the Python that runs the bundle.
"""

import argparse
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import wszero  # noqa: E402  (the one next to this script: it goes in the bundle)

#: The oldest Python that wszero runs on.
WSZERO_NEEDS = (3, 10)
#: The versions of websockets wszero runs with, and the oldest Python each one runs on.
WEBSOCKETS_NEED = {16: (3, 10), 17: (3, 11)}

#: Parts of websockets that wszero's server never loads: the C speedups, the
#: old and the other APIs, the client side, the command line, type hints.
WEBSOCKETS_LEFT_OUT = ("speedups.", "legacy/", "sync/", "trio/", "cli.py", "__main__.py",
                       "client.py", "asyncio/client.py", "asyncio/router.py", "auth.py",
                       "proxy.py", "uri.py", "connection.py", "py.typed")

MAIN = '''\
# -*- coding: utf-8 -*-
# Made by build_zipapp.py: runs {what} with wszero.
# Written in syntax that old Pythons can read, so they can say which version is needed.
import os
import sys

NEEDED = {needed!r}
TOO_OLD = {too_old!r}


def version_problem(version):
    """The sentence to show on a Python too old for this bundle, or None if it is new enough."""
    if tuple(version[:2]) >= NEEDED:
        return None
    return TOO_OLD.replace("{{running}}", "%d.%d" % tuple(version[:2]))


def run():
    problem = version_problem(sys.version_info)
    if problem:
        sys.stderr.write(problem + "\\n")
        sys.exit(1)
    import wszero
    wszero.main({argv})


if __name__ == "__main__":
    run()
'''


# -- Words a person reads ----------------------------------------------------------


def built(target, size, program, needed):
    run = f"python {target}" + ("" if program else " app.py")
    return (f"Built {target}: {size / 1024:.0f} KB, all in one file, for Python {_dotted(needed)} or newer. "
            f"Run it with:  {run}")


def cannot_bundle(found, args):
    """What to do when this Python's websockets can't go in a bundle (found: its version, or None)."""
    have = f"this Python has websockets {found}" if found else "this Python has no websockets"
    python, venv_python = ("py", r"venv\Scripts\python") if os.name == "nt" else ("python3", "venv/bin/python")
    return (f"A bundle needs websockets 16 or 17 inside it, but {have}.\n"
            f"Make a venv with its own websockets, and build from there:\n"
            f"    {python} -m venv venv\n"
            f'    {venv_python} -m pip install "websockets>=16,<18"\n'
            f"    {venv_python} {' '.join(['build_zipapp.py', *args])}")


def _dotted(version):
    return ".".join(map(str, version))


# -- Which websockets goes in, and which Pythons the bundle accepts -------------------


def python_needed(websockets_version):
    """The oldest Python a bundle carrying this websockets runs on, or None if it can't carry it."""
    try:
        major = int(websockets_version.split(".")[0])
    except ValueError:
        return None
    if major not in WEBSOCKETS_NEED:
        return None
    return max(WSZERO_NEEDS, WEBSOCKETS_NEED[major])


# -- What goes in a bundle ----------------------------------------------------------


def bundled_websockets(args=()):
    """(version, folder) of this Python's websockets, if a bundle can carry it; else WszeroError.

    args are build_zipapp.py's own, to repeat in the advice.
    """
    try:
        import websockets
    except ImportError:
        raise wszero.WszeroError(cannot_bundle(None, args)) from None
    version = getattr(websockets, "__version__", "")
    if python_needed(version) is None:
        raise wszero.WszeroError(cannot_bundle(version or "of an unknown version", args))
    return version, os.path.dirname(websockets.__file__)


def websockets_files(package):
    """(name in the bundle, file on disk) for the parts of websockets a server uses."""
    for top, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            inside = os.path.relpath(os.path.join(top, name), package).replace(os.sep, "/")
            if not inside.startswith(WEBSOCKETS_LEFT_OUT) and name.endswith(".py"):
                yield "websockets/" + inside, os.path.join(top, name)


def program_files(folder, out):
    """(name in the bundle, file on disk) for everything in a program's folder.

    That is its pages, assets and .py files (a game may import its own
    modules), but never dotfiles, __pycache__, bundles, Windows' desktop.ini
    and Thumbs.db, or the folder the bundle is written to.
    """
    out = os.path.realpath(out)
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                         and os.path.realpath(os.path.join(top, d)) != out)
        for name in sorted(files):
            if name.startswith(".") or name.endswith((".pyc", ".pyo", ".pyz")) or name.lower() in WINDOWS_EXTRAS:
                continue
            if top == folder and name == "wszero.py":
                continue  # a copy of wszero next to the program: the bundle has its own
            inside = os.path.relpath(os.path.join(top, name), folder).replace(os.sep, "/")
            yield "program/" + inside, os.path.join(top, name)


#: Files Windows Explorer leaves in folders by itself; they are never the game's.
WINDOWS_EXTRAS = ("desktop.ini", "thumbs.db")


def main_py(program, needed):
    """The bundle's __main__.py: run the program inside it, or any program named on the command line.

    It refuses Pythons older than ``needed``, in syntax they can read.
    """
    if program:
        what = os.path.basename(program)
        argv = f'[os.path.join(os.path.dirname(os.path.abspath(__file__)), "program", {what!r})] + sys.argv[1:]'
    else:
        what, argv = "the program named on the command line", ""  # main() reads sys.argv
    return MAIN.format(what=what, needed=needed, argv=argv,
                       too_old=wszero.say.python_too_old(_dotted(needed), "{running}"))


def build(path=None, out="dist", args=()):
    """Write the bundle for a program (a folder or a .py file), or the runner for path=None.

    Returns the bundle's path and the oldest Python it runs on.
    """
    version, package = bundled_websockets(args)
    needed = python_needed(version)
    files = [("wszero.py", os.path.join(HERE, "wszero.py")), *websockets_files(package)]
    program = None
    name = "wszero"
    if path is not None:
        program = wszero.find_program(path)
        folder = os.path.dirname(os.path.abspath(program))
        files += program_files(folder, out)
        if os.path.isdir(path):
            name = os.path.basename(os.path.abspath(path))  # "mygame/" and "." name the folder
        else:
            name = os.path.splitext(os.path.basename(path))[0]
    if out.endswith(".pyz"):  # "--out chat.pyz" names the file itself, not a folder to make
        target = out
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    else:
        os.makedirs(out, exist_ok=True)
        target = os.path.join(out, name + ".pyz")
    with open(target, "wb") as bundle:
        bundle.write(b"#!/usr/bin/env python3\n")  # so "./mygame.pyz" runs too, where that works
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            z.writestr("__main__.py", main_py(program, needed))
            for inside, on_disk in files:
                z.write(on_disk, inside)
    os.chmod(target, 0o755)
    return target, needed


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build a one-file wszero program (a .pyz).")
    parser.add_argument("program", nargs="?", help="a program's folder or .py file (leave out for the runner)")
    parser.add_argument("--out", default="dist", help="the folder to write the bundle in (normally dist), or the bundle's own name, like game.pyz")
    args = sys.argv[1:] if argv is None else argv
    options = parser.parse_args(args)
    try:
        target, needed = build(options.program, options.out, args)
    except wszero.WszeroError as problem:
        print(problem, file=sys.stderr)
        raise SystemExit(1)
    print(built(target, os.path.getsize(target), options.program, needed))


if __name__ == "__main__":
    main()
