"""Kiosk mode: enrolling tablets with a pairing code, recording four-face votes, and their summary.

Kiosk votes are their own measure (the happy index); they never touch SkmResponse or the IKM
rollups.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock, events
from portal.extensions import db
from portal.kiosk.models import KioskDaily, KioskDevice, KioskPairing, KioskVote
from portal.localtime import stamp
from portal.org.models import Counter, Unit
from portal.rollups import upsert_increments
from surveys import kiosk
from surveys.errors import DomainError, NoResponses
from surveys.i18n import N_

#: How long a pairing code can be typed on the tablet.
PAIRING_MINUTES = 15
#: Pairing codes avoid look-alikes (0/O, 1/I/L) so they are easy to read off a screen and type.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
#: How long after a negative face the "Apa yang kurang?" answer is still attached to it.
REASON_MINUTES = 5
DEFAULT_MIN_INTERVAL_SECONDS = 8
#: How long the previous device token still works after a vote replaced it (a lost response);
#: CERMIN_KIOSK_TOKEN_GRACE_SECONDS sets it, from 30 to 3600.
DEFAULT_TOKEN_GRACE_SECONDS = 300
#: Why a device was revoked: by a manager, or because a token it had given up came back.
MANUAL, REUSED = "manual", "token_reuse"


class KioskError(DomainError):
    """A pairing or device change that cannot be done, with a message for the user."""


def _now(now: datetime | None) -> datetime:
    return now or clock.now()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalise_code(raw: str) -> str:
    """What the person typed, without spaces or dashes, in capitals ("abcd-efgh" → "ABCDEFGH")."""
    return "".join(ch for ch in (raw or "").upper() if ch not in " -\t")


def format_code(code: str) -> str:
    """Shown in two groups of four: "ABCD-EFGH"."""
    return f"{code[:4]}-{code[4:]}"


def _code_hash(counter: Counter, code: str, secret_key: str) -> str:
    # Keyed with the app secret: a leaked table cannot be brute-forced back to a live code
    # (8 characters of 31 is small for an unkeyed hash). The loket id scopes a code to its loket.
    message = f"{counter.id}:{normalise_code(code)}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def create_pairing(counter: Counter, created_by, secret_key: str, now: datetime | None = None) -> tuple[KioskPairing, str]:
    """A new single-use pairing code for the loket; the code is returned once and stored hashed."""
    moment = _now(now)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    pairing = KioskPairing(
        counter_id=counter.id, code_hash=_code_hash(counter, code, secret_key), created_at=moment,
        expires_at=moment + timedelta(minutes=PAIRING_MINUTES), created_by_id=getattr(created_by, "id", None),
    )
    db.session.add(pairing)
    db.session.flush()
    return pairing, code


def enrol_device(counter: Counter, code: str, name: str, secret_key: str,
                 now: datetime | None = None) -> tuple[KioskDevice, str]:
    """Use a pairing code to enrol a tablet for the loket; returns the device and its cookie token."""
    moment = _now(now)
    if len(normalise_code(code)) != CODE_LENGTH:
        raise KioskError(N_("Kode pemasangan terdiri dari %(n)d huruf dan angka."), {"n": CODE_LENGTH})
    pairing = db.session.scalar(select(KioskPairing).where(
        KioskPairing.counter_id == counter.id, KioskPairing.code_hash == _code_hash(counter, code, secret_key),
    ))
    if pairing is None:
        raise KioskError(N_("Kode pemasangan salah. Periksa kembali kode yang ditampilkan kepala unit."))
    if pairing.used_at is not None:
        raise KioskError(N_("Kode pemasangan ini sudah dipakai. Minta kode baru kepada kepala unit."))
    if pairing.expires_at <= moment:
        raise KioskError(N_("Kode pemasangan ini sudah kedaluwarsa. Minta kode baru kepada kepala unit."))
    # Mark the code used with a guarded UPDATE, so two tablets typing it at once cannot both enrol.
    claimed = db.session.execute(
        update(KioskPairing).where(KioskPairing.id == pairing.id, KioskPairing.used_at.is_(None)).values(used_at=moment)
    ).rowcount
    if claimed != 1:
        raise KioskError(N_("Kode pemasangan ini sudah dipakai. Minta kode baru kepada kepala unit."))
    device = KioskDevice(
        counter_id=counter.id, name=(name or "").strip()[:120], enrolled_at=moment,
        enrolled_by_id=pairing.created_by_id, generation=0, rotated_at=moment,
    )
    db.session.add(device)
    db.session.flush()
    return device, device_token(device, secret_key)


# --- The device token: one generation at a time, rotated by every vote --------------------------
#
# A token is "<device id>.<generation>.<mac>", the mac an HMAC of the device's random seed and the
# generation under the app's secret key: the database alone cannot make one, and the portal can
# give the current token again to a tablet that missed it. See docs/kiosk.md for the threat model.

_TOKEN_RE = re.compile(r"^([1-9][0-9]{0,17})\.(0|[1-9][0-9]{0,17})\.([A-Za-z0-9_-]{43})$")


def _mac(device: KioskDevice, generation: int, secret_key: str) -> str:
    message = f"kiosk-device:{device.id}:{device.token_seed}:{generation}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def device_token(device: KioskDevice, secret_key: str) -> str:
    """The device's current token, the value of its cookie."""
    return f"{device.id}.{device.generation}.{_mac(device, device.generation, secret_key)}"


