"""Count the characters a child types for a program: Python plus HTML.

Blank lines, the spaces that indent a line (an editor makes those), spaces at
the end of a line and line breaks don't count.  Give the files, or a folder to
count every .py, .html, .css and .js file in it:

    python benchmarks/count_chars.py examples/chat
"""

import os
import sys

KINDS = (".py", ".html", ".css", ".js")


def typed(text):
    """The characters of `text` a person types: each line without its indentation."""
    return sum(len(line.strip()) for line in text.splitlines())


def files_in(paths):
    for path in paths:
        if os.path.isdir(path):
            yield from sorted(os.path.join(path, name) for name in os.listdir(path) if name.endswith(KINDS))
        else:
            yield path


def main(paths):
    total = 0
    for path in files_in(paths):
        with open(path, encoding="utf-8") as f:
            count = typed(f.read())
        print(f"{count:6}  {os.path.relpath(path)}")
        total += count
    print(f"{total:6}  total")
    return total


if __name__ == "__main__":
    main(sys.argv[1:] or [os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "chat")])
