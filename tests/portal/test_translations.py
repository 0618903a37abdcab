"""Every UI string is translated into English, and nothing is fuzzy or stale."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None,
            "lazy_ngettext": (1, 2)}


def _catalog():
    with open(ROOT / "translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        return read_po(handle)


def _source_messages():
    method_map = [("portal/**.py", "python"), ("surveys/**.py", "python"), ("portal/**/templates/**.html", "jinja2")]
    options = {"portal/**/templates/**.html": {"trimmed": "true"}}
    found = set()
    for directory in ("portal", "surveys"):
        mm = [(pattern.split("/", 1)[1], method) for pattern, method in method_map if pattern.startswith(directory)]
        opts = {k.split("/", 1)[1]: v for k, v in options.items() if k.startswith(directory)}
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / directory, mm, opts, keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_english_catalog_is_complete_and_not_fuzzy():
    catalog = _catalog()
    untranslated = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_every_marked_string_is_in_the_catalog():
    catalog = _catalog()
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog}
    missing = sorted(m for m in _source_messages() if m and m not in known)
    assert missing == [], "run `make messages` and translate the new strings"


def test_help_texts_name_the_options_as_the_options_read():
    """An English text that mentions an option by its Indonesian name uses the option's own English
    label (the 360 form's help once said "Cannot rate" beside an option reading "Unable to assess")."""
    catalog = _catalog()
    labels = {"Tidak dapat menilai": catalog["Tidak dapat menilai"].string}
    wrong = [message.id for message in catalog if message.id and isinstance(message.id, str)
             for name, label in labels.items()
             if name in message.id and message.id != name and label not in message.string]
    assert labels["Tidak dapat menilai"] == "Unable to assess" and wrong == []