@dataclass(frozen=True)
class DeviceCheck:
    """The enrolled device a tablet's cookie names, and the token to give it when it holds an
    older one (the previous token within its grace period, or a token from before rotation)."""

    device: KioskDevice
    renew: str | None


def check_device(counter: Counter, cookie: str | None, secret_key: str, grace: timedelta,
                 now: datetime | None = None) -> DeviceCheck | None:
    """The loket's enrolled, unrevoked device that holds this token, if any.

    The current token works. The previous one works for `grace` after the vote that replaced it,
    so a tablet whose response was lost is not locked out; it is given the current one. Any other
    token the device held before means two holders (a copied cookie): the device is revoked, for
    both of them, and its manager sees why.
    """
    if not cookie:
        return None
    match = _TOKEN_RE.match(cookie)
    if match is None:
        return _paired_before_rotation(counter, cookie, secret_key)
    device_id, generation, mac = int(match[1]), int(match[2]), match[3]
    device = db.session.get(KioskDevice, device_id)
    if device is None or device.counter_id != counter.id or device.revoked_at is not None:
        return None
    if generation > device.generation or not hmac.compare_digest(mac, _mac(device, generation, secret_key)):
        return None
    if generation == device.generation:
        return DeviceCheck(device, None)
    moment = _now(now)
    if generation == device.generation - 1 and device.rotated_at is not None and moment - device.rotated_at <= grace:
        return DeviceCheck(device, device_token(device, secret_key))
    _revoke(device, REUSED, moment)
    return None


def _paired_before_rotation(counter: Counter, cookie: str, secret_key: str) -> DeviceCheck | None:
    """A tablet paired before tokens rotated holds a random token: it works until the device's
    first vote, and the tablet is given its rotating token at once."""
    device = db.session.scalar(select(KioskDevice).where(
        KioskDevice.counter_id == counter.id, KioskDevice.token_hash == _sha256(cookie),
        KioskDevice.revoked_at.is_(None),
    ))
    return DeviceCheck(device, device_token(device, secret_key)) if device is not None else None


