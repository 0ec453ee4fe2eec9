"""Plain words: jargon and hurtful wording in staff text, suggestions, explanations, questions."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bot.language.plain import HURTFUL, JARGON, Flag, Glossary
from bot.language.plain_data import read_glossary
from bot.language.segments import gsm7_only

GLOSSARY = Glossary.load()
DATA = read_glossary()

# Held-out sentences as a key person writes them, with every glossary key they should raise.
JARGON_SENTENCES = [
    ("Priya the SENCo will join the APDR meeting on Tuesday.", {"SENCo", "APDR"}),
    ("We'll talk about her EHC plan at the annual review.", {"EHCP", "annual review"}),
    ("He's working on fine motor skills in CLL time.", {"fine motor skills", "CLL"}),
    ("The EP is coming in on Thursday to watch Leo play.", {"EP"}),
    ("Amira's SALT has sent some new targets for her IEP.", {"SALT", "IEP"}),
    ("We have started the graduated approach and will write an ISP with you.",
     {"graduated approach", "ISP"}),
    ("Her progress check at two is due next month, so we will look at PSED and PD.",
     {"progress check at two", "PSED", "PD"}),
    ("The OT suggested a sensory diet before lunch.", {"OT", "sensory diet"}),
    ("We are asking the LA for an EHC needs assessment.", {"LA", "EHC needs assessment"}),
    ("Ali is EAL and is doing really well with his expressive language.",
     {"EAL", "expressive language"}),
    ("Portage will visit you at home every two weeks.", {"Portage"}),
    ("Maya's transition to the pre-school room starts on Monday.", {"transition"}),
    ("We use Makaton and PECS at snack time.", {"Makaton", "PECS"}),
    ("Jack will have an LSA for 1:1 support in the afternoons.", {"LSA", "1:1"}),
    ("The health visitor wants to refer Noah to CAMHS.", {"CAMHS"}),
    ("SENDIASS can come with you to the TAC meeting.", {"SENDIASS", "TAC"}),
    ("You can find the Local Offer on the council website.", {"Local Offer"}),
    ("We will agree new outcomes and talk about his provision.", {"outcomes", "provision"}),
    ("We are using differentiation and scaffolding to help her join in.",
     {"differentiation", "scaffolding"}),
    ("We follow in the moment planning, and he has a strong transporting schema.",
     {"in the moment planning", "schema"}),
    ("Could you apply for DLA? Then we can claim the DAF for her.", {"DLA", "DAF"}),
    ("She is working towards the ELGs and GLD in Reception.", {"ELG", "GLD"}),
    ("He has a diagnosis of ASD and SLCN.", {"ASD", "SLCN"}),
    ("The SEMH team and the Early Help team will both come.", {"SEMH", "Early Help"}),
    ("Our SEND workshop explains the EYFS and Development Matters.",
     {"SEND", "EYFS", "Development Matters"}),
    ("Her gross motor skills are coming on and she climbs with more confidence.",
     {"gross motor skills"}),
    ("We do WellComm and the ASQ-3 with every two-year-old.", {"WellComm", "ASQ"}),
    ("The area SENCo will look at his visual timetable and objects of reference.",
     {"Area SENCo", "visual timetable", "objects of reference"}),
    ("He became dysregulated at tidy-up time, so we used co-regulation.",
     {"dysregulated", "co-regulation"}),
    ("Our TA will add her PLODs to her learning journey.", {"TA", "PLOD", "learning journey"}),
    ("The Ed Psych report mentions echolalia and joint attention.",
     {"EP", "echolalia", "joint attention"}),
    ("She's using a pincer grip for mark-making now.", {"pincer grip", "mark making"}),
    ("We'll look at the characteristics of effective learning and the prime areas.",
     {"characteristics of effective learning", "prime areas"}),
    ("The DSL asked for an EHA, and there will be a multi-agency meeting.",
     {"DSL", "EHA", "multi-agency"}),
    ("Her SMART targets are in her SEN Support plan.", {"SMART targets", "SEN Support"}),
    ("He is on SEN support and has ADHD and GDD.", {"SEN Support", "ADHD", "GDD"}),
    ("We'll share the two-year check with the integrated review.",
     {"two-year check", "integrated review"}),
    ("He was added to the SEN register this term.", {"SEN"}),
    ("Her receptive language and proprioception have come on, and she loves vestibular play.",
     {"receptive language", "proprioception", "vestibular"}),
    ("We are adding more visuals to the continuous provision outdoors.",
     {"visuals", "continuous provision"}),
    ("The provision map shows his stimming breaks and intensive interaction.",
     {"provision map", "stimming", "intensive interaction"}),
    ("Sensory processing can make the hall feel very loud for him.", {"sensory processing"}),
    ("A TAF meeting could bring SENIF funding, and EYPP for Lily.", {"TAF", "SENIF", "EYPP"}),
    ("We'll write her APDR with the SENCO and the OT's advice.", {"APDR", "SENCo", "OT"}),
    ("We are closed on Friday for an INSET day.", {"INSET day"}),
    ("The nursery is closed for a PD day, and PD is on the plan next week.", {"INSET day", "PD"}),
]  # fmt: skip

PLAIN_SENTENCES = [
    "We went up the path to the park today.",
    "He said 'la la la' all the way through the song.",
    "Ot's new shoes are in her bag.",
    "Pd is written on the label of her lunchbox.",
    "You can read more at https://example.org/SEND and www.example.org/EHCP/plan.",
    "Please reply with #EP4 at the start of your message, or #EP on its own.",
    "She was so independent at lunch today!",
    "Her key person, Sam, will be in at 8.",
    "The health visitor is coming on Monday.",
    "The paediatrician letter has arrived and we will keep a copy.",
    "Please send a spare set of clothes tomorrow.",
    "PLEASE SEND A SUN HAT THIS WEEK.",
    "Send us a photo of the den you built!",
    "We made salt dough this afternoon.",
    "Salt and pepper noodles were a hit at lunch.",
    "Ta for the lovely card!",
    "The setting will be closed on Friday for staff training.",
    "He played 1 to 10 counting games and the football ended 2-1.",
    "The meeting is at 1:15 on 1-1-2025.",
    "Thank you for your early help with the fundraiser.",
    "Email office@send.example.org if you have any questions.",
    "Visit www.example.gov.uk/local-offer for the dates.",
    "Her development matters to all of us.",
    "We went to ASDA to buy fruit for snack.",
    "She had one-to-one time with her key person.",
    "It was a lovely sunny day in the garden and everyone played outside.",
    "Snack today is apple and pear with water.",
    "Pick-up is at 3pm and drop-off is from 8am.",
    "He is learning to take turns on the slide.",
    "Happy birthday to Tom from all of us!",
    "LA LA LA, we sang all morning.",
    "Our Reception teachers came to visit today.",
]

# Broadcast wording that can hurt, and the pattern each should raise (only when to_many).
HURTFUL_SENTENCES = [
    ("All children should be able to write their name before they start school.", "able_to"),
    ("By now most children are using the toilet on their own.", "by_now"),
    ("Most children can count to ten at this age.", "most_children"),
    ("Normal children enjoy messy play.", "normal_children"),
    ("Our visitor today suffers from autism.", "suffers_from"),
    ("A wheelchair-bound speaker will talk to us about inclusion.", "wheelchair_bound"),
    ("The new garden is open to children confined to a wheelchair.", "confined_to_wheelchair"),
    ("We welcome high-functioning autistic children.", "functioning_labels"),
    ("Please read with your child every night so they do not fall behind.", "falling_behind"),
    ("Reading at home helps children catch up with the other children.", "catch_up"),
    ("Naughty children will miss golden time.", "naughty"),
    ("Children should be toilet trained before moving to the pre-school room.",
     "milestone_deadline"),
    ("Our special needs children loved the new garden.", "special_needs_label"),
    ("Despite his disability, Sam won the egg and spoon race!", "despite_disability"),
    ("Some children are behind their peers in talking.", "behind_peers"),
    ("Every child should now know their colours.", "all_children_should"),
    ("The old building only had a handicapped toilet.", "outdated_labels"),
]  # fmt: skip

PLAIN_BROADCASTS = [
    "All children should bring a coat and wellies tomorrow.",
    "Most children enjoyed the trip to the farm.",
    "Lots of children are suffering from colds this week, so please wash hands.",
    "Children are learning to use the toilet, each at their own pace.",
    "Every child is welcome at the summer party.",
    "We will send children home with their paintings.",
    "Please make sure spare clothes are dry and labelled.",
    "The garden is now fully open for children who use a wheelchair.",
    "Children can catch up on sleep over the long weekend.",
    "Our normal opening hours start again on Monday.",
    "Children will be able to try the new climbing frame.",
    "Autistic children and disabled children are welcome at every session.",
]

REQUIRED_TERMS = [
    "SEND", "SEN", "SENCo", "EHCP", "EYFS", "SALT", "EP", "OT", "APDR", "IEP", "ISP", "PSED",
    "CLL", "PD", "ELG", "SEMH", "ASD", "ADHD", "Portage", "graduated approach",
    "progress check at two", "two-year check", "DLA", "LA", "SLCN", "GLD", "EAL", "PLOD", "TAC",
    "Early Help", "sensory processing", "fine motor skills", "gross motor skills", "transition",
    "Makaton", "PECS", "LSA", "TA", "1:1", "CAMHS", "SENDIASS", "Local Offer", "annual review",
    "outcomes", "provision", "differentiation", "scaffolding", "in the moment planning", "schema",
]  # fmt: skip
NEVER_FLAGGED = ["key person", "health visitor", "paediatrician", "setting"]


def _terms(flags: tuple[Flag, ...], kind: str) -> set[str]:
    return {flag.term for flag in flags if flag.kind == kind}


def test_every_expected_term_is_flagged_and_nothing_else() -> None:
    problems = []
    for sentence, expected in JARGON_SENTENCES:
        found = _terms(GLOSSARY.check(sentence), JARGON)
        if found != expected:
            missing, extra = sorted(expected - found), sorted(found - expected)
            problems.append(f"{sentence!r}: missing {missing}, unexpected {extra}")
    assert not problems, "\n".join(problems)
    assert len(JARGON_SENTENCES) >= 25


def test_plain_sentences_raise_nothing() -> None:
    problems = {s: GLOSSARY.check(s, to_many=True) for s in PLAIN_SENTENCES}
    assert not {s: f for s, f in problems.items() if f}
    assert len(PLAIN_SENTENCES) >= 25


def test_hurtful_wording_is_flagged_only_for_many_families() -> None:
    problems = []
    for sentence, pattern in HURTFUL_SENTENCES:
        if GLOSSARY.check(sentence):
            problems.append(f"{sentence!r} is flagged in a message to one family")
        found = GLOSSARY.check(sentence, to_many=True)
        if _terms(found, HURTFUL) != {pattern} or _terms(found, JARGON):
            problems.append(f"{sentence!r}: {[(f.kind, f.term) for f in found]}, want {pattern}")
    assert not problems, "\n".join(problems)
    assert {pattern for _, pattern in HURTFUL_SENTENCES} == {w.id for w in DATA.wordings}


def test_plain_broadcasts_are_not_flagged() -> None:
    flagged = {s: GLOSSARY.check(s, to_many=True) for s in PLAIN_BROADCASTS}
    assert not {s: f for s, f in flagged.items() if f}


def test_a_flag_names_what_was_written_and_why() -> None:
    text = "Priya the SENCo will join the APDR meeting."
    senco, apdr = GLOSSARY.check(text)
    assert (senco.kind, senco.found, senco.term) == (JARGON, "SENCo", "SENCo")
    assert text[senco.start : senco.end] == "SENCo"
    assert senco.suggestion == "lead for extra help"
    assert "special educational needs coordinator" in senco.reason
    assert "lead for extra help" in senco.reason
    assert apdr.start > senco.end
    (hurt,) = GLOSSARY.check("By now most children can dress themselves.", to_many=True)
    assert (hurt.kind, hurt.suggestion) == (HURTFUL, "")
    assert hurt.reason


def test_flags_are_in_order_and_never_overlap() -> None:
    text = (
        " ".join(s for s, _ in JARGON_SENTENCES) + " " + " ".join(s for s, _ in HURTFUL_SENTENCES)
    )
    flags = GLOSSARY.check(text, to_many=True)
    assert all(a.end <= b.start for a, b in itertools.pairwise(flags))
    assert all(text[f.start : f.end] == f.found for f in flags)


def test_hurtful_wording_wins_over_jargon_inside_it() -> None:
    (flag,) = GLOSSARY.check("Our SEND children loved it.", to_many=True)
    assert (flag.kind, flag.found) == (HURTFUL, "SEND children")
    assert _terms(GLOSSARY.check("Our SEND children loved it."), JARGON) == {"SEND"}


@pytest.mark.parametrize("word", NEVER_FLAGGED)
def test_plain_words_the_product_uses_are_explained_but_never_flagged(word: str) -> None:
    assert GLOSSARY.check(f"Your {word} will call you.", to_many=True) == ()
    assert GLOSSARY.lookup(f"What is a {word}?") == word
    assert GLOSSARY.explain(word, "en")


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("We will update her EHCP.", "We will update her education, health and care plan."),
        ("EHCP meetings are weekly.", "Education, health and care plan meetings are weekly."),
        ("Thanks. SALT is on Monday.", "Thanks. Speech and language therapist is on Monday."),
        ("The EPs will visit.", "The educational psychologists will visit."),
        ("Ask us about DLA today.", "Ask us about Disability Living Allowance today."),
        ("Priya the SENCo will call.", "Priya the lead for extra help will call."),
        ("He loves his fine-motor games.", "He loves his hand and finger skills games."),
        ("A 1:1 session", "A one-to-one session"),
    ],
)  # fmt: skip
def test_accept_replaces_the_flagged_words(text: str, accepted: str) -> None:
    (flag,) = GLOSSARY.check(text)
    assert GLOSSARY.accept(text, flag) == accepted


def test_accepting_every_suggestion_leaves_no_jargon() -> None:
    problems = []
    for sentence, _ in JARGON_SENTENCES:
        text = sentence
        for flag in reversed(GLOSSARY.check(sentence)):
            text = GLOSSARY.accept(text, flag)
        if GLOSSARY.check(text):
            problems.append(f"{sentence!r} became {text!r}, still flagged")
    assert not problems, "\n".join(problems)


def test_accept_refuses_a_hurtful_flag_and_a_stale_one() -> None:
    text = "Naughty children will miss golden time."
    (hurt,) = GLOSSARY.check(text, to_many=True)
    with pytest.raises(ValueError, match="no plain alternative"):
        GLOSSARY.accept(text, hurt)
    (flag,) = GLOSSARY.check("Ask the SENCo.")
    with pytest.raises(ValueError, match="changed"):
        GLOSSARY.accept("Ask the EP now.", flag)


def test_explain_in_english_polish_and_falling_back_to_english() -> None:
    english = GLOSSARY.explain("EHCP", "en")
    polish = GLOSSARY.explain("EHCP", "pl")
    assert english and "education, health and care plan" in english
    assert polish and "plan edukacji, zdrowia i opieki" in polish
    assert GLOSSARY.explain("EHCP", "pl-PL") == polish
    assert GLOSSARY.explain("EHCP", "de") == english  # no German explanations
    assert GLOSSARY.explain("ehc plan", "en") == english
    assert GLOSSARY.explain("Education, Health and Care Plan", "pl") == polish
    assert GLOSSARY.explain("speech and language therapist", "en") == GLOSSARY.explain("SLT", "en")
    assert GLOSSARY.explain("nursery rhyme", "en") is None


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("WHAT IS EHCP", "EHCP"),
        ("what is an EHC plan?", "EHCP"),
        ("What's SALT", "SALT"),
        ("whats slt?", "SALT"),
        ("co to jest EHCP", "EHCP"),
        ("Co to jest SENCo?", "SENCo"),
        ("co oznacza APDR?", "APDR"),
        ("What does SENCo stand for?", "SENCo"),
        ("what does EYFS mean", "EYFS"),
        ("Who is the SENCO?", "SENCo"),
        ("What are EPs?", "EP"),
        ("what is the local offer", "Local Offer"),
        ("What is 1:1?", "1:1"),
        ("What is a speech and language therapist?", "SALT"),
        ("what is 'PECS'?", "PECS"),
        ("SENCo?", "SENCo"),
        ("Explain APDR", "APDR"),
        ("Kto to jest SENCo?", "SENCo"),
        ("kto to SENCo", "SENCo"),
        ("Czym jest EHCP?", "EHCP"),
        ("Co to jest „EHCP”?", "EHCP"),
    ],
)
def test_lookup_finds_the_term_a_parent_asks_about(question: str, key: str) -> None:
    assert GLOSSARY.lookup(question) == key


@pytest.mark.parametrize(
    "question",
    [
        "What is she having for lunch?",
        "What time is pick up?",
        "Is the EHCP meeting today",
        "Can you send me the EHCP?",
        "what is",
        "",
        "Thanks!",
    ],
)
def test_lookup_ignores_other_messages(question: str) -> None:
    assert GLOSSARY.lookup(question) is None


def test_every_entry_is_complete() -> None:
    problems = []
    for term in DATA.terms:
        for field, value in (
            ("plain", term.plain),
            ("explain.en", term.explain.get("en", "")),
            ("explain.pl", term.explain.get("pl", "")),
        ):
            if not value.strip():
                problems.append(f"{term.key}: empty {field}")
    assert not problems, "\n".join(problems)
    flagged = [term for term in DATA.terms if term.flagged]
    assert len(flagged) >= 45
    assert len(DATA.wordings) >= 10
    assert set(REQUIRED_TERMS) <= {term.key for term in flagged}
    assert set(NEVER_FLAGGED) <= {term.key for term in DATA.terms if not term.flagged}
    assert GLOSSARY.terms == tuple(term.key for term in DATA.terms)


def test_keys_and_spellings_are_unique() -> None:
    keys = [term.key for term in DATA.terms]
    assert len(keys) == len(set(keys))
    owner: dict[str, str] = {}
    problems = []
    for term in DATA.terms:
        spellings = [*term.exact, *term.words, *term.known]
        if len(spellings) != len(set(spellings)):
            problems.append(f"{term.key}: a spelling is listed twice")
        for name in {" ".join(n.casefold().replace("-", " ").split()) for n in term.names}:
            if owner.setdefault(name, term.key) != term.key:
                problems.append(f"{name!r} belongs to both {owner[name]!r} and {term.key!r}")
    assert not problems, "\n".join(problems)


def test_plain_alternatives_keep_an_sms_in_gsm7_and_are_plain() -> None:
    problems = []
    for term in DATA.terms:
        for text in (term.plain, term.plain_plural, term.explain["en"]):
            if not gsm7_only(text):
                problems.append(f"{term.key}: {text!r} has characters outside GSM-7")
        if term.flagged and GLOSSARY.check(term.plain):
            problems.append(f"{term.key}: the plain alternative {term.plain!r} is itself flagged")
    assert not problems, "\n".join(problems)


def test_explanations_have_no_typographic_punctuation() -> None:
    unsafe = set("‘’“”„‚–—…«»")
    bad = {
        (term.key, lang): sorted(set(text) & unsafe)
        for term in DATA.terms
        for lang, text in term.explain.items()
        if set(text) & unsafe
    }
    assert not bad


def test_the_packaged_glossary_is_read_once() -> None:
    assert Glossary.load() is Glossary.load()


def test_a_glossary_with_nothing_to_flag_flags_nothing(tmp_path: Path) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text(
        '[[term]]\nkey = "key person"\nflag = false\nplain = "key person"\n'
        'explain.en = "The member of staff who looks after your child."\n',
        encoding="utf-8",
    )
    glossary = Glossary.load(path)
    assert glossary.check("Your key person and the SENCo", to_many=True) == ()
    assert glossary.lookup("what is a key person?") == "key person"


def test_a_glossary_file_can_be_given(tmp_path: Path) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text(
        '[[term]]\nkey = "PVI"\nexact = ["PVI"]\nplain = "private nursery"\n'
        'explain.en = "Private, voluntary or independent."\n'
        '[[hurtful]]\nid = "x"\npattern = "\\\\bbad\\\\b"\nreason = "Why."\n',
        encoding="utf-8",
    )
    glossary = Glossary.load(path)
    assert glossary.terms == ("PVI",)
    assert [f.term for f in glossary.check("A PVI is bad", to_many=True)] == ["PVI", "x"]
    assert glossary.explain("pvi", "pl") == "Private, voluntary or independent."


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        ('[[term]]\nkey = "X"\nexact = ["X"]\nplain = "x"\n', "explain.en"),
        ('[[term]]\nkey = "X"\nplain = "x"\nexplain.en = "x"\n', "no exact or words"),
        ('[[term]]\nkey = "X"\nexact = ["X"]\nexplain.en = "x"\n', "plain"),
        ('[[hurtful]]\nid = "x"\npattern = "(unclosed"\nreason = "r"\n', "does not compile"),
    ],
)
def test_a_broken_glossary_is_refused_with_a_reason(tmp_path: Path, toml: str, error: str) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        Glossary.load(path)
