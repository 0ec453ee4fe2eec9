"""Every catalog in locales/ matches English, renders, covers the code's keys and suits SMS.

Plural messages (msgid_plural / msgstr[n]) have every form their language's Plural-Forms rule
needs, each with the same placeholders as English; a channel variant ("key@telegram") has its
plain key and the same placeholders.
"""

from __future__ import annotations

import ast
import gettext
import re
import string
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.app import flow_registry
from bot.domain import workshops as workshop_words
from bot.domain.messages import Channel, Text
from bot.domain.time import UPDATE_MODES
from bot.engine.news import ORDER as NEWS_ROUTES
from bot.flows import absence, concerns, visits
from bot.flows.daily_update import PHRASES
from bot.flows.information import TOPICS
from bot.flows.linking import PREFERENCES
from bot.handlers.sms.webhook import OPT_OUT_WORDS
from bot.language.catalogs import (
    CHANNEL_MARK,
    COUNT,
    DEFAULT_LANGUAGE,
    LOCALES_DIR,
    Catalogs,
    placeholders,
)
from bot.language.keywords import Keywords
from bot.language.safeguarding import shipped_signs

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "bot"
CATALOG_FILES = sorted(LOCALES_DIR.glob("*/LC_MESSAGES/bot.po"))
LANGUAGES = [po.parent.parent.name for po in CATALOG_FILES]
REGISTRY = flow_registry(Catalogs.load())

# GSM 03.38 default alphabet (basic set, without the ESC code that introduces the extension).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table: each costs two septets but keeps the message in GSM-7.
GSM7_EXTENSION = "\f^{}\\[~]|€"
GSM7 = frozenset(GSM7_BASIC + GSM7_EXTENSION)

# Characters that push any language's SMS into more parts with no gain in meaning:
# typographic quotes, dashes other than "-", odd spaces, invisible format marks, emoji.
UNSAFE_CATEGORIES = frozenset({"Pi", "Pf", "Pd", "Zs", "Cf", "So", "Sk", "Cs", "Co"})
PLAIN_EXCEPTIONS = frozenset({"-", " ", "^"})
UNSAFE_CHARACTERS = frozenset("…‚„‹›«»")


@dataclass(frozen=True, slots=True)
class Entry:
    """One message as written in a .po file: one string, or each of its plural forms."""

    forms: tuple[str, ...]
    fuzzy: bool
    plural: bool = False

    @property
    def string(self) -> str:
        """The singular (or only) form."""
        return self.forms[0]


def _read(po: Path) -> tuple[dict[str, Entry], int]:
    lang = po.parent.parent.name
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    entries = {}
    for m in catalog:
        if not m.id:
            continue
        if m.pluralizable:
            forms = tuple(str(f or "") for f in m.string)
            entries[str(m.id[0])] = Entry(forms, bool(m.fuzzy), plural=True)
        else:
            entries[str(m.id)] = Entry((str(m.string or ""),), bool(m.fuzzy))
    return entries, catalog.num_plurals


READ = {po.parent.parent.name: _read(po) for po in CATALOG_FILES}
CATALOGS = {lang: entries for lang, (entries, _) in READ.items()}
PLURAL_FORMS = {lang: forms for lang, (_, forms) in READ.items()}
ENGLISH = CATALOGS.get(DEFAULT_LANGUAGE, {})
SAMPLE_COUNTS = (0, 1, 2, 3, 4, 5, 11, 12, 14, 21, 22, 25, 101, 102, 112, 1000)
# Every count up to 999, and millions: Spanish and Portuguese say "1 millón de".
PLURAL_SAMPLE = (*range(0, 1000), 1_000_000, 2_000_000)


def _literal_text(template: str) -> str:
    """The text of a template outside its {placeholders}, as a reader will receive it."""
    return "".join(literal for literal, _, _, _ in string.Formatter().parse(template))


