"""The daily rollup's squares and products of the officer unsur (q3, q6, q7, p36, p37, p67) equal
the responses' own, whether written one by one or rebuilt after a bulk load."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from portal.feedback.models import PRODUCT_COLUMNS, SQUARE_COLUMNS, SkmDaily, SkmResponse
from portal.feedback.services import Submission, rebuild_rollups, record_response


def _rollup_sums(db):
    columns = [*SQUARE_COLUMNS.values(), *PRODUCT_COLUMNS.values()]
    return dict(zip(columns, db.session.execute(select(*(func.sum(getattr(SkmDaily, c)) for c in columns))).one()))


def _response_sums(db):
    terms = {**{column: (code.lower(), code.lower()) for code, column in SQUARE_COLUMNS.items()},
             **{column: (a.lower(), b.lower()) for (a, b), column in PRODUCT_COLUMNS.items()}}
    return {column: db.session.scalar(select(func.sum(getattr(SkmResponse, a) * getattr(SkmResponse, b))))
            for column, (a, b) in terms.items()}


def test_squares_and_products_follow_every_response_and_a_rebuild(db, org):
    start = datetime(2026, 5, 4, 1, tzinfo=timezone.utc)
    for i in range(9):
        scores = {f"U{k}": 1 + (i * k) % 4 for k in range(1, 10)}
        record_response(org.counter, Submission(scores=scores, employee_id=org.staff[i % 2].id,
                                                submitted_at=start + timedelta(hours=i * 7)))
    expected = _response_sums(db)
    assert expected["q6"] == sum((1 + (i * 6) % 4) ** 2 for i in range(9))
    assert _rollup_sums(db) == expected
    rebuild_rollups(org.unit.id)
    assert _rollup_sums(db) == expected
