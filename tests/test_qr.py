"""The start-up screen's QR code scans: checked with a real decoder (zxing-cpp)."""

import pytest
import zxingcpp
from PIL import Image

import wszero

ADDRESSES = ["http://192.168.1.23:8000", "http://10.0.0.5:8123", "http://172.16.254.254:65535",
             "A", "http://a-rather-long-host-name.school.example:8000/" + "x" * 40]


def to_image(matrix, scale=8, quiet=4):
    """Black on white, 8 pixels a module, with a white border."""
    n = len(matrix) + 2 * quiet
    image = Image.new("L", (n, n), 255)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                image.putpixel((c + quiet, r + quiet), 0)
    return image.resize((n * scale, n * scale), Image.NEAREST)


def read(matrix):
    found = zxingcpp.read_barcodes(to_image(matrix), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, "the decoder found no QR code"
    return found[0].text


@pytest.mark.parametrize("text", ADDRESSES)
def test_qr_code_of_an_address_scans_back_to_it(text):
    assert read(wszero.qr_matrix(text)) == text


def lines_to_matrix(lines, invert):
    """Undo qr_lines: two module rows per line, painted modules are light unless inverted."""
    top = {" ": False, "▄": False, "▀": True, "█": True}
    bottom = {" ": False, "▄": True, "▀": False, "█": True}
    rows = []
    for line in lines:
        rows.append([top[ch] for ch in line])
        rows.append([bottom[ch] for ch in line])
    return [[painted == invert for painted in row[2:-2]] for row in rows[2:len(lines[0]) - 2]]


@pytest.mark.parametrize("invert", [False, True])
def test_terminal_drawing_shows_exactly_the_qr_code(invert):
    text = "http://192.168.1.23:8000"
    assert lines_to_matrix(wszero.qr_lines(text, invert), invert) == wszero.qr_matrix(text)


def test_an_address_too_long_for_a_small_qr_code_is_refused():
    with pytest.raises(ValueError):
        wszero.qr_matrix("x" * 107)


def test_qr_code_is_shown_only_on_a_terminal_that_can_draw_it():
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

    assert not wszero.terminal_can_show_qr(Pipe())
    assert not wszero.terminal_can_show_qr(OldTerminal())
    assert wszero.terminal_can_show_qr(Terminal())
