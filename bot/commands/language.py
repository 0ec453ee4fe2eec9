"""`keyperson language review LANG`: every message of a catalog beside English, with a sample
in each placeholder, so a native speaker can check a catalog without reading a .po file."""

from __future__ import annotations

import argparse

from bot.commands import Admin

# A sample for each placeholder the catalogs use; any other is shown as [name].
SAMPLES = {
    "reference": "C-1001",
    "child": "Amelia",
    "children": "Amelia, Leo",
    "carer": "Laura Hughes",
    "name": "Laura Hughes",
    "names": "Amelia, Leo",
    "staff": "Tom Baker",
    "key_person": "Tom Baker",
    "key_people": "Amelia: Tom Baker",
    "relationship": "mum",
    "message": "Amelia had a good day",
    "text": "Amelia had a good day",
    "words": "Amelia had a good day",
    "code": "#K7QM2",
    "setting": "Little Acorns Nursery",
    "phone": "01632 960123",
    "time": "10:30",
    "when": "Tuesday 10:30",
    "until": "Friday",
    "day": "Tuesday",
    "days": "Monday to Friday",
    "hours": "08:00-18:00",
    "opening": "Monday to Friday, 08:00-18:00",
    "staff_hours": "08:00-18:00",
    "quiet": "20:00-07:30",
    "minutes": "15",
    "number": "2",
    "url": "https://example.org/policies",
    "term": "EHCP",
    "language": "Polski",
    "topic": "speech",
    "urgency": "this week",
    "stage": "acknowledged",
    "answer_by": "Thursday",
    "reason": "ill",
    "phrases": "ate well, played outside",
    "answer": "She is fine, she ate all her lunch",
    "chars": "160",
    "contact": "Sarah Jones, 01632 960123",
    "content": "a photo",
    "evening": "18:00",
    "explanation": "a plan for a child's care and learning",
    "fewer": "1",
    "first": "Monday",
    "last": "Friday",
    "head": "Daily update",
    "lines": "Amelia: Tom Baker",
    "moment": "Tuesday 10:30",
    "morning": "07:30",
    "next": "Thursday",
    "notes": "(a note)",
    "only_concerns": "2",
    "previews": "(what each family will get)",
    "sent": "3",
    "signs": "- someone may be hitting or hurting a child",
    "sms": "2 text messages",
    "steps": "We answer within 2 working days.",
    "still": "Telegram",
    "stopped": "SMS",
    "found": "SALT",
    "suggestion": "speech and language therapist",
    "summary": "Amelia ate well and played outside",
    "texts": "2",
    "to": "Tom Baker",
    "updates": "3",
    "translation": "Did Amelia eat her lunch today?",
    "about": "Amelia's words",
    "after": "Jo will tell you what she saw",
    "agency": "health visitor",
    "answers": "Yes: 3, No: 1",
    "carers": "Laura Hughes, Dan Hughes",
    "end": "19:00",
    "explained": "a health visitor, a nurse who helps families with young children",
    "going_well": "She loves the sand tray",
    "help": "childcare",
    "invite": "Helping your child with talking, Thursday 21 January 18:00",
    "kind": "SEN support plan review",
    "languages": "Polski, English",
    "missed": "1",
    "no_information": "1",
    "notice": "Jo Reed is coming on Thursday 3 December 10:00",
    "online": "https://example.org/meet",
    "part": "1",
    "place": "at nursery",
    "position": "2",
    "ref": "W-12",
    "role": "speech and language therapist",
    "room": "Acorns",
    "rooms": "Acorns, Oaks",
    "start": "18:00",
    "state": "agreed",
    "title": "Helping your child with talking",
    "unreachable": "1",
    "what": "her two-year check notes",
    "where": "the Acorns room",
    "who": "Jo Reed, speech and language therapist",
    "why": "to see how Amelia is getting on with her words",
    "worries": "She is not sleeping well",
    "length": "2,100",
    "limit": "1,600",
    "opted_out": "1",
    "reach": "42 families (61 carers)",
    # A workshop added from a manager's phone.
    "most": "20",
    "preview": "(the invite as families will read it, and its reach)",
    "places": "Places: 20.",
}
COUNTS = (1, 2, 5)  # a plural message is shown in the forms these numbers take


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `keyperson language review LANG`."""
    language = commands.add_parser("language", help="check a language's messages")
    verbs = language.add_subparsers(dest="verb", required=True, metavar="review")
    review = verbs.add_parser(
        "review",
        help="print every message of a catalog beside English, placeholders filled in",
        description="Print every message of LANG's catalog beside the English one, with a "
        "sample in each {placeholder}; messages the catalog lacks are marked MISSING (families "
        "get the English then).",
    )
    review.add_argument("lang", metavar="LANG", help="a language code, e.g. pl")
    review.set_defaults(handler=run)


class _Samples(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"[{key}]"


def review(lang: str) -> list[str]:
    """The lines of the review: per message its key, the English and the language's."""
    from bot.language.catalogs import DEFAULT_LANGUAGE, Catalogs, Plural

    catalogs = Catalogs.load()
    if lang not in catalogs.messages:
        known = ", ".join(sorted(catalogs.messages))
        raise SystemExit(f"keyperson: no catalog for {lang!r} (there are: {known})")
    english, other = catalogs.messages[DEFAULT_LANGUAGE], catalogs.messages[lang]
    lines = [f"# {lang}: {len([k for k in english if k in other])} of {len(english)} messages"]
    for key, template in english.items():
        lines.append(f"\n{key}")
        counts = COUNTS if isinstance(template, Plural) else (None,)
        for count in counts:
            mark = f" (n={count})" if count is not None else ""
            for code in (DEFAULT_LANGUAGE, lang):
                if code != DEFAULT_LANGUAGE and key not in other:
                    lines.append(f"  {code}{mark}: MISSING")
                    continue
                text = catalogs.template(key, code, count).format_map(
                    _Samples(SAMPLES, count=str(count))
                )
                lines.append(f"  {code}{mark}: " + text.replace("\n", "\n      "))
    return lines


async def run(args: argparse.Namespace, admin: Admin) -> int:
    """Print the review of one catalog."""
    print("\n".join(review(args.lang)))
    return 0
