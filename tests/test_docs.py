"""The documentation stays short where it should, links where it says, and lists every command.

- README.md is a quick start: at most 150 lines.
- Every relative link in README.md and docs/*.md points at a file that exists, and a link to a
  heading (`file.md#heading`) at a heading that exists in that file.
- The command table in docs/reference.md lists exactly the commands `flask --app portal`
  registers: a new command must be documented, and a documented one must exist.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
REFERENCE = ROOT / "docs" / "reference.md"
README_MAX_LINES = 150

LINK = re.compile(r"(?<!!)\[(?:[^\]\\]|\\.)*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _documents() -> list[Path]:
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


def _prose_lines(path: Path) -> list[tuple[int, str]]:
    """The lines outside fenced code blocks, with their numbers."""
    lines, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for _, line in _prose_lines(path):
        match = HEADING.match(line)
        if not match:
            continue
        slug = _slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _relative_links(path: Path) -> list[tuple[int, str]]:
    links = []
    for number, line in _prose_lines(path):
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, https:, mailto:
                continue
            links.append((number, target))
    return links


def test_readme_is_a_quick_start():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines; keep it at {README_MAX_LINES} or fewer and move details to docs/")


@pytest.mark.parametrize("document", _documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_what_exists(document):
    broken = []
    for number, target in _relative_links(document):
        file_part, _, anchor = target.partition("#")
        destination = (document.parent / file_part).resolve() if file_part else document
        if not destination.exists():
            broken.append(f"line {number}: {target} (no file {destination.relative_to(ROOT)})")
            continue
        if anchor and destination.suffix == ".md" and anchor not in _anchors(destination):
            broken.append(f"line {number}: {target} (no heading #{anchor} in {destination.relative_to(ROOT)})")
    assert not broken, f"broken links in {document.relative_to(ROOT)}:\n" + "\n".join(broken)


def _documented_commands() -> list[str]:
    """The command of each row of the table under reference.md's "### Commands" heading."""
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    start = lines.index("### Commands")
    commands, in_table = [], False
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        if not line.startswith("|"):
            if in_table:
                break
            continue
        in_table = True
        first_cell = re.split(r"(?<!\\)\|", line)[1].strip()
        if first_cell in ("command", "") or set(first_cell) <= set("-: "):
            continue
        spans = re.findall(r"`([^`]+)`", first_cell)
        assert spans, f"a row of the command table names no `command`: {line}"
        commands.extend(span.split()[0] for span in spans)
    return commands


def test_the_command_table_lists_every_registered_command(app):
    documented = _documented_commands()
    assert len(documented) == len(set(documented)), f"a command is listed twice: {sorted(documented)}"
    registered = set(app.cli.commands)
    missing = sorted(registered - set(documented))
    unknown = sorted(set(documented) - registered)
    assert not missing, f"registered but not in docs/reference.md's command table: {missing}"
    assert not unknown, f"in docs/reference.md's command table but not registered: {unknown}"


def test_the_link_checker_sees_what_it_checks(tmp_path):
    """The helpers find links and headings as GitHub does, so a green run means something."""
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n## `ikm`: the IKM of a scope\n\n## Kiosk tablets\n\n"
        "[a](other.md#x) ![img](pic.png) [b](https://example.org) `[c](code.md)`\n"
        "```\n[d](fenced.md)\n```\n",
        encoding="utf-8")
    assert _anchors(page) == {"title", "ikm-the-ikm-of-a-scope", "kiosk-tablets"}
    assert _relative_links(page) == [(7, "other.md#x")]
    assert len(_documented_commands()) >= 15
