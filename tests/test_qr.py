"""The start-up screen's QR code scans: checked with a real decoder (zxing-cpp).

The terminal lines are drawn into a picture the way a terminal would draw
them, with the colours of a dark theme and of a light theme around them, and
the decoder must read the address back from both.
"""

import re

import pytest
import zxingcpp
from PIL import Image

import wszero

ADDRESSES = ["http://192.168.1.23:8000", "http://10.0.0.5:8123", "http://172.16.254.254:65535",
             "A", "http://a-rather-long-host-name.school.example:8000/" + "x" * 40]

# Terminal themes as (default text, default page, colour 30 "black", colour 107 "bright white").
DARK_THEME = ((204, 204, 204), (30, 30, 30), (46, 52, 54), (238, 238, 236))    # GNOME's Tango dark
LIGHT_THEME = ((0, 0, 0), (255, 255, 255), (0, 0, 0), (229, 229, 229))         # macOS Terminal's Basic
IDLE_THEME = ((0, 0, 0), (255, 255, 255), None, None)                          # IDLE: no colour codes
SGR = re.compile(r"\x1b\[([\d;]*)m")


def to_image(matrix, scale=8, quiet=4):
    """Black on white, 8 pixels a module, with a white border."""
    n = len(matrix) + 2 * quiet
    image = Image.new("L", (n, n), 255)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                image.putpixel((c + quiet, r + quiet), 0)
    return image.resize((n * scale, n * scale), Image.NEAREST)


def decode(image):
    """The text of the one QR code in the picture.  Like many phones, it doesn't try inverted codes."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False)
    assert len(found) == 1, "the decoder found no QR code"
    return found[0].text


def read(matrix):
    return decode(to_image(matrix))


def draw_terminal(lines, theme, margin=3, scale=6):
    """A picture of the lines as a terminal shows them: each cell is two squares, upper and lower.

    The terminal's own page colour fills a margin around them, and cells
    keep the theme's colours until a colour code changes them.
    """
    text, page, black, bright_white = theme
    width = max(len(SGR.sub("", line)) for line in lines) + 2 * margin
    height = 2 * (len(lines) + 2 * margin)
    image = Image.new("RGB", (width, height), page)
    for row, line in enumerate(lines):
        ink, paper, column = text, page, margin
        for piece in re.split(r"(\x1b\[[\d;]*m)", line):
            code = SGR.fullmatch(piece)
            if code:
                for number in code.group(1).split(";"):
                    ink = {"0": text, "30": black}.get(number, ink)
                    paper = {"0": page, "107": bright_white}.get(number, paper)
                continue
            for ch in piece:
                top, bottom = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}[ch]
                y = 2 * (row + margin)
                image.putpixel((column, y), ink if top else paper)
                image.putpixel((column, y + 1), ink if bottom else paper)
                column += 1
    return image.resize((width * scale, height * scale), Image.NEAREST)


@pytest.mark.parametrize("text", ADDRESSES)
def test_qr_code_of_an_address_scans_back_to_it(text):
    assert read(wszero.qr_matrix(text)) == text


@pytest.mark.parametrize("theme", [DARK_THEME, LIGHT_THEME], ids=["dark", "light"])
@pytest.mark.parametrize("text", ADDRESSES[:3])
def test_the_drawn_qr_code_scans_on_dark_and_light_terminals_alike(text, theme):
    assert decode(draw_terminal(wszero.qr_lines(text), theme)) == text


def test_without_colours_the_drawn_qr_code_is_inverted_on_a_dark_terminal_and_does_not_scan():
    lines = wszero.qr_lines("http://192.168.1.23:8000", colours=False)
    assert zxingcpp.read_barcodes(draw_terminal(lines, DARK_THEME), try_invert=False) == []


def test_without_colours_the_drawn_qr_code_scans_on_idles_light_page():
    text = "http://192.168.1.23:8000"
    assert decode(draw_terminal(wszero.qr_lines(text, colours=False), IDLE_THEME)) == text


def test_each_line_sets_black_on_bright_white_and_resets_at_its_end():
    for line in wszero.qr_lines("http://192.168.1.23:8000"):
        assert line.startswith("\x1b[30;107m") and line.endswith("\x1b[0m")
        assert "\x1b" not in line[len("\x1b[30;107m"):-len("\x1b[0m")]


def lines_to_matrix(lines):
    """Undo qr_lines(colours=False): two module rows per line, dark modules drawn."""
    top = {" ": False, "▄": False, "▀": True, "█": True}
    bottom = {" ": False, "▄": True, "▀": False, "█": True}
    rows = []
    for line in lines:
        rows.append([top[ch] for ch in line])
        rows.append([bottom[ch] for ch in line])
    return rows[:len(lines[0])]  # the code and its quiet zone are square; the last half-row is padding


def test_terminal_drawing_shows_exactly_the_qr_code_with_a_4_module_quiet_zone():
    text = "http://192.168.1.23:8000"
    rows = lines_to_matrix(wszero.qr_lines(text, colours=False))
    assert [row[4:-4] for row in rows[4:-4]] == wszero.qr_matrix(text)
    quiet = rows[:4] + rows[-4:] + [row[:4] + row[-4:] for row in rows]
    assert not any(any(row) for row in quiet), "the quiet zone isn't light"


def test_coloured_lines_draw_the_same_modules_as_plain_ones():
    text = "http://10.0.0.5:8123"
    assert [SGR.sub("", line) for line in wszero.qr_lines(text)] == wszero.qr_lines(text, colours=False)


def test_an_address_too_long_for_a_small_qr_code_is_refused():
    with pytest.raises(ValueError):
        wszero.qr_matrix("x" * 107)


class Pipe:
    encoding = "utf-8"

    def isatty(self):
        return False


class OldTerminal(Pipe):
    encoding = "ascii"

    def isatty(self):
        return True


class Terminal(Pipe):
    def isatty(self):
        return True


def test_qr_code_is_shown_only_on_a_terminal_that_can_draw_it(monkeypatch):
    monkeypatch.setenv("TERM", "xterm-256color")
    assert not wszero.terminal_can_show_qr(Pipe())
    assert not wszero.terminal_can_show_qr(OldTerminal())
    assert wszero.terminal_can_show_qr(Terminal())


def test_no_qr_code_on_a_dumb_terminal(monkeypatch):
    monkeypatch.setenv("TERM", "dumb")
    assert not wszero.terminal_can_show_qr(Terminal())
