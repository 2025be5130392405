"""Every user-facing string is translated: the Chinese catalogue (the primary language)
must hold a translation for every message extracted from the code and templates."""

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_every_extracted_string_has_a_chinese_translation(tmp_path, monkeypatch):
    pot = tmp_path / "messages.pot"
    monkeypatch.chdir(ROOT)
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."]
    )
    with pot.open("rb") as fh:
        wanted = {(m.context, m.id) for m in read_po(fh) if m.id}
    with (ROOT / "locales/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    # Keyed with the context: a word with several meanings is translated once per meaning.
    translated = {(m.context, m.id) for m in catalog if m.id and not m.fuzzy and (
        all(m.string) if isinstance(m.string, tuple) else m.string)}
    missing = sorted(f"{c}|{m}" if c else str(m) for c, m in wanted - translated)
    assert not missing, f"{len(missing)} strings lack a Chinese translation: {missing[:10]}"


def test_the_english_catalogue_exists_beside_it():
    assert (ROOT / "locales/en/LC_MESSAGES/messages.po").exists()
