"""The Alembic chain as the migration tests need it: the revision a given one follows."""
from __future__ import annotations

import re
from pathlib import Path

VERSIONS = Path(__file__).parents[2] / "migrations" / "versions"


def parent_of(revision: str) -> str:
    """The revision `revision` follows (its down_revision), so a test of one migration goes down
    to just before it, whatever revisions land before or after it in the chain."""
    [path] = VERSIONS.glob(f"{revision}_*.py")
    return re.search(r"^down_revision = '(\w+)'", path.read_text(encoding="utf-8"), re.M).group(1)
