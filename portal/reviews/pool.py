"""Submitted reviews wait sealed until their cycle closes; then they become responses, all at once.

The rater's request flips the invitation to done (a guarded UPDATE: once only) and adds one
sealed entry to the cycle's pool, in the same transaction, so a review is never half sent. The
entry holds the reviewee, the rater group, the scores and the comments, padded to a size class
and encrypted under a key derived from the app's secret and the cycle; nothing in it or beside
it names the invitation.

When the cycle closes, :func:`release` opens every entry of the cycle, shuffles them, writes
them into the response tables with fresh random ids in one batch (one transaction: on
PostgreSQL every row gets the same ``xmin``, and the rows' order is the shuffle's), and deletes
the entries. Reports are read only after close, so nothing needs the answers before. What an
administrator with the database, or with the database and the secret, can learn before and after
close is set out in ``docs/anonymity.md``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import struct

from flask import current_app
from sqlalchemy import delete, func, insert, select

from portal.extensions import db
from portal.reviews import sealing
from portal.reviews.errors import ReviewError
from portal.reviews.models import (
    ReviewAnswer, ReviewComment, ReviewCycle, ReviewInvitation, ReviewPoolEntry, ReviewResponse,
)
from surveys.i18n import N_

#: The smallest sealed size: an entry is padded to the next power of two from here, so its size
#: tells little more than whether it carries long comments.
MIN_PADDED = 1024
#: Entries opened and written at a time when a cycle closes.
CHUNK = 2000
_LENGTH = struct.Struct(">I")


class PoolMismatch(ReviewError):
    """The pool and the invitations disagree (an entry added, removed or altered by hand): the
    cycle does not close, and the user is told so."""

    def __init__(self, detail: str):
        super().__init__(N_("Ulasan tersegel siklus ini tidak cocok dengan undangan yang sudah dijawab, jadi siklus "
                            "tidak ditutup. Minta admin memeriksa basis data."))
        self.detail = detail


def _key(cycle_id: int) -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"cermin-review-pool-key:{cycle_id}".encode(), hashlib.sha256).digest()


def _context(cycle_id: int) -> bytes:
    return f"cermin-review-pool:{cycle_id}".encode()


def _padded(data: bytes) -> bytes:
    framed = _LENGTH.pack(len(data)) + data
    size = MIN_PADDED
    while size < len(framed):
        size *= 2
    return framed + bytes(size - len(framed))


def _unpadded(data: bytes) -> bytes:
    (length,) = _LENGTH.unpack_from(data)
    return data[_LENGTH.size:_LENGTH.size + length]


def seal(cycle_id: int, reviewee_id: int, group: str, scores: dict[int, int | None], comments: dict[str, str]) -> str:
    plain = json.dumps({"reviewee": reviewee_id, "group": group, "scores": sorted(scores.items()),
                        "comments": sorted(comments.items())}, ensure_ascii=False, separators=(",", ":"))
    return sealing.encrypt(_key(cycle_id), _padded(plain.encode("utf-8")), _context(cycle_id))


def unseal(cycle_id: int, sealed: str) -> dict:
    """The entry's content; PoolMismatch when it does not open under this cycle's key."""
    data = sealing.decrypt(_key(cycle_id), sealed, _context(cycle_id))
    if data is None:
        raise PoolMismatch(f"a pool entry of cycle {cycle_id} does not open")
    return json.loads(_unpadded(data))


def add(cycle_id: int, reviewee_id: int, group: str, scores: dict[int, int | None], comments: dict[str, str]) -> None:
    db.session.add(ReviewPoolEntry(id=secrets.token_hex(16), cycle_id=cycle_id,
                                   sealed=seal(cycle_id, reviewee_id, group, scores, comments)))


def waiting(cycle: ReviewCycle) -> int:
    """Sealed reviews of the cycle not yet written as responses."""
    return db.session.scalar(select(func.count()).select_from(ReviewPoolEntry)
                             .where(ReviewPoolEntry.cycle_id == cycle.id))


def release(cycle: ReviewCycle) -> int:
    """Write the cycle's sealed reviews into the response tables in one shuffled batch and empty
    the pool; returns how many. Runs in the closing transaction, CHUNK entries at a time."""
    ids = list(db.session.scalars(select(ReviewPoolEntry.id).where(ReviewPoolEntry.cycle_id == cycle.id)))
    done = db.session.scalar(select(func.count()).select_from(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.status == "done"))
    stored = db.session.scalar(select(func.count()).select_from(ReviewResponse)
                               .where(ReviewResponse.cycle_id == cycle.id))
    if stored + len(ids) != done:
        raise PoolMismatch(f"cycle {cycle.id}: {done} invitations done, {stored} responses and {len(ids)} "
                           "sealed reviews")
    secrets.SystemRandom().shuffle(ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        sealed = dict(db.session.execute(select(ReviewPoolEntry.id, ReviewPoolEntry.sealed)
                                         .where(ReviewPoolEntry.id.in_(chunk))).tuples().all())
        _write([unseal(cycle.id, sealed[entry_id]) for entry_id in chunk], cycle.id)
        # By id, not by cycle: an entry committed after the read above must not vanish unwritten.
        db.session.execute(delete(ReviewPoolEntry).where(ReviewPoolEntry.id.in_(chunk)))
    return len(ids)


def _write(contents: list[dict], cycle_id: int) -> None:
    """Responses with fresh random ids, in the given (shuffled) order, with their answers and comments."""
    responses, answers, comments = [], [], []
    for content in contents:
        response_id = secrets.token_hex(16)
        responses.append({"id": response_id, "cycle_id": cycle_id, "reviewee_id": content["reviewee"],
                          "rater_group": content["group"]})
        answers.extend({"response_id": response_id, "item_id": item_id, "score": score}
                       for item_id, score in content["scores"])
        comments.extend({"response_id": response_id, "value_code": code, "text": text}
                        for code, text in content["comments"])
    for model, rows in ((ReviewResponse, responses), (ReviewAnswer, answers), (ReviewComment, comments)):
        if rows:
            db.session.execute(insert(model), rows)