def test_english_catalog_is_present() -> None:
    assert DEFAULT_LANGUAGE in CATALOGS, f"no English catalog under {LOCALES_DIR}"
    assert ENGLISH, "the English catalog has no messages"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_exactly_the_english_keys(lang: str) -> None:
    keys = set(CATALOGS[lang])
    missing = sorted(set(ENGLISH) - keys)
    extra = sorted(keys - set(ENGLISH))
    problems = [f"{lang}: missing key {key!r}" for key in missing]
    problems += [f"{lang}: key {key!r} is not in the English catalog" for key in extra]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_translation_is_empty_or_fuzzy(lang: str) -> None:
    problems = []
    for key, entry in sorted(CATALOGS[lang].items()):
        if not all(form.strip() for form in entry.forms):
            problems.append(f"{lang}: key {key!r} has an empty translation")
        if entry.fuzzy:
            problems.append(f"{lang}: key {key!r} is marked fuzzy")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match_english(lang: str) -> None:
    problems = []
    for key, entry in sorted(CATALOGS[lang].items()):
        if key not in ENGLISH:
            continue
        want = placeholders(ENGLISH[key].string)
        for number, form in enumerate(entry.forms):
            got = placeholders(form)
            if want != got:
                problems.append(
                    f"{lang}: key {key!r} form {number} has placeholders {sorted(got)}, "
                    f"English has {sorted(want)}"
                )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_messages_have_every_form_the_language_needs(lang: str) -> None:
    needed = PLURAL_FORMS[lang]
    problems = []
    for key, entry in sorted(CATALOGS[lang].items()):
        english = ENGLISH.get(key)
        if english is not None and entry.plural != english.plural:
            problems.append(f"{lang}: key {key!r} is plural in only one of {lang} and English")
        if entry.plural and len(entry.forms) != needed:
            problems.append(
                f"{lang}: key {key!r} has {len(entry.forms)} plural forms, {lang} needs {needed}"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_plural_rule_picks_an_existing_form_for_every_number(
    catalogs: Catalogs, lang: str
) -> None:
    picked = {catalogs.plural_form(n, lang) for n in PLURAL_SAMPLE}
    assert picked == set(range(PLURAL_FORMS[lang])), f"{lang}: forms used {sorted(picked)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_plural_rule_is_babels_rule_for_the_language(catalogs: Catalogs, lang: str) -> None:
    babel = get_plural(lang)
    assert PLURAL_FORMS[lang] == babel.num_plurals, f"{lang}: Babel has {babel.num_plurals} forms"
    expected = gettext.c2py(babel.plural_expr)
    differ = [n for n in PLURAL_SAMPLE if catalogs.plural_form(n, lang) != expected(n)]
    assert not differ, f"{lang}: the Plural-Forms header differs from Babel's rule for {differ[:5]}"


def test_channel_variants_have_their_plain_message_and_its_placeholders() -> None:
    channels = {channel.value for channel in Channel}
    problems = []
    for key, entry in sorted(ENGLISH.items()):
        if CHANNEL_MARK not in key:
            continue
        plain, channel = key.split(CHANNEL_MARK, 1)
        if channel not in channels:
            problems.append(f"{key!r}: {channel!r} is not a channel ({sorted(channels)})")
        elif plain not in ENGLISH:
            problems.append(f"{key!r}: no message {plain!r} for the other channels")
        elif placeholders(entry.string) != placeholders(ENGLISH[plain].string):
            problems.append(f"{key!r}: placeholders differ from {plain!r}")
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_english_key_renders(catalogs: Catalogs, lang: str) -> None:
    problems = []
    for key, entry in sorted(ENGLISH.items()):
        plain, _, channel = key.partition(CHANNEL_MARK)
        params: dict[str, object] = dict.fromkeys(placeholders(entry.string), "x")
        for count in SAMPLE_COUNTS if entry.plural else (None,):
            if count is not None:
                params[COUNT] = count
            try:
                rendered = catalogs.render(Text(plain, params), lang, channel or None)
            except (KeyError, IndexError, ValueError, AttributeError) as error:
                problems.append(f"{lang}: key {key!r} does not render: {error!r}")
                continue
            if not rendered:
                problems.append(f"{lang}: key {key!r} renders as nothing")
    assert not problems, "\n".join(problems)


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _first_argument(node: ast.Call, keyword: str) -> ast.expr | None:
    if node.args:
        return node.args[0]
    return next((k.value for k in node.keywords if k.arg == keyword), None)


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _calls(name: str) -> Iterator[tuple[ast.Call, str]]:
    """Every call to `name` in the code under bot/, with where it is."""
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) == name:
                yield node, f"{path.relative_to(ROOT)}:{node.lineno}"


def _unlabelled_choice_keys() -> tuple[str, ...]:
    """Keys of Choice("key") offered without a label: effects.py renders them as choice.<key>."""
    keys = set()
    for node, _ in _calls("Choice"):
        labelled = len(node.args) > 1 or any(k.arg == "label" for k in node.keywords)
        key = _literal(_first_argument(node, "key"))
        if key is not None and not labelled:
            keys.add(key)
    return tuple(sorted(keys))


