"""Every page in English: public and staff, each role, every GET route of the URL map opened with
real objects (tests/portal/object_world.py), and no Indonesian sentence of the catalog left in it.

A leak is a msgid of translations/en whose English differs from it, found verbatim in the visible
text of a page rendered in English (text, and the aria-label, title, placeholder and alt a screen
reader or a tooltip shows). Messages are split at their placeholders; only fragments of two words
and more count, so a name or a code that happens to be a catalog word is not a leak.
"""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import url_for

from portal.access import PUBLIC, declared_access
from portal.accounts.models import User
from portal.reviews import links
from tests.conftest import client_for
from tests.portal.object_world import Side, build_world
from tests.portal.test_auditor import _values

CATALOG = Path(__file__).resolve().parents[2] / "translations" / "en" / "LC_MESSAGES" / "messages.po"
#: Each role and the fewest pages it opens in this world (so a broken walk cannot pass by opening nothing).
MINIMUM_PAGES = {"admin": 55, "hr": 55, "atasan": 14, "pegawai": 9, "auditor": 45}
ROLES = tuple(MINIMUM_PAGES)
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdif%r]")
#: Fragments that read the same in an English page by design, each with its reason.
SAME_IN_ENGLISH = {
    "Bahasa Indonesia": "the name of the language in the language switch",
}
#: Pages not rendered as HTML pages (downloads, images, redirects to a file).
NOT_PAGES = ("csv", "xlsx", "pdf", "svg", "png", "qr", "json", "ics", "template", "export", "download", "poster")


def _fragments() -> dict[str, str]:
    """{Indonesian fragment: its msgid} for every message translated to something else."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    english_texts = [" ".join(_english(m).split()) for m in catalog if m.id]
    found = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        english = message.string[0] if isinstance(message.string, tuple) else message.string
        if not english or english == msgid:
            continue
        for part in PLACEHOLDER.split(msgid):
            part = " ".join(part.split()).strip(" .,:;()\"“”'")
            if len(part.split()) >= 2 and len(part) >= 10 and part not in SAME_IN_ENGLISH:
                # Not when the English itself uses the words: a term kept in English ("Pejabat Penilai").
                if not any(part in text for text in english_texts):
                    found.setdefault(part, msgid)
    return found


def _english(message) -> str:
    return message.string[0] if isinstance(message.string, tuple) else (message.string or "")


class _Visible(HTMLParser):
    """The text a person sees or hears: no scripts or styles, and not what the page marks as
    data shown verbatim (`translate="no"`, e.g. the audit log's recorded values)."""

    SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip: list[str] = []  # the open elements whose text is not checked

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self._skip and tag == self._skip[-1]:
            self._skip.append(tag)  # the same element nested: wait for its own end
        elif not self._skip and tag not in self.VOID and (
                tag in ("script", "style") or attributes.get("translate") == "no"):
            self._skip.append(tag)
        if self._skip:
            return
        for name, value in attrs:
            if name in self.SHOWN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


#: Data of tests/portal/object_world.py typed in Indonesian by its people, shown as typed.
TYPED_DATA = ("Hasil kerja saya belum dinilai lengkap.",)


def leaks(html: str, fragments: dict[str, str]) -> list[str]:
    text = unescape(visible_text(html))
    for typed in TYPED_DATA:
        text = text.replace(typed, "")
    return sorted(part for part in fragments if part in text)


def _arguments(side: Side, endpoint: str, arguments) -> dict:
    values = _values(side, endpoint, arguments)
    if "code" in arguments and endpoint.split(".")[0] in ("feedback", "kiosk", "counters"):
        values["code"] = side.unit.counter.code
    return values


def _urls(app, side: Side, public: bool) -> list[tuple[str, str]]:
    urls = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
            if rule.endpoint == "static" or "GET" not in rule.methods or rule.endpoint == "accounts.logout":
                continue
            if (PUBLIC in declared_access(rule.endpoint)) != public:
                continue
            if any(word in rule.rule.lower() or word in rule.endpoint.lower() for word in NOT_PAGES):
                continue
            try:
                urls.append((rule.endpoint, url_for(rule.endpoint, **_arguments(side, rule.endpoint, rule.arguments))))
            except KeyError:
                continue
    return urls


def _english_html(response) -> str | None:
    if response.status_code >= 300 or not response.mimetype == "text/html":
        return None
    html = response.get_data(as_text=True)
    assert 'lang="en"' in html[:400], "the page is not in English"
    return html


@pytest.fixture
def world(factory, org, db):
    sides = build_world(factory, org)
    for user in db.session.query(User).all():
        user.locale = "en"
    db.session.commit()
    return sides


def test_the_leak_finder_finds_an_indonesian_sentence():
    fragments = _fragments()
    assert "Kirim penilaian" in fragments
    page = "<html lang='en'><button>Kirim penilaian</button><script>var x = 'Simpan draf';</script></html>"
    assert leaks(page, fragments) == ["Kirim penilaian"]
    assert leaks("<p title='Submit rating'>Submit rating</p>", fragments) == []
    assert leaks("<ul translate='no'><li>Kirim penilaian</li></ul><p>Sent</p>", fragments) == []


def test_public_pages_in_english_have_no_indonesian_left(app, org, world):
    home, _away = world
    fragments = _fragments()
    client = app.test_client()
    client.set_cookie("lang", "en")
    extra = [("feedback.ticket", "/t/BUKAN-TIKET"), ("feedback.survey", f"/s/{org.counter.code}"),
             ("feedback.survey", "/s/TIDAKADA"), ("feedback.officer", "/p/tidakada")]
    found, opened = {}, 0
    for endpoint, url in _urls(app, home, public=True) + extra:
        client.set_cookie("lang", "en")  # a kiosk's thank-you page hands the tablet back in Indonesian
        html = _english_html(client.get(url))
        if html is None:
            continue
        opened += 1
        if leaked := leaks(html, fragments):
            found[f"{endpoint} {url}"] = leaked
    assert opened >= 10
    assert found == {}, "\n".join(f"{page}: {parts}" for page, parts in found.items())


@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_in_english_have_no_indonesian_left(app, org, world, role):
    home, _away = world
    fragments = _fragments()
    client = client_for(app, role)
    client.set_cookie("lang", "en")
    found, opened = {}, 0
    # The 360 form itself, with a real link: the pegawai's own self-review.
    extra = [("review_rater.answer", f"/ulasan/{links.invitation_token(home.invitation)}")]
    for endpoint, url in _urls(app, home, public=False) + extra:
        html = _english_html(client.get(url))
        if html is None:
            continue
        opened += 1
        if leaked := leaks(html, fragments):
            found[f"{endpoint} {url}"] = leaked
    assert opened >= MINIMUM_PAGES[role]
    assert found == {}, "\n".join(f"{page}: {parts}" for page, parts in found.items())
