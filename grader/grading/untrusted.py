"""Text that came from students, made safe wherever people read it.

Exception messages, printed output, returned values shown as evidence and submission folder
names are the students' to choose. The judge enforces every limit on them itself (a worker's own
truncation is a suggestion: its reply may be forged), and every writer escapes them for what it
writes: ``cap`` for what is stored or shown at all, ``terminal``/``terminal_line`` for a
terminal, ``csv_cell`` for a spreadsheet, ``markdown_line`` for Markdown rendered as HTML.
"""

from __future__ import annotations

import re

TEXT_LIMIT = 16_000   # characters of one feedback or evidence text: an honest one seldom passes a few thousand
LINE_LIMIT = 1_000    # characters of a one-line text: a name, a title, a path, an id


def cap(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` as UTF-8 can write it (a lone surrogate becomes ``?``), at most about ``limit``
    characters: a longer one keeps its start and its end (where feedback says what to change) and
    says plainly what was cut in between: ``… (cut: 31 MB in all) …``."""
    text = encodable(str(text))
    if len(text) <= limit:
        return text
    size, tail = _size_of(text), limit // 5
    return f"{text[:limit - tail]}\n… (cut: {size} in all) …\n{text[-tail:]}"


def cap_line(text: str, limit: int = LINE_LIMIT) -> str:
    """A one-line text (a name, a title), capped: ``…`` and what was cut at the end."""
    text = encodable(str(text))
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (cut: {_size_of(text)} in all)"


_CUT = re.compile(r"… \(cut: ([0-9]+ (?:MB|KB|bytes)) in all\)\s*$")


def _size_of(text: str) -> str:
    """How big ``text`` was: its UTF-8 size, or the figure it ends with when it was cut already (by
    ``grader.isolation.wire``, from what a worker sent)."""
    earlier = _CUT.search(text[-100:])
    return earlier.group(1) if earlier else _size(len(text.encode("utf-8")))


def encodable(text: str) -> str:
    """``text`` with each lone surrogate (which JSON and file names can carry, and no UTF-8 writer,
    sqlite included, accepts) replaced by ``?``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _size(nbytes: int) -> str:
    if nbytes >= 1 << 20:
        return f"{nbytes / (1 << 20):.0f} MB"
    if nbytes >= 1 << 10:
        return f"{nbytes / (1 << 10):.0f} KB"
    return f"{nbytes} bytes"


# Control characters (C0 but newline and tab, DEL, C1: ESC starts cursor moves, window titles and
# clipboard writes; a bare CR or backspace overwrites a line) and the bidirectional overrides and
# isolates that make text read other than it is stored.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """``text`` for a terminal: every control character but newline and tab shown as its escape
    (``\\x1b``), never sent; lone surrogates replaced."""
    return _CONTROL.sub(_visible, encodable(str(text)))


def terminal_line(text: str) -> str:
    """``terminal`` for a text that must stay on one line (a student's name in a list, the
    progress line): newlines and tabs are shown as escapes too."""
    return _CONTROL_LINE.sub(_visible, encodable(str(text)))


# A cell that starts with one of these is a formula to Excel, LibreOffice and Google Sheets (OWASP's
# "CSV Injection"; a tab or CR in front, which hides the sign from a reader that strips it, is shown
# as an escape here, and spaces in front are looked through).
FORMULA_START = ("=", "+", "-", "@")


def csv_cell(text: str) -> str:
    """A text cell of a CSV file that a spreadsheet (or ``cat``) will show: control characters shown as
    escapes (``terminal_line``), and one that starts like a formula gets a leading ``'``, which
    spreadsheets show as text. Only for text: scores (``-1.5``) are numbers, written as they are; a
    name that merely looks like one (``-1.5``) is quoted, and stays text."""
    text = terminal_line(text)
    if text.lstrip(" ").startswith(FORMULA_START):
        return "'" + text
    return text


# What could make a line of words into markup: code, emphasis, links and images, table cells (a
# backslash escapes each, as CommonMark allows for any punctuation); and HTML's specials (entities).
_MARKDOWN = re.compile(r"([\\`*\[\]|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def markdown_line(text: str) -> str:
    """``text`` as literal words within a line of Markdown: no raw HTML, no link or image, no code or
    emphasis, no new line (controls shown as escapes). Not for the start of a line, where ``#``
    or ``-`` would count."""
    text = terminal_line(text)
    text = _MARKDOWN.sub(r"\\\1", text)
    return "".join(_HTML.get(c, c) for c in text)


def markdown_code(text: str) -> str:
    """``text`` as inline code on one line (a file's path): a code span no backtick in it can close."""
    text = terminal_line(text)
    ticks = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"
