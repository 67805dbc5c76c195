"""A Markdown page read as GitHub renders it, for the tests that keep the docs true: its
headings and their anchors, its links, its tables and its prose (fenced code left out)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# An inline link or image: [text](target) or [text](target "title").
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"`+([^`]+)`+")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: its text without markup, lower-cased, every
    character but letters, digits, spaces, hyphens and underscores dropped, spaces as
    hyphens (repeats get -1, -2, ... from `Page.anchors`)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "").lower()
    text = "".join(char for char in text if char.isalnum() or char in " -_")
    return text.replace(" ", "-")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class Page:
    """One Markdown file of the repository."""

    path: Path

    @cached_property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @cached_property
    def prose_lines(self) -> list[tuple[int, str]]:
        """(line number, line) outside fenced code blocks and HTML comments."""
        lines: list[tuple[int, str]] = []
        fenced = False
        text = HTML_COMMENT.sub(lambda match: "\n" * match.group().count("\n"), self.text)
        for number, line in enumerate(text.splitlines(), start=1):
            if FENCE.match(line):
                fenced = not fenced
                continue
            if not fenced:
                lines.append((number, line))
        return lines

    @cached_property
    def headings(self) -> list[Heading]:
        found = []
        for number, line in self.prose_lines:
            if match := HEADING.match(line):
                found.append(Heading(len(match.group(1)), match.group(2), number))
        return found

    @cached_property
    def anchors(self) -> set[str]:
        """Every #anchor a link may name on this page, as GitHub numbers repeats."""
        seen: dict[str, int] = {}
        anchors = set()
        for heading in self.headings:
            anchor = github_anchor(heading.text)
            if anchor in seen:
                seen[anchor] += 1
                anchor = f"{anchor}-{seen[anchor]}"
            else:
                seen[anchor] = 0
            anchors.add(anchor)
        return anchors

    @cached_property
    def links(self) -> list[tuple[int, str]]:
        """(line number, target) of every inline link in the prose."""
        return [
            (number, target)
            for number, line in self.prose_lines
            for target in LINK.findall(INLINE_CODE.sub("", line))
        ]

    @cached_property
    def code_spans(self) -> list[tuple[int, str]]:
        """(line number, text) of every `inline code` span in the prose."""
        return [
            (number, span)
            for number, line in self.prose_lines
            for span in INLINE_CODE.findall(line)
        ]

    def table(self, after: str) -> list[list[str]]:
        """The rows (cells stripped) of the first table after the line holding `after`,
        its header row first; the separator row left out."""
        lines = self.text.splitlines()
        start = next(index for index, line in enumerate(lines) if after in line)
        rows: list[list[str]] = []
        for line in lines[start + 1 :]:
            if not line.startswith("|"):
                if rows:
                    break
                continue
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not all(set(cell) <= set("-: ") for cell in cells):
                rows.append(cells)
        return rows
