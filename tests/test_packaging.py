"""Getting wszero with pip: the sdist and the wheel build, install in a fresh venv, and run.

The build runs `python -m build` on a copy of this checkout, as a release
does.  Nothing is downloaded: pip runs with --no-index and takes setuptools
and websockets from the wheels tests/setup.sh saved in .wheels.  The fresh
venv has only pip in it, and runs from a folder with no wszero.py, with no
PYTHON* variables, so the wszero it runs is the installed one.
"""

import email.parser
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile

import pytest

import wszero
from conftest import DEADLINE, ROOT, Program

WHEELS = os.path.join(ROOT, ".wheels")
VERSION = wszero.__version__

PING = textwrap.dedent("""\
    from wszero import *

    @on('ping')
    def ping(client):
        client.send('pong', version=1)

    run_server()
    """)


def offline_environment():
    """No PYTHON* variables, and a pip that only looks in .wheels."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=WHEELS, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    return env


def checked(command, cwd, timeout=DEADLINE * 8):
    done = subprocess.run(command, cwd=cwd, env=offline_environment(), capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def checkout_copy(target):
    """The files of this checkout that git knows or would add (not .venv310, .wheels, build output)."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, names):
        source = os.path.join(ROOT, name)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(os.path.join(target, name)), exist_ok=True)
            shutil.copy2(source, os.path.join(target, name))
    return target


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """{"sdist": path, "wheel": path}, made by `python -m build` (the wheel is built from the sdist)."""
    assert os.path.isdir(WHEELS), "the wheels are missing: run bash tests/setup.sh"
    work = tmp_path_factory.mktemp("build")
    source = checkout_copy(str(work / "wszero"))
    out = str(work / "dist")
    checked([sys.executable, "-m", "build", "--outdir", out, source], cwd=str(work))
    files = sorted(os.listdir(out))
    return {"files": files, "sdist": os.path.join(out, f"wszero-{VERSION}.tar.gz"),
            "wheel": os.path.join(out, f"wszero-{VERSION}-py3-none-any.whl")}


def metadata(wheel):
    with zipfile.ZipFile(wheel) as z:
        return email.parser.Parser().parsestr(z.read(f"wszero-{VERSION}.dist-info/METADATA").decode())


# The ways a teacher can install it: from the wheel or the sdist, and with
# websockets 16 on a Python that could have 17.
INSTALLS = {"wheel": ("wheel", []), "sdist": ("sdist", []), "wheel with websockets 16": ("wheel", ["websockets<17"])}


@pytest.fixture(scope="module", params=list(INSTALLS))
def installed(request, built, tmp_path_factory):
    """(python of a fresh venv with wszero pip-installed, an empty folder to run it from)."""
    kind, extra = INSTALLS[request.param]
    work = tmp_path_factory.mktemp("venv")
    venv = str(work / "venv")
    checked([sys.executable, "-m", "venv", venv], cwd=str(work))
    python = os.path.join(venv, "bin", "python")
    checked([python, "-m", "pip", "install", "-q", built[kind], *extra], cwd=str(work))
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    return python, str(elsewhere)


# -- building ---------------------------------------------------------------------------


def test_build_makes_one_sdist_and_one_wheel_for_every_python(built):
    assert built["files"] == [f"wszero-{VERSION}-py3-none-any.whl", f"wszero-{VERSION}.tar.gz"]


def test_wheel_holds_wszero_py_its_licence_and_the_wszero_command(built):
    with zipfile.ZipFile(built["wheel"]) as z:
        names = set(z.namelist())
        entry_points = z.read(f"wszero-{VERSION}.dist-info/entry_points.txt").decode()
    assert {"wszero.py", f"wszero-{VERSION}.dist-info/licenses/LICENSE"} <= names
    assert [n for n in names if not n.startswith(f"wszero-{VERSION}.dist-info/")] == ["wszero.py"]
    assert "[console_scripts]\nwszero = wszero:main\n" in entry_points


def test_sdist_holds_everything_the_wheel_is_built_from(built):
    with tarfile.open(built["sdist"]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"wszero.py", "pyproject.toml", "README.md", "LICENSE"} <= names


def test_metadata_says_which_python_and_websockets_wszero_needs(built):
    meta = metadata(built["wheel"])
    assert meta["Requires-Python"] == ">=3.10"
    assert meta.get_all("Requires-Dist")[:2] == [
        'websockets<17,>=16; python_version < "3.11"',
        'websockets<18,>=16; python_version >= "3.11"']


def test_metadata_names_the_licence_and_the_pythons_and_who_it_is_for(built):
    meta = metadata(built["wheel"])
    assert (meta["Name"], meta["Version"], meta["License-Expression"]) == ("wszero", VERSION, "MIT")
    assert meta["Summary"] == "Zero-boilerplate websockets for Python, simple enough for a 10-year-old"
    classifiers = meta.get_all("Classifier")
    for needed in ["Intended Audience :: Education", "Topic :: Education",
                   "Programming Language :: Python :: 3.10", "Programming Language :: Python :: 3.11",
                   "Programming Language :: Python :: 3.12", "Programming Language :: Python :: 3.13"]:
        assert needed in classifiers


def test_the_long_description_is_the_readme_marked_as_markdown(built):
    meta = metadata(built["wheel"])
    assert meta["Description-Content-Type"] == "text/markdown"
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        assert meta.get_payload() == f.read()


# -- installing in a fresh venv -----------------------------------------------------------


def test_the_installed_wszero_is_the_one_that_is_imported(installed):
    python, elsewhere = installed
    where = checked([python, "-c", "import wszero; print(wszero.__file__)"], cwd=elsewhere).strip()
    assert where.startswith(os.path.dirname(os.path.dirname(python)))


def test_pip_brings_a_websockets_that_wszero_supports(installed):
    python, elsewhere = installed
    major = int(checked([python, "-c", "import websockets; print(websockets.__version__)"],
                        cwd=elsewhere).split(".")[0])
    assert major in ((16,) if sys.version_info < (3, 11) else (16, 17))


def test_python_m_wszero_runs_a_program_after_pip_install(installed, tmp_path):
    python, _ = installed
    (tmp_path / "app.py").write_text(PING)
    program = Program(str(tmp_path / "app.py"), command=[python, "-m", "wszero", "app.py", "--port", "0"],
                      env=offline_environment(), cwd=str(tmp_path)).started()
    try:
        with program.client() as client:
            client.send("ping")
            assert client.recv_op("pong") == {"op": "pong", "version": 1}
    finally:
        assert program.stop() == 0


def test_the_wszero_command_shows_how_to_run_a_program(installed):
    python, elsewhere = installed
    command = os.path.join(os.path.dirname(python), "wszero")
    assert checked([command, "--help"], cwd=elsewhere) == wszero.say.usage() + "\n"