@cache  # the code under bot/ is parsed once, not once per catalog and call
def _dynamic_keys() -> dict[str, tuple[str, ...]]:
    """Each f-string key prefix the code builds, and the values its one field can take."""
    return {
        "info.choice.": (*TOPICS, *(entry.key for entry in REGISTRY.entries)),
        "choice.": _unlabelled_choice_keys(),
        "choice.on_": PREFERENCES,
        "link.where_": PREFERENCES,
        "notpassed.": ("edited", "unsupported"),
        "command.": (*REGISTRY.commands("carer"), *REGISTRY.commands("staff")),
        "phrase.": PHRASES,
        "settings.mode_": UPDATE_MODES,
        "settings.done_": UPDATE_MODES,
        "plain.line_": ("jargon", "hurtful"),
        "news.reach_": NEWS_ROUTES,
        "optout.still_": ("sms", "telegram"),
        "absence.reason_": absence.REASONS,
        "concern.topic_": concerns.TOPICS,
        "concern.urgency_": concerns.URGENCIES,
        "concern.answer_by_": concerns.ANSWERS,
        "concern.rating_": concerns.REOPENING,
        "concern.stage_": concerns.STAGES,
        "concern.button_": tuple(concerns.PRESSED.values()),
        "safeguarding.sign_": shipped_signs().known_kinds,
        "workshop.choice_": workshop_words.ANSWERS,
        "workshop.help_": workshop_words.HELPS,
        "visit.": ("moved", "reminder"),
        "visit.role_": tuple(visits.ROLES),
        "visit.answer_": visits.HOME_ANSWERS + visits.ANSWERS,
        "visit.ask_": tuple(visits.WORDED),
        "visit.thanks_": ("fine", "call"),
        "visit.time_": ("unreadable", "past", "no_such_time"),
    }


def _expand(key: ast.expr, dynamic: dict[str, tuple[str, ...]]) -> list[str] | None:
    """The keys a literal or f"prefix.{field}" key can name; None when it cannot be known."""
    literal = _literal(key)
    if literal is not None:
        return [literal]
    if isinstance(key, ast.JoinedStr) and len(key.values) == 2:
        prefix, field = key.values
        start = _literal(prefix)
        if start in dynamic and isinstance(field, ast.FormattedValue):
            return [start + value for value in dynamic[start]]
    return None


def _source_keys() -> Iterator[tuple[str | None, str]]:
    """(key, where) for every key the code names in Text(...); None for an unknowable one."""
    dynamic = _dynamic_keys()
    for node, where in _calls("Text"):
        key = _first_argument(node, "key")
        if key is None or not isinstance(key, ast.Constant | ast.JoinedStr):
            continue  # a key held in a variable is beyond what a syntax scan can know
        expanded = _expand(key, dynamic)
        if expanded is None:
            yield None, where
        for name in expanded or ():
            yield name, where


def test_source_scan_finds_literal_and_fstring_keys() -> None:
    found = {key for key, _ in _source_keys()}
    assert "info.menu" in found
    assert {f"info.choice.{topic}" for topic in TOPICS} <= found


def test_every_key_used_in_code_is_in_english() -> None:
    problems = []
    for key, where in _source_keys():
        if key is None:
            problems.append(f"{where}: f-string key with no known values: add it to _dynamic_keys")
        elif key not in ENGLISH:
            problems.append(f"{where}: key {key!r} is not in the English catalog")
    assert not problems, "\n".join(problems)


def test_english_templates_are_gsm7() -> None:
    problems = []
    for key, entry in sorted(ENGLISH.items()):
        outside = sorted({c for form in entry.forms for c in _literal_text(form)} - GSM7)
        if outside:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in outside)
            problems.append(f"en: key {key!r} has characters outside GSM-7: {shown}")
    assert not problems, "\n".join(problems)


def _unsafe(char: str) -> bool:
    if char in PLAIN_EXCEPTIONS:
        return False
    return char in UNSAFE_CHARACTERS or unicodedata.category(char) in UNSAFE_CATEGORIES


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_typographic_punctuation_or_emoji(lang: str) -> None:
    problems = []
    for key, entry in sorted(CATALOGS[lang].items()):
        bad = sorted({c for form in entry.forms for c in _literal_text(form) if _unsafe(c)})
        if bad:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in bad)
            problems.append(f"{lang}: key {key!r} has characters unsuited to SMS: {shown}")
    assert not problems, "\n".join(problems)


