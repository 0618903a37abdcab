"""Signed tokens written without compression (`portal.signed`): the same format as itsdangerous'
own, so tokens and cookies written before (compressed or not) still read, and those written now
read with itsdangerous' own serializers; a changed token is refused."""
import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from portal import clock
from portal.feedback import integrity
from portal.signed import PlainURLSafeSerializer, PlainURLSafeTimedSerializer

#: Long and repetitive: itsdangerous compresses it, so its token starts with a dot.
SQUEEZABLE = {"votes": {"PTSP01": [1764900000.1] * 40}}
SMALL = {"n": "k1TZ6ZpQp2cX9yHqv3c7Fw", "t": 1764900000.123, "c": "PTSP01", "o": 12, "k": None}


@pytest.mark.parametrize("plain, theirs", [(PlainURLSafeSerializer, URLSafeSerializer),
                                           (PlainURLSafeTimedSerializer, URLSafeTimedSerializer)])
@pytest.mark.parametrize("payload", [SQUEEZABLE, SMALL])
def test_tokens_read_both_ways(plain, theirs, payload):
    ours, standard = plain("a key", salt="a salt"), theirs("a key", salt="a salt")
    written = ours.dumps(payload)
    assert not written.startswith(".")  # never compressed
    assert standard.loads(written) == payload
    assert ours.loads(standard.dumps(payload)) == payload  # compressed ones too, for SQUEEZABLE
    # One character of the signature changed, in its middle: the last character of base64 holds
    # padding bits too, so changing it may give the same bytes (it did, on some clock readings).
    body, _, signature = written.rpartition(".")
    middle = len(signature) // 2
    forged = f"{body}.{signature[:middle]}{'A' if signature[middle] != 'A' else 'B'}{signature[middle + 1:]}"
    with pytest.raises(BadSignature):
        ours.loads(forged)
    with pytest.raises(BadSignature):
        plain("another key", salt="a salt").loads(written)


def test_a_form_key_and_a_device_cookie_written_before_still_read(app):
    with app.app_context():
        old_style = URLSafeSerializer(app.secret_key, salt=integrity.FORM_SALT)
        issued = old_style.dumps({"n": "abc", "t": clock.timestamp(), "c": "PTSP01", "o": None, "k": None})
        key = integrity.read_form_key(issued, "PTSP01")
        assert key is not None and key.nonce == "abc" and key.counter_code == "PTSP01"
        now = clock.timestamp()
        recent = {"PTSP01": [round(now - 60, 1)] * 40}
        votes = URLSafeSerializer(app.secret_key, salt=integrity.DEVICE_SALT).dumps(recent)
        assert votes.startswith(".")
        assert integrity.device_votes(votes, now=now) == recent


def test_the_session_cookie_reads_with_flasks_own_serializer(app, client, org):
    """A citizen's session cookie (its CSRF token) is Flask's format: Flask's own interface reads
    it, and a cookie Flask wrote (before this portal's interface) still opens the session."""
    response = client.get(f"/s/{org.counter.code}")
    assert response.status_code == 200
    cookie = client.get_cookie("session").value
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    assert "csrf_token" in flasks.loads(cookie)
    with app.test_request_context():
        written_by_flask = flasks.dumps({"csrf_token": "t" * 40})
    browser = app.test_client()
    browser.set_cookie("session", written_by_flask)
    with browser:
        browser.get(f"/s/{org.counter.code}")
        from flask import session
        assert session["csrf_token"] == "t" * 40
