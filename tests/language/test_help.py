"""Opt-out words stay English on SMS (carriers act on them): every catalog's HELP answer names
STOP and START as they are, and says in its own language that they are English words."""

from __future__ import annotations

from bot.domain.messages import Text
from bot.language.catalogs import Catalogs
from bot.language.choices import carrier_word

SAYS_ENGLISH = {"en": "always in English", "pl": "po angielsku"}


def test_every_catalogs_help_names_stop_and_start_in_english():
    catalogs = Catalogs.load()
    for lang, messages in catalogs.messages.items():
        help_text = messages.get("help.sms")
        assert isinstance(help_text, str), f"{lang} has no HELP answer"
        assert "STOP" in help_text and "START" in help_text, lang
        rendered = catalogs.render(Text("help.sms", {"setting": "Acorns", "phone": "1"}), lang)
        assert "STOP" in rendered


def test_english_and_polish_say_the_words_are_english():
    catalogs = Catalogs.load()
    for lang, words in SAYS_ENGLISH.items():
        assert words in str(catalogs.messages[lang]["help.sms"])


def test_the_english_words_are_what_carriers_read():
    assert carrier_word("STOP") == "STOP"
    assert carrier_word("START") == "START"
