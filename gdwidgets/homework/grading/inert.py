"""Student text made inert before it reaches the teacher: on the terminal, in Markdown
feedback, in file names that are not valid UTF-8."""

from __future__ import annotations

import html
import os
import re
import unicodedata

__all__ = ["code_block", "markdown", "quoted", "shown", "visible"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+!|~>-])")


def shown(name: str | os.PathLike[str]) -> str:
    """A file name as text: bytes that are not UTF-8 written as ``\\xff``, control
    characters escaped (never a UnicodeEncodeError, never a terminal code)."""
    text = os.fspath(name)
    if isinstance(text, bytes):
        raw = text
    else:
        raw = text.encode("utf-8", "surrogateescape")
    return visible(raw.decode("utf-8", "backslashreplace"))


def visible(text: str, keep_newlines: bool = False) -> str:
    """``text`` with every control, format (bidi, zero-width) and line-separator
    character written as an escape (``\\x1b``, ``\\u202e``)."""
    out = []
    for ch in str(text):
        if keep_newlines and ch == "\n":
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def quoted(text: str) -> str:
    """Student text for the terminal report: one line, escaped, in double quotes."""
    return '"' + visible(str(text)).replace('"', '\\"') + '"'


def markdown(text: str) -> str:
    """Text for a Markdown line: no HTML, no link or emphasis, no control characters."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(visible(str(text)), quote=True))


def code_block(text: str) -> list[str]:
    """Lines of a fenced code block holding ``text`` verbatim (a fence longer than any run
    of backticks inside, so the text cannot close it); Markdown shows HTML there as text."""
    body = visible(str(text), keep_newlines=True)
    longest = max((len(m) for m in re.findall(r"`+|~+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + "text", *body.splitlines(), fence]

