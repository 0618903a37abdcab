"""Answering a 360 review by link: only the rater, logged in; tokens (forgery, reuse, expiry),
drafts, errors, CSRF, and "Ulasan saya"."""
import base64
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select

from portal.localtime import today
from portal.reviews import drafts, links, raters, services
from portal.reviews.models import (
    ReviewAnswer, ReviewComment, ReviewExpectation, ReviewInvitation, ReviewPoolEntry, ReviewResponse,
)
from portal.accounts.models import EMPLOYEE
from tests.conftest import assert_headings, client_for, csrf_token, login, post_form

#: The shared `cycle` fixture is open here (tests/portal/conftest.py).
CYCLE_OPEN = True


def invitation_for(db, cycle, reviewee, rater) -> ReviewInvitation:
    return db.session.scalar(select(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.reviewee_id == reviewee.id,
        ReviewInvitation.rater_id == rater.id))


def link(invitation) -> str:
    return f"/ulasan/{links.invitation_token(invitation)}"


def full_answers(cycle, score="4", **extra) -> dict:
    data = {f"item-{item.id}": score for item in cycle.questionnaire.items}
    data.update(extra)
    return data


def responses(db) -> int:
    """Reviews sent: sealed in the pool while the cycle is open, responses once it closed."""
    return sum(db.session.scalar(select(func.count()).select_from(model)) for model in (ReviewPoolEntry, ReviewResponse))


@pytest.fixture
def peer_invitation(db, cycle, org):
    """Staf Uji 2 reviews Staf Uji 1 (the demo-like `pegawai`) as a peer."""
    return invitation_for(db, cycle, org.staff[0], org.staff[1])


@pytest.fixture
def rater_client(app, factory, org, db):
    """Staf Uji 2, logged in with their own account: the rater of `peer_invitation`."""
    factory.user(org.instansi, "rekan", {EMPLOYEE}, org.staff[1])
    db.session.commit()
    return client_for(app, "rekan")


# --- the form --------------------------------------------------------------------------------------

def test_form_shows_who_is_reviewed_in_which_capacity_and_the_anonymity_promise(rater_client, peer_invitation, org, cycle):
    response = rater_client.get(link(peer_invitation))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert org.staff[0].name in html and org.staff[0].jabatan in html and org.unit.name in html
    assert "Anda menilai sebagai rekan kerja." in html
    assert "digabung dengan jawaban minimal 2 rekan kerja lain dan tidak pernah ditampilkan sendiri" in html
    assert html.count('<fieldset class="q') == 21
    assert html.count('<fieldset class="rv-value"') == 7  # one group per BerAKHLAK value
    assert html.count('value="na"') == 21
    for anchor in ("Sangat jarang menunjukkan", "Jarang menunjukkan", "Kadang-kadang menunjukkan",
                   "Sering menunjukkan", "Selalu menunjukkan", "Tidak dapat menilai"):
        assert anchor in html
    for value in ("Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis", "Loyal", "Adaptif", "Kolaboratif"):
        assert value in html
    assert html.count('name="comment-') == 7
    assert 'name="action" value="draft"' in html and 'name="action" value="submit"' in html
    assert "<script" not in html and "style=" not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_threshold_in_the_promise_follows_the_cycle(rater_client, peer_invitation, cycle, db):
    services.set_threshold(cycle, 5)
    db.session.commit()
    html = rater_client.get(link(peer_invitation)).get_data(as_text=True)
    assert "minimal 4 rekan kerja lain" in html and "kurang dari 5 rekan kerja" in html


def test_atasan_is_told_their_rating_is_attributed(supervisor_client, cycle, org, db):
    html = supervisor_client.get(link(invitation_for(db, cycle, org.staff[0], org.supervisor))).get_data(as_text=True)
    assert "Anda menilai sebagai atasan langsung." in html
    assert "Penilaian atasan tidak anonim." in html
    assert "digabung" not in html


@pytest.mark.parametrize("rater_index, sentence", [(0, "Anda menilai diri sendiri."), (None, "Anda menilai sebagai bawahan.")])
def test_self_and_subordinate_capacities(employee_client, cycle, org, db, rater_index, sentence):
    if rater_index is None:
        invitation = invitation_for(db, cycle, org.supervisor, org.staff[0])
    else:
        invitation = invitation_for(db, cycle, org.staff[0], org.staff[0])
    assert sentence in employee_client.get(link(invitation)).get_data(as_text=True)