def rotate(device: KioskDevice, secret_key: str, now: datetime | None = None) -> str:
    """Replace the device's token after a vote; returns the new token for the tablet's cookie.

    A guarded UPDATE: of two votes arriving together with the same token, one moves the
    generation on and both answer with the new token.
    """
    seen = device.generation
    db.session.execute(
        update(KioskDevice).where(KioskDevice.id == device.id, KioskDevice.generation == seen)
        .values(generation=seen + 1, rotated_at=_now(now), token_hash=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(device)
    return device_token(device, secret_key)


def revoke_device(device: KioskDevice, now: datetime | None = None) -> None:
    """Stop a tablet from showing the kiosk; it has to be paired again."""
    if device.revoked_at is not None:
        raise KioskError(N_("Perangkat ini sudah dicabut."))
    _revoke(device, MANUAL, _now(now))


def _revoke(device: KioskDevice, reason: str, moment: datetime) -> None:
    device.revoked_at, device.revoked_reason = moment, reason
    db.session.flush()


def active_devices(counter_ids: list[int]) -> dict[int, list[KioskDevice]]:
    """Not revoked devices per loket, oldest first."""
    result: dict[int, list[KioskDevice]] = {counter_id: [] for counter_id in counter_ids}
    if not counter_ids:
        return result
    devices = db.session.scalars(
        select(KioskDevice).where(KioskDevice.counter_id.in_(counter_ids), KioskDevice.revoked_at.is_(None))
        .order_by(KioskDevice.enrolled_at, KioskDevice.id)
    )
    for device in devices:
        result[device.counter_id].append(device)
    return result


def reused_devices(counter_ids: list[int], since: datetime) -> dict[int, list[KioskDevice]]:
    """Devices revoked since `since` because a replaced token came back, per loket."""
    result: dict[int, list[KioskDevice]] = {counter_id: [] for counter_id in counter_ids}
    if not counter_ids:
        return result
    devices = db.session.scalars(
        select(KioskDevice).where(KioskDevice.counter_id.in_(counter_ids), KioskDevice.revoked_reason == REUSED,
                                  KioskDevice.revoked_at >= since)
        .order_by(KioskDevice.revoked_at, KioskDevice.id)
    )
    for device in devices:
        result[device.counter_id].append(device)
    return result


@dataclass(frozen=True)
class VoteResult:
    """What a tap did: the vote it stored, or stored earlier for the same page (a retry), or none
    (too soon after the previous vote)."""

    vote: KioskVote | None
    created: bool

    @property
    def asks_reason(self) -> bool:
        """A negative face without a reason yet: ask "Apa yang kurang?"."""
        return self.vote is not None and self.vote.face in kiosk.NEGATIVE_FACES and self.vote.reason is None


def record_vote(device: KioskDevice, face: object, idempotency_key: str, min_interval_seconds: int,
                now: datetime | None = None) -> VoteResult:
    """Store one tap; a repeated key stores nothing new, a tap within the interval is dropped."""
    value = kiosk.validate_face(face)
    moment = _now(now)
    earlier = db.session.scalar(select(KioskVote).where(KioskVote.idempotency_key == idempotency_key))
    if earlier is not None:
        return VoteResult(earlier if earlier.device_id == device.id else None, created=False)
    if device.last_vote_at is not None and moment - device.last_vote_at < timedelta(seconds=min_interval_seconds):
        return VoteResult(None, created=False)
    counter = device.counter
    local = stamp(moment, counter.unit.instansi.tz)
    vote = KioskVote(
        unit_id=counter.unit_id, counter_id=counter.id, device_id=device.id, face=value, submitted_at=local.utc,
        local_date=local.local_date, local_hour=local.local_hour, local_weekday=local.local_weekday,
        idempotency_key=idempotency_key,
    )
    try:
        with db.session.begin_nested():
            db.session.add(vote)
            db.session.flush()
    except IntegrityError:
        # The same page was submitted twice at the same moment: the other request stored it.
        earlier = db.session.scalar(select(KioskVote).where(KioskVote.idempotency_key == idempotency_key))
        if earlier is None:
            raise
        return VoteResult(earlier if earlier.device_id == device.id else None, created=False)
    device.last_vote_at = moment
    add_to_rollup([vote])
    db.session.flush()
    # The alert rule counts kiosk faces too.
    events.responses_stored_at_loket.send(counter, local.utc, vote.face in kiosk.NEGATIVE_FACES)
    return VoteResult(vote, created=True)


FACE_COLUMNS = ("f1", "f2", "f3", "f4")


def add_to_rollup(votes) -> None:
    """Count votes into KioskDaily (the dashboards read it instead of the votes)."""
    cells: dict[tuple, list[int]] = {}
    for vote in votes:
        row = cells.setdefault((vote.unit_id, vote.counter_id, vote.local_date), [0, 0, 0, 0])
        row[vote.face - 1] += 1
    keys = ("unit_id", "counter_id", "local_date")
    upsert_increments(KioskDaily, keys, FACE_COLUMNS,
                      [dict(zip(keys, key)) | dict(zip(FACE_COLUMNS, row)) for key, row in cells.items()])


def rebuild_rollup(counter_ids: list[int] | None = None) -> None:
    """Recompute KioskDaily from the votes (after a bulk load), of the given lokets (None: all)."""
    daily_scope = [KioskDaily.counter_id.in_(counter_ids)] if counter_ids is not None else []
    vote_scope = [KioskVote.counter_id.in_(counter_ids)] if counter_ids is not None else []
    db.session.execute(delete(KioskDaily).where(*daily_scope))
    faces = [func.sum(case((KioskVote.face == value, 1), else_=0)) for value in (1, 2, 3, 4)]
    db.session.execute(KioskDaily.__table__.insert().from_select(
        ["unit_id", "counter_id", "local_date", *FACE_COLUMNS],
        select(KioskVote.unit_id, KioskVote.counter_id, KioskVote.local_date, *faces).where(*vote_scope)
        .group_by(KioskVote.unit_id, KioskVote.counter_id, KioskVote.local_date)))
    db.session.flush()


def pending_vote(device: KioskDevice, idempotency_key: str, now: datetime | None = None) -> KioskVote | None:
    """This device's recent negative vote that has no reason yet, if the key names one."""
    return db.session.scalar(select(KioskVote).where(
        KioskVote.idempotency_key == idempotency_key, KioskVote.device_id == device.id,
        KioskVote.reason.is_(None), KioskVote.face.in_(kiosk.NEGATIVE_FACES),
        KioskVote.submitted_at >= _now(now) - timedelta(minutes=REASON_MINUTES),
    ))


def attach_reason(device: KioskDevice, idempotency_key: str, reason: object, now: datetime | None = None) -> bool:
    """Attach "what went wrong" to the device's own recent negative vote, once; True if attached."""
    code = kiosk.validate_reason(reason)
    vote = pending_vote(device, idempotency_key, now)
    if vote is None:
        return False
    # Guarded UPDATE: of two taps arriving together, only the first sets the reason.
    attached = db.session.execute(
        update(KioskVote).where(KioskVote.id == vote.id, KioskVote.reason.is_(None)).values(reason=code)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(vote)
    return attached == 1


@dataclass(frozen=True)
class KioskSummary:
    """Kiosk votes in a scope: how many, the happy index (25–100), the share of negative faces (%)."""

    n: int
    happy_index: Decimal | None
    negative_share: Decimal | None
    by_face: dict[int, int]


def kiosk_summary(unit_id: int | None = None, counter_id: int | None = None, *, instansi_id: int,
                  date_from: date | None = None, date_to: date | None = None) -> KioskSummary:
    """Counted per face in SQL for a unit or loket (or the whole instansi), between two local dates."""
    conditions = [KioskDaily.unit_id.in_(select(Unit.id).where(Unit.instansi_id == instansi_id))]
    if unit_id is not None:
        conditions.append(KioskDaily.unit_id == unit_id)
    if counter_id is not None:
        conditions.append(KioskDaily.counter_id == counter_id)
    if date_from is not None:
        conditions.append(KioskDaily.local_date >= date_from)
    if date_to is not None:
        conditions.append(KioskDaily.local_date <= date_to)
    sums = db.session.execute(select(*[func.coalesce(func.sum(getattr(KioskDaily, c)), 0) for c in FACE_COLUMNS])
                              .where(*conditions)).one()
    rows = [(face, count) for face, count in zip((1, 2, 3, 4), sums)]
    by_face = {face.value: 0 for face in kiosk.FACES}
    by_face.update({int(face): int(count) for face, count in rows})
    n = sum(by_face.values())
    total = sum(face * count for face, count in by_face.items())
    negative = sum(by_face[face] for face in kiosk.NEGATIVE_FACES)
    try:
        return KioskSummary(n, kiosk.happy_index(total, n), kiosk.negative_share(negative, n), by_face)
    except NoResponses:
        return KioskSummary(0, None, None, by_face)