# Messages only ever sent in a Telegram chat (linking and the Telegram welcome), where a button
# can be tapped; every other message may go by SMS, where there is nothing to tap.
TELEGRAM_ONLY = frozenset(
    {
        "unknown.telegram",
        "welcome.staff_telegram",
        "link.ask_contact",
        "link.bad_code",
        "link.not_own",
    }
)


def test_no_text_message_asks_anyone_to_tap() -> None:
    problems = [
        f"en: key {key!r} says 'tap' but may go by SMS: give it a {key}@telegram variant"
        for key, entry in sorted(ENGLISH.items())
        if CHANNEL_MARK not in key
        and key not in TELEGRAM_ONLY
        and any("tap" in form.casefold().split() for form in entry.forms)
    ]
    assert not problems, "\n".join(problems)


def test_polish_says_na_telegramie() -> None:
    wrong = re.compile(r"\bna Telegram\b(?!ie)")
    problems = [
        f"pl: key {key!r} says 'na Telegram': in Polish it is 'na Telegramie'"
        for key, entry in sorted(CATALOGS.get("pl", {}).items())
        if any(wrong.search(form) for form in entry.forms)
    ]
    assert not problems, "\n".join(problems)


# A quick phrase follows a child's name, or several names, so it must not agree with the child:
# no pronoun for the child (mu, jej, go…), no neuter past tense that makes the child "it"
# (zjadło, spało); "udało się" is impersonal and reads the same for a girl, a boy or twins.
CHILD_PRONOUNS = re.compile(r"\b(mu|jej|go|jego|niej|nim|niego|on|ona|ono)\b", re.IGNORECASE)
CHILD_AS_IT = re.compile(r"\b(?!udało\b)\w+ło\b", re.IGNORECASE)


def test_polish_quick_phrases_do_not_guess_a_childs_gender() -> None:
    problems = []
    for phrase in PHRASES:
        text = CATALOGS["pl"][f"phrase.{phrase}"].string
        for rule in (CHILD_PRONOUNS, CHILD_AS_IT):
            found = rule.search(text)
            if found:
                problems.append(f"pl: phrase.{phrase} {text!r}: {found.group(0)!r} guesses")
    assert not problems, "\n".join(problems)


# Carriers (and Twilio) treat these, sent alone by SMS, as an opt-out whatever Keyperson does.
OPT_OUT = frozenset(OPT_OUT_WORDS)
# Messages whose job is to say how to stop: carriers require STOP to be named there.
STOP_INSTRUCTIONS = frozenset(
    {
        "optout.started",
        "optout.started_telegram",
        "optout.still_sms",
        "optout.still_telegram",
        "help.sms",
    }
)
INSTRUCTION = re.compile(
    r"\b(?:reply|send|text|type|write|say|press|tap|choose|odpisa\w*|odpisz\w*|wy\w*lij\w*|"
    r"napisa\w*|napisz\w*|wpisa\w*|wpisz\w*|wybra\w*|wybierz\w*)\b\W{0,3}(\w+)",
    re.IGNORECASE,
)
LABEL_KEY = re.compile(r"(^|\.)choice[._]|^label\.|^plain\.(use|keep)$|^settings\.mode_|^phrase\.")


def _text_keys(node: ast.expr | None) -> list[str]:
    """The keys a Text(...) expression can name (none for anything else)."""
    if not (isinstance(node, ast.Call) and _called(node) == "Text"):
        return []
    key = _first_argument(node, "key")
    return (_expand(key, _dynamic_keys()) or []) if key is not None else []


@cache
def _label_keys() -> frozenset[str]:
    """Every catalog key used as a choice's label: in Choice(key, label) and the labels passed
    to wording.question, the unlabelled choice.<key>, and keys named as labels."""
    keys = {f"choice.{key}" for key in _unlabelled_choice_keys()}
    for name in ("Choice", "question"):
        for node, _ in _calls(name):
            arguments = [*node.args[1:], *(k.value for k in node.keywords if k.arg != "key")]
            for argument in arguments:
                keys.update(_text_keys(argument))
    keys.update(key for key in ENGLISH if LABEL_KEY.search(key))
    return frozenset(keys)


