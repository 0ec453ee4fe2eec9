"""Rendering: plural forms picked by the catalog's rule, channel variants, language names."""

from __future__ import annotations

import pytest

from bot.domain.messages import Text
from bot.language.catalogs import Catalogs, LanguageName


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load()


@pytest.mark.parametrize(
    ("count", "english", "polish"),
    [
        (1, "1 text", "1 SMS"),
        (2, "2 texts", "2 SMS-y"),
        (4, "4 texts", "4 SMS-y"),
        (5, "5 texts", "5 SMS-ów"),
        (12, "12 texts", "12 SMS-ów"),  # teens take the "many" form in Polish
        (22, "22 texts", "22 SMS-y"),
        (25, "25 texts", "25 SMS-ów"),
        (0, "0 texts", "0 SMS-ów"),
    ],
)
def test_plural_forms_follow_each_language(catalogs, count, english, polish):
    text = Text("sms.texts", {"count": count})
    assert catalogs.render(text, "en") == english
    assert catalogs.render(text, "pl") == polish


def test_one_family_is_not_one_families(catalogs):
    previews = {"previews": (), "notes": ()}
    one = catalogs.render(Text("update.preview", {"count": 1, **previews}), "en")
    two = catalogs.render(Text("update.preview", {"count": 2, **previews}), "en")
    assert one.startswith("This will go to 1 family.") and "families" not in one
    assert two.startswith("This will go to 2 families.")
    polish = [
        catalogs.render(Text("update.preview", {"count": n, **previews}), "pl").split(".")[0]
        for n in (1, 3, 5)
    ]
    assert polish == [
        "Ta wiadomość trafi do 1 rodziny",
        "Ta wiadomość trafi do 3 rodzin",
        "Ta wiadomość trafi do 5 rodzin",
    ]


def test_a_plural_message_without_a_count_is_an_error(catalogs):
    with pytest.raises(KeyError, match="count"):
        catalogs.render(Text("sms.texts", {}), "en")


def test_a_channel_variant_is_used_on_its_channel_only(catalogs):
    params = {"child": "Zofia", "carer": "Kasia", "relationship": "mum", "message": "Hi"}
    text = Text("wow.to_staff", {**params, "code": "#K7QM2"})
    by_sms = catalogs.render(text, "en", "sms")
    on_telegram = catalogs.render(text, "en", "telegram")
    assert "tap" not in by_sms.lower() and "start your reply with #K7QM2" in by_sms
    assert "tap Reply" in on_telegram
    assert catalogs.render(text, "en") == by_sms  # no channel: the plain message


def test_language_codes_are_named_in_the_readers_language(catalogs):
    text = Text("label.raw", {"text": LanguageName("pl")})
    assert catalogs.render(text, "en") == "Polish"
    assert catalogs.render(Text("label.raw", {"text": LanguageName("en")}), "pl") == "Angielski"