def test_expectation_of_the_supervisor_is_shown_to_raters(rater_client, peer_invitation, cycle, org, db):
    db.session.add(ReviewExpectation(cycle_id=cycle.id, reviewee_id=org.staff[0].id, value_code="KOMPETEN",
                                     text="Menguasai SIAK versi terbaru."))
    db.session.commit()
    html = rater_client.get(link(peer_invitation)).get_data(as_text=True)
    assert "Ekspektasi khusus pimpinan" in html and "Menguasai SIAK versi terbaru." in html
    assert html.count("Ekspektasi khusus pimpinan") == 1


def test_form_in_english(rater_client, peer_invitation):
    html = rater_client.get(link(peer_invitation), headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="en"' in html


# --- tokens --------------------------------------------------------------------------------------------

def test_tokens_carry_at_least_128_bits(cycle, db):
    tokens = {links.invitation_token(i) for i in db.session.scalars(select(ReviewInvitation))}
    assert len(tokens) == db.session.scalar(select(func.count()).select_from(ReviewInvitation))
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 256 bits, base64url


@pytest.mark.parametrize("forge", [
    lambda t: secrets.token_urlsafe(32),
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: t[:20],
    lambda t: t + "x",
    lambda t: "x" * 500,
])
def test_forged_or_altered_token_is_a_friendly_404(rater_client, peer_invitation, org, db, forge):
    forged = forge(links.invitation_token(peer_invitation))
    response = rater_client.get(f"/ulasan/{forged}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Tautan ulasan tidak dikenal" in html and org.staff[0].name not in html
    posted = rater_client.post(f"/ulasan/{forged}", data={"csrf_token": csrf_token(rater_client, "/ulasan-saya"), "action": "submit",
                                                     **full_answers(peer_invitation.cycle)})
    assert posted.status_code == 404
    assert responses(db) == 0
    assert rater_client.get(f"/ulasan/{forged}/terima-kasih").status_code == 404


def test_submit_through_the_web_with_csrf(rater_client, peer_invitation, cycle, db, org):
    items = cycle.questionnaire.items
    data = full_answers(cycle, "4", **{f"item-{items[0].id}": "na", f"item-{items[1].id}": "5",
                                       "comment-KOMPETEN": "Sering membantu rekan baru."})
    response = post_form(rater_client, link(peer_invitation), {"action": "submit", **data})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(link(peer_invitation) + "/terima-kasih")
    thanks = rater_client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "Terima kasih!" in thanks.get_data(as_text=True)
    db.session.refresh(peer_invitation)
    assert peer_invitation.status == "done" and peer_invitation.draft is None
    # Sealed until the cycle closes; then a response like any other.
    assert db.session.scalar(select(func.count()).select_from(ReviewResponse)) == 0
    services.transition(cycle, "closed", org.instansi)
    stored = db.session.scalar(select(ReviewResponse))
    assert stored.rater_group == "rekan" and stored.reviewee_id == peer_invitation.reviewee_id
    scores = dict(db.session.execute(select(ReviewAnswer.item_id, ReviewAnswer.score)).all())
    assert scores[items[0].id] is None and scores[items[1].id] == 5 and scores[items[2].id] == 4
    assert db.session.scalar(select(ReviewComment.text)) == "Sering membantu rekan baru."


def test_post_without_csrf_token_is_refused(rater_client, peer_invitation, cycle, db):
    rater_client.get(link(peer_invitation))
    response = rater_client.post(link(peer_invitation), data={"action": "submit", **full_answers(cycle)})
    assert response.status_code == 400
    assert responses(db) == 0


def test_link_is_single_use(rater_client, peer_invitation, cycle, db):
    url = link(peer_invitation)
    token = csrf_token(rater_client, url)
    assert rater_client.post(url, data={"csrf_token": token, "action": "submit", **full_answers(cycle)}).status_code == 303
    again = rater_client.get(url)
    assert again.status_code == 200
    assert "Ulasan sudah dikirim" in again.get_data(as_text=True)
    assert "<fieldset" not in again.get_data(as_text=True)
    second = rater_client.post(url, data={"csrf_token": token, "action": "submit", **full_answers(cycle, "1")})
    assert second.status_code == 409 and "Ulasan sudah dikirim" in second.get_data(as_text=True)
    draft = rater_client.post(url, data={"csrf_token": token, "action": "draft", **full_answers(cycle, "1")})
    assert draft.status_code == 409
    assert responses(db) == 1
    assert db.session.scalar(select(func.count()).select_from(ReviewAnswer).where(ReviewAnswer.score == 1)) == 0


def test_link_after_the_close_date_is_refused_and_stores_nothing(rater_client, peer_invitation, cycle, db):
    url = link(peer_invitation)
    token = csrf_token(rater_client, url)
    cycle.closes_on = today(peer_invitation.reviewee.unit.instansi.tz) - timedelta(days=1)
    db.session.commit()
    page = rater_client.get(url)
    assert page.status_code == 403 and "Siklus ulasan sudah ditutup." in page.get_data(as_text=True)
    for action in ("submit", "draft"):
        response = rater_client.post(url, data={"csrf_token": token, "action": action, **full_answers(cycle)})
        assert response.status_code == 403
    assert responses(db) == 0
    db.session.refresh(peer_invitation)
    assert peer_invitation.status == "pending" and peer_invitation.draft is None


@pytest.mark.parametrize("state, message", [("closed", "Siklus ulasan sudah ditutup."), ("released", "Siklus ulasan sudah ditutup.")])
def test_link_of_a_closed_cycle_is_refused(rater_client, peer_invitation, cycle, org, db, state, message):
    services.transition(cycle, "closed", org.instansi)
    if state == "released":
        services.transition(cycle, "released", org.instansi)
    db.session.commit()
    page = rater_client.get(link(peer_invitation))
    assert page.status_code == 403 and message in page.get_data(as_text=True)


def test_link_before_the_cycle_opens_says_so(rater_client, org, db):
    local_today = today(org.instansi.tz)
    draft_cycle = services.create_cycle(org.instansi, name="Belum dibuka", period_kind="triwulan",
                                        opens_on=local_today, closes_on=local_today + timedelta(days=9),
                                        unit_ids=[org.unit.id])
    raters.propose_raters(draft_cycle)
    db.session.commit()
    page = rater_client.get(link(invitation_for(db, draft_cycle, org.staff[0], org.staff[1])))
    assert page.status_code == 403 and "Siklus ulasan belum dibuka." in page.get_data(as_text=True)


# --- drafts and errors -------------------------------------------------------------------------------------

def test_draft_is_saved_and_resumed(rater_client, peer_invitation, cycle, db):
    items = cycle.questionnaire.items
    url = link(peer_invitation)
    partial = {f"item-{items[0].id}": "2", f"item-{items[4].id}": "na", "comment-HARMONIS": "Draf komentar"}
    saved = post_form(rater_client, url, {"action": "draft", **partial})
    assert saved.status_code == 303 and "tersimpan=1" in saved.headers["Location"]
    assert responses(db) == 0
    db.session.refresh(peer_invitation)
    assert peer_invitation.status == "draft"
    html = rater_client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Draf tersimpan." in html and "Draf Anda berisi 2 dari 21 butir." in html
    assert re.search(rf'name="item-{items[0].id}" value="2" checked', html)
    assert re.search(rf'name="item-{items[4].id}" value="na" checked', html)
    assert html.count(" checked") == 2
    assert ">Draf komentar</textarea>" in html
    # Coming back later in the same browser: the draft is still there.
    assert ">Draf komentar</textarea>" in rater_client.get(url).get_data(as_text=True)
    done = post_form(rater_client, url, {"action": "submit", **full_answers(cycle, "3")})
    assert done.status_code == 303
    gone = draft_cookie(done)  # the key goes with the draft
    assert gone.startswith(f"{drafts.COOKIE}=;") and f"Path={url}" in gone and "Max-Age=0" in gone
    db.session.refresh(peer_invitation)
    assert peer_invitation.status == "done" and peer_invitation.draft is None and responses(db) == 1


def draft_cookie(response) -> str:
    """The Set-Cookie line that carries a draft's key."""
    return next(line for line in response.headers.getlist("Set-Cookie") if line.startswith(f"{drafts.COOKIE}="))


def test_draft_key_stays_in_the_raters_browser_on_the_links_path(rater_client, peer_invitation, cycle, db):
    items = cycle.questionnaire.items
    url = link(peer_invitation)
    saved = post_form(rater_client, url, {"action": "draft", f"item-{items[0].id}": "2", "comment-LOYAL": "Rahasia draf"})
    cookie = draft_cookie(saved)
    assert f"Path={url}" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    db.session.refresh(peer_invitation)
    # In the database only ciphertext, bound to this invitation.
    assert drafts.is_sealed(peer_invitation.draft)
    assert "Rahasia" not in peer_invitation.draft and "scores" not in peer_invitation.draft
    assert services.load_draft(peer_invitation, None) is None
    assert services.load_draft(peer_invitation, drafts.new_key()) is None
    # Saving again in the same browser keeps its key; opening the draft renews the cookie.
    again = post_form(rater_client, url, {"action": "draft", f"item-{items[0].id}": "3"})
    assert cookie_value_and_path(draft_cookie(again)) == cookie_value_and_path(cookie)
    opened = rater_client.get(url)
    assert cookie_value_and_path(draft_cookie(opened)) == cookie_value_and_path(cookie)


def cookie_value_and_path(line: str) -> tuple[str, str]:
    parts = dict(part.strip().partition("=")[::2] for part in line.split(";"))
    return parts[drafts.COOKIE], parts["Path"]


def test_the_key_lasts_as_long_as_the_cycle_even_when_hr_extends_it(rater_client, peer_invitation, cycle, db, org):
    url = link(peer_invitation)
    saved = post_form(rater_client, url, {"action": "draft", "comment-LOYAL": "Nanti"})
    days = (cycle.closes_on - today(org.instansi.tz)).days + 1
    assert f"Max-Age={days * 86400}" in draft_cookie(saved)
    services.set_dates(cycle, cycle.opens_on, cycle.closes_on + timedelta(days=14))
    db.session.commit()
    assert f"Max-Age={(days + 14) * 86400}" in draft_cookie(rater_client.get(url))


def test_the_rater_on_another_device_does_not_see_the_draft(app, rater_client, peer_invitation, cycle, db):
    """The key stays in the browser where the draft was saved: the rater's phone gets an empty form."""
    items = cycle.questionnaire.items
    url = link(peer_invitation)
    post_form(rater_client, url, {"action": "draft", f"item-{items[0].id}": "2", "comment-LOYAL": "Rahasia draf"})
    phone = client_for(app, "rekan")
    html = phone.get(url).get_data(as_text=True)
    assert "Rahasia draf" not in html and " checked" not in html
    assert "hanya dapat dibuka di perangkat dan peramban tempat draf itu disimpan" in html
    assert "Draf Anda berisi" not in html
    # A forged or foreign key cookie opens nothing either, and breaks nothing.
    for value in (drafts.encode_key(drafts.new_key()), "bukan-kunci", "A" * 500):
        phone.set_cookie(drafts.COOKIE, value, path=url)
        page = phone.get(url)
        assert page.status_code == 200 and "Rahasia draf" not in page.get_data(as_text=True)
    # Sending from the phone replaces the draft; the first browser then finds the review sent.
    done = post_form(phone, url, {"action": "submit", **full_answers(cycle, "3")})
    assert done.status_code == 303
    db.session.refresh(peer_invitation)
    assert peer_invitation.status == "done" and peer_invitation.draft is None
    assert "Ulasan sudah dikirim" in rater_client.get(url).get_data(as_text=True)


def test_a_draft_saved_before_sealing_opens_for_the_rater_logged_in_only(client, app, hr_client, rater_client,
                                                                        peer_invitation, cycle, db, org):
    item = cycle.questionnaire.items[2]
    peer_invitation.draft = f'{{"scores": {{"{item.id}": 4}}, "comments": {{"ADAPTIF": "Draf lama"}}}}'
    peer_invitation.status = "draft"
    db.session.commit()
    url = link(peer_invitation)
    for other in (client, hr_client, client_for(app, "pegawai")):  # nobody, HR, the reviewee
        html = other.get(url).get_data(as_text=True)
        assert "Draf lama" not in html and " checked" not in html
    html = rater_client.get(url).get_data(as_text=True)
    assert ">Draf lama</textarea>" in html and re.search(rf'name="item-{item.id}" value="4" checked', html)
    saved = post_form(rater_client, url, {"action": "draft", f"item-{item.id}": "5"})
    assert saved.status_code == 303
    db.session.refresh(peer_invitation)
    assert drafts.is_sealed(peer_invitation.draft)


def test_a_used_link_clears_a_left_over_key(app, rater_client, peer_invitation, cycle, db):
    url = link(peer_invitation)
    post_form(rater_client, url, {"action": "draft", "comment-LOYAL": "Nanti"})
    other = client_for(app, "rekan")
    assert post_form(other, url, {"action": "submit", **full_answers(cycle)}).status_code == 303
    page = rater_client.get(url)
    assert "Ulasan sudah dikirim" in page.get_data(as_text=True)
    assert "Max-Age=0" in draft_cookie(page)


def test_incomplete_submission_shows_an_error_per_item_keeps_answers_and_stores_nothing(rater_client, peer_invitation, cycle, db):
    items = cycle.questionnaire.items
    answered = {f"item-{item.id}": "5" for item in items[:15]}
    response = post_form(rater_client, link(peer_invitation), {"action": "submit", **answered, "comment-LOYAL": "Tetap di sini"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "6 butir belum dijawab" in html and 'role="alert"' in html
    for item in items[15:]:
        assert re.search(rf'id="item-{item.id}-err">Pilih salah satu jawaban.<', html), item.id
        assert f'aria-describedby="item-{item.id}-err"' in html
    for item in items[:15]:
        assert f'id="item-{item.id}-err"' not in html
        assert re.search(rf'name="item-{item.id}" value="5" checked', html)
    assert ">Tetap di sini</textarea>" in html
    assert f'href="#item-{items[15].id}"' in html
    assert responses(db) == 0
    db.session.refresh(peer_invitation)
    assert peer_invitation.status == "pending" and peer_invitation.draft is None


def test_out_of_range_answer_is_explained(rater_client, peer_invitation, cycle, db):
    item = cycle.questionnaire.items[3]
    response = post_form(rater_client, link(peer_invitation), {"action": "draft", f"item-{item.id}": "9"})
    assert response.status_code == 400
    assert "Nilai harus 1 sampai 5, atau pilih Tidak dapat menilai." in response.get_data(as_text=True)
    db.session.refresh(peer_invitation)
    assert peer_invitation.draft is None


def test_too_long_comment_is_explained(rater_client, peer_invitation, cycle, db):
    response = post_form(rater_client, link(peer_invitation), {"action": "submit", **full_answers(cycle),
                                                         "comment-ADAPTIF": "x" * 2001})
    assert response.status_code == 400
    assert "Komentar paling banyak 2000 karakter." in response.get_data(as_text=True)
    assert responses(db) == 0


def test_unknown_button_is_a_bad_request(rater_client, peer_invitation, cycle, db):
    response = post_form(rater_client, link(peer_invitation), {"action": "hapus", **full_answers(cycle)})
    assert response.status_code == 400 and responses(db) == 0


def _without_tokens(html: str) -> str:
    return re.sub(r'(name="csrf_token" value=|/ulasan/)[^"<\s]+', r"\1", html)


def test_the_link_opens_nothing_for_anyone_but_the_rater(client, app, employee_client, supervisor_client, hr_client,
                                                        rater_client, peer_invitation, cycle, db, org):
    """The reviewee at the rater's desk, the supervisor, HR with a reprinted letter: none of them can
    send the review, and none learns from the link whether it was sent: the same page, the same
    status, byte for byte apart from the tokens, before and after the rater sends it."""
    url = link(peer_invitation)
    sent = invitation_for(db, cycle, org.staff[1], org.staff[2])  # sent by its rater beforehand
    services.submit(sent, services.Answers({i.id: 4 for i in cycle.questionnaire.items}), org.instansi, sent.rater)
    db.session.commit()
    outsiders = {"pegawai": employee_client, "atasan": supervisor_client, "hr": hr_client}
    seen = {}
    for name, other in outsiders.items():
        pages = []
        for target in (peer_invitation, sent):
            for path in (link(target), link(target) + "/terima-kasih"):
                page = other.get(path)
                pages.append((page.status_code, _without_tokens(page.get_data(as_text=True))))
            posted = post_form(other, link(target), {"action": "submit", **full_answers(cycle, "1")}, page="/ulasan-saya")
            pages.append((posted.status_code, _without_tokens(posted.get_data(as_text=True))))
        unsent, done = pages[:3], pages[3:]
        assert unsent == done, name
        assert [status for status, _html in unsent] == [404, 404, 404], name
        assert org.staff[0].name not in unsent[0][1] and "sudah dikirim" not in unsent[0][1]
        seen[name] = unsent
    assert responses(db) == 1
    db.session.refresh(peer_invitation)
    assert peer_invitation.status == "pending"
    # Not logged in: the login page, whatever the link.
    for target in (peer_invitation, sent):
        page = client.get(link(target))
        assert page.status_code == 302 and "/masuk" in page.headers["Location"]
    # The rater, logged in, answers as before.
    assert post_form(rater_client, url, {"action": "submit", **full_answers(cycle)}).status_code == 303
    assert responses(db) == 2


def test_thanks_page_before_sending_goes_back_to_the_form(rater_client, peer_invitation):
    response = rater_client.get(link(peer_invitation) + "/terima-kasih")
    assert response.status_code == 302 and response.headers["Location"].endswith(link(peer_invitation))


# --- anonymity of what is stored ------------------------------------------------------------------------

def test_stored_response_cannot_be_traced_to_the_rater(rater_client, peer_invitation, cycle, db, org):
    post_form(rater_client, link(peer_invitation),
              {"action": "submit", **full_answers(cycle, "2", **{"comment-LOYAL": "ok"})})
    # While the cycle runs, only ciphertext of one fixed size class, whatever was said.
    sealed = db.session.scalar(select(ReviewPoolEntry.sealed))
    assert len(base64.urlsafe_b64decode(sealed)) == 12 + 1024 + 16
    services.transition(cycle, "closed", org.instansi)
    for model in (ReviewResponse, ReviewAnswer, ReviewComment):
        columns = {c.key for c in inspect(model).columns}
        assert not any("rater_id" in c or "invitation" in c or "token" in c or "user" in c or c.endswith(("_on", "_at"))
                       for c in columns), model
    row = db.session.scalar(select(ReviewResponse))
    rater = org.staff[1]
    values = {str(getattr(row, c.key)) for c in inspect(ReviewResponse).columns}
    assert not values & {rater.nip, rater.name, peer_invitation.token_hash, peer_invitation.token_nonce,
                         links.invitation_token(peer_invitation)}
    # The invitation keeps only that it was answered: no day, no reminder day, no response.
    assert {c.key for c in inspect(ReviewInvitation).columns}.isdisjoint(
        {"response_id", "receipt", "done_on", "last_reminded_on"})


def test_my_reviews_lists_pending_links_with_close_dates(employee_client, cycle, org, db):
    html = employee_client.get("/ulasan-saya").get_data(as_text=True)
    assert "Ulasan yang perlu Anda isi" in html
    mine = db.session.scalars(select(ReviewInvitation).where(ReviewInvitation.rater_id == org.staff[0].id)).all()
    assert mine
    for invitation in mine:
        assert f'href="{link(invitation)}"' in html
    assert "Diri Anda sendiri" in html and org.staff[1].name in html
    assert str(cycle.closes_on.year) in html
    other = invitation_for(db, cycle, org.staff[0], org.staff[1])
    assert link(other) not in html


def test_my_reviews_marks_drafts_and_drops_sent_reviews(employee_client, cycle, org, db):
    own = invitation_for(db, cycle, org.staff[0], org.staff[0])
    peer = invitation_for(db, cycle, org.staff[1], org.staff[0])
    assert post_form(employee_client, link(own), {"action": "submit", **full_answers(cycle)}).status_code == 303
    assert post_form(employee_client, link(peer), {"action": "draft", f"item-{cycle.questionnaire.items[0].id}": "3"}).status_code == 303
    html = employee_client.get("/ulasan-saya").get_data(as_text=True)
    assert link(own) not in html and link(peer) in html
    assert "Lanjutkan draf" in html


def test_nav_entry_for_employees(employee_client):
    html = employee_client.get("/").get_data(as_text=True)
    assert 'href="/ulasan-saya"' in html and "Ulasan saya" in html


def test_my_reviews_is_friendly_without_an_employee_record(admin_client, cycle):
    response = admin_client.get("/ulasan-saya")
    assert response.status_code == 200
    assert "tidak terhubung dengan data pegawai" in response.get_data(as_text=True)


def test_my_reviews_needs_login(client):
    response = client.get("/ulasan-saya")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_pages_render_in_both_languages(app, cycle, org, db, peer_invitation):
    client = app.test_client()
    login(client, "pegawai")
    assert_headings(client, {"/ulasan-saya": ("Ulasan saya", "My reviews"),
                             link(invitation_for(db, cycle, org.staff[0], org.staff[0])): ("Ulasan 360 derajat",
                                                                                          "360-degree review")})


def test_my_reviews_links_to_nominating_peers_in_a_draft_cycle(employee_client, org, db):
    from datetime import date as _date

    from portal.reviews import services as review_services

    cycle = review_services.create_cycle(org.instansi, name="Triwulan I 2027", period_kind="triwulan",
                                         opens_on=_date(2027, 1, 5), closes_on=_date(2027, 2, 5), unit_ids=[org.unit.id])
    db.session.commit()
    html = employee_client.get("/ulasan-saya").get_data(as_text=True)
    assert "Siklus yang sedang disiapkan" in html and f"/360/{cycle.id}/nominasi" in html


def test_items_are_grouped_by_value_with_progress(rater_client, peer_invitation, cycle):
    items = cycle.questionnaire.items
    html = rater_client.get(link(peer_invitation)).get_data(as_text=True)
    assert "Terjawab 0 dari 21 butir" in html
    groups = re.findall(r'<fieldset class="rv-value" id="v-([A-Z_]+)">(.*?)</fieldset>\s*(?=<fieldset class="rv-value"|<div class="rv-actions")',
                        html, re.S)
    assert len(groups) == 7
    for code, body in groups:
        assert body.count('<fieldset class="q') == 3
        assert "Terjawab 0 dari 3 butir" in body
        assert f'name="action" value="draft-{code}"' in body
    first_value = items[0].value_code
    partial = {f"item-{items[0].id}": "2", f"item-{items[1].id}": "na"}
    page = post_form(rater_client, link(peer_invitation), {"action": "submit", **partial})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Terjawab 2 dari 21 butir" in html and "Terjawab 2 dari 3 butir" in html
    assert f'href="#v-{first_value}"' in html


def test_a_values_own_save_keeps_the_draft_and_returns_to_that_value(rater_client, peer_invitation, cycle, db):
    items = cycle.questionnaire.items
    value = items[3].value_code
    url = link(peer_invitation)
    partial = {f"item-{items[0].id}": "4", f"item-{items[3].id}": "3"}
    saved = post_form(rater_client, url, {"action": f"draft-{value}", **partial})
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"tersimpan=1&nilai={value}#v-{value}")
    assert responses(db) == 0
    db.session.refresh(peer_invitation)
    assert peer_invitation.status == "draft"
    html = rater_client.get(saved.headers["Location"]).get_data(as_text=True)
    group = html[html.index(f'id="v-{value}"'):html.index('<fieldset class="q', html.index(f'id="v-{value}"'))]
    assert "Draf tersimpan." in group
    assert 'id="simpan"' not in html  # said once, in the value the rater saved from
    assert "Terjawab 2 dari 21 butir" in html
    assert re.search(rf'name="item-{items[3].id}" value="3" checked', html)


def test_save_of_an_unknown_value_is_refused(rater_client, peer_invitation, db):
    assert post_form(rater_client, link(peer_invitation), {"action": "draft-NOPE"}).status_code == 400
    assert post_form(rater_client, link(peer_invitation), {"action": "submit-LOYAL"}).status_code == 400
    db.session.refresh(peer_invitation)
    assert peer_invitation.status == "pending"


def test_unable_to_assess_reads_the_same_in_the_help_and_the_option(rater_client, peer_invitation):
    rater_client.set_cookie("lang", "en")
    html = rater_client.get(link(peer_invitation)).get_data(as_text=True)
    assert "Cannot rate" not in html
    assert html.count("Unable to assess") >= 22  # the help and each item's option