def opt_out_problems(key: str, template: str, label: bool) -> list[str]:
    """What in one message invites a word that unsubscribes, if anything."""
    text = _literal_text(template)
    problems = []
    if label:
        words = {w.upper() for w in re.findall(r"[^\W_]+", text)}
        problems += [
            f"label {key!r} is or holds the opt-out word {w}" for w in sorted(words & OPT_OUT)
        ]
    for match in INSTRUCTION.finditer(text):
        word = match.group(1).upper()
        if word in OPT_OUT and not (word == "STOP" and key in STOP_INSTRUCTIONS):
            problems.append(f"{key!r} tells the reader to send {word}: {match.group(0)!r}")
    return problems


def test_the_label_scan_finds_labels_from_code_and_from_wording() -> None:
    labels = _label_keys()
    assert {"update.choice_cancel", "relay.choice_all", "info.choice.hours", "plain.keep"} <= labels
    assert "relay.choice_edit" in labels  # passed to wording.question, not to Choice


def test_the_opt_out_check_catches_labels_and_instructions() -> None:
    assert opt_out_problems("x.choice_cancel", "Cancel", label=True)
    assert opt_out_problems("x.choice_end", "End the update", label=True)
    assert opt_out_problems("x.msg", "To leave this, reply CANCEL.", label=False)
    assert opt_out_problems("x.msg", 'Aby wyjsc, prosimy odpisac "END".', label=False)
    assert opt_out_problems("x.msg", "Reply STOP to stop.", label=False)
    assert not opt_out_problems("help.sms", "Reply STOP to stop messages.", label=False)
    assert not opt_out_problems("x.msg", "We close at the end of the day.", label=False)
    assert not opt_out_problems("x.choice_back", "Not now", label=True)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_label_or_instruction_invites_an_sms_opt_out_word(lang: str) -> None:
    labels = _label_keys()
    problems = []
    for key, entry in sorted(CATALOGS[lang].items()):
        problems += [f"{lang}: {p}" for p in opt_out_problems(key, entry.string, key in labels)]
    assert not problems, "\n".join(problems)


# Carriers act on the English words alone, so every catalog names them as they are.
CARRIER_WORDS = {
    "help.sms": "STOP",
    "optout.started": "STOP",
    "optout.still_sms": "STOP",
    "optout.stopped": "START",
    "optout.stopped_telegram": "START",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_opt_out_instructions_keep_the_english_words(lang: str) -> None:
    problems = [
        f"{lang}: {key!r} does not name {word} as carriers know it"
        for key, word in CARRIER_WORDS.items()
        if not re.search(rf"(?<![^\W\d_]){word}(?![^\W\d_])", CATALOGS[lang][key].string)
    ]
    assert not problems, "\n".join(problems)


# Words a family is told to type, in capitals, and the trigger words they must be among.
TOLD_TO_TYPE = {
    "choice.sms_leave_hint": ("leave",),
    "concern.left": ("concern",),
    "concern.try_again": ("concern",),
    "concern.closed": ("concern_yes", "concern_not_really", "concern_manager"),
}
SYSTEM_WORDS = frozenset({"INFO", "STOP", "START", "ACK", "CLOSE", "SMS"})


def _capitalised_runs(template: str) -> list[str]:
    """Runs of words written in capitals ("NOT NOW"; "{reference} NIE BARDZO" gives "NIE
    BARDZO"): a placeholder or punctuation ends a run; scripts without capitals give none."""
    runs = []
    for literal, _, _, _ in string.Formatter().parse(template):
        for piece in re.split(r"[^\w\s]", literal):
            run: list[str] = []
            for word in [*re.findall(r"[^\W\d_]+", piece), ""]:
                if len(word) > 1 and word.isupper():
                    run.append(word)
                    continue
                if run and " ".join(run) not in SYSTEM_WORDS:
                    runs.append(" ".join(run))
                run = []
    return runs


@pytest.mark.parametrize("lang", LANGUAGES)
def test_words_a_family_is_told_to_type_are_understood(lang: str) -> None:
    words = Keywords.from_catalogs(Catalogs.load())
    problems = []
    for key, triggers in TOLD_TO_TYPE.items():
        for run in _capitalised_runs(CATALOGS[lang][key].string):
            if not any(words.said(trigger, run) for trigger in triggers):
                problems.append(f"{lang}: {key!r} tells families to type {run!r}: not a {triggers}")
    assert not problems, "\n".join(problems)
