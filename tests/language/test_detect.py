"""The detector on messages it was not tuned on, names of children and staff inside."""

from __future__ import annotations

import pytest

from bot.language.detect import UND, Detector, letters, without_names

FOURTEEN = ("en", "pl", "ur", "pa", "bn", "ro", "ar", "so", "pt", "es", "lt", "tr", "gu", "ta")
NAMES = ("Amelia", "Zofia", "Tom Baker", "Tom", "Anna", "Noah")

# Written for these tests, the way a parent writes to a nursery; none is in the bench's data.
HELD_OUT = {
    "en": [
        "Amelia had a bad night, could Tom keep an eye on her this morning please",
        "Thank you Anna for the lovely photos, Noah was so proud of his painting",
    ],
    "pl": [
        "Zofia źle spała w nocy, proszę uważać na nią dzisiaj",
        "Dziękuję bardzo za wiadomość, Amelia była dziś bardzo zadowolona",
    ],
    "ur": [
        "امیلیا کل رات ٹھیک سے نہیں سوئی، براہ کرم آج اس کا خیال رکھیں",
        "شکریہ ٹام، زوفیہ آج بہت خوش تھی",
    ],
    "pa": [
        "ਅਮੇਲੀਆ ਅੱਜ ਥੋੜੀ ਬਿਮਾਰ ਹੈ, ਕਿਰਪਾ ਕਰਕੇ ਧਿਆਨ ਰੱਖਣਾ",
        "ਧੰਨਵਾਦ Tom, ਉਹ ਬਹੁਤ ਖੁਸ਼ ਸੀ",
    ],
    "bn": [
        "আমেলিয়া আজ একটু অসুস্থ, দয়া করে খেয়াল রাখবেন",
        "ধন্যবাদ Anna, নোয়া আজ খুব খুশি ছিল",
    ],
    "ro": [
        "Amelia nu a dormit bine azi noapte, vă rog să aveți grijă de ea astăzi",
        "Mulțumesc mult Tom, Noah a fost foarte fericit când a venit acasă",
    ],
    "ar": [
        "أميليا لم تنم جيدا الليلة الماضية، أرجو الانتباه إليها اليوم",
        "شكرا جزيلا يا Tom، كانت زوفيا سعيدة جدا اليوم",
    ],
    "so": [
        "Amelia xalay si fiican uma seexan, fadlan maanta ka war haay",
        "Aad baad u mahadsan tahay Tom, Noah aad buu u faraxsanaa maanta",
    ],
    "pt": [
        "A Amelia não dormiu bem esta noite, por favor tenham atenção a ela hoje",
        "Muito obrigada Tom, o Noah ficou muito contente com a pintura",
    ],
    "es": [
        "Amelia no durmió bien anoche, por favor vigílenla hoy un poco más",
        "Muchas gracias Tom, Noah estaba muy contento con su dibujo",
    ],
    "lt": [
        "Amelija šiąnakt blogai miegojo, prašau šiandien ją prižiūrėti",
        "Labai ačiū Tom, Noah buvo labai laimingas su savo piešiniu",
    ],
    "tr": [
        "Amelia dün gece iyi uyumadı, lütfen bugün ona dikkat edin",
        "Çok teşekkür ederim Tom, Noah resmiyle çok mutlu oldu",
    ],
    "gu": [
        "એમેલિયા આજે થોડી બીમાર છે, કૃપા કરીને ધ્યાન રાખજો",
        "આભાર Tom, નોઆ આજે ખૂબ ખુશ હતો",
    ],
    "ta": [
        "அமேலியா இன்று கொஞ்சம் உடம்பு சரியில்லை, தயவுசெய்து கவனித்துக் கொள்ளுங்கள்",
        "நன்றி Tom, நோவா இன்று மிகவும் மகிழ்ச்சியாக இருந்தான்",
    ],
}


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(FOURTEEN)


@pytest.mark.parametrize(
    ("code", "text"), [(code, text) for code, texts in HELD_OUT.items() for text in texts]
)
def test_held_out_messages_are_detected_with_names_inside(
    detector: Detector, code: str, text: str
) -> None:
    found = detector.detect(text, NAMES)
    assert found.code == code
    assert found.confidence >= 0.9


@pytest.mark.parametrize("text", ["ok", "Thanks", "Tak!", "👍", "10:30", "Zofia", "Amelia ok x"])
def test_short_texts_are_undetermined_never_guessed(detector: Detector, text: str) -> None:
    assert detector.detect(text, NAMES).code == UND


def test_names_are_taken_out_before_detection() -> None:
    # "Zofia Wiśniewska" alone would read as Polish; with the names out, nothing is left.
    detector = Detector(("en", "pl"))
    assert detector.detect("Zofia Wiśniewska ok", ()).code in ("pl", UND)
    assert detector.detect("Zofia Wiśniewska ok", ("Zofia", "Wiśniewska")).code == UND
    assert without_names("Tom Baker and TOM", ("Tom", "Tom Baker")).split() == ["and"]


def test_only_offered_languages_are_answered() -> None:
    detector = Detector(("en", "pl"))
    assert detector.detect(HELD_OUT["es"][1]).code == UND
    assert detector.detect(HELD_OUT["bn"][0]).code == UND
    assert detector.detect(HELD_OUT["pl"][0]).code == "pl"


def test_arabic_script_is_told_apart_by_its_letters() -> None:
    both = Detector(("en", "ar", "ur"))
    assert both.detect("یہ بچہ ٹھیک ہے").code == "ur"  # ٹ ھ ہ ے: Urdu
    assert both.detect("الطفلة سعيدة").code == "ar"  # ة ي: Arabic
    # Letters of both in one text: mixed, not guessed.
    assert both.detect("ٹھیک ة").code == UND


def test_a_single_latin_language_is_not_taken_for_any_latin_text() -> None:
    detector = Detector(("en", "ur"))
    assert detector.detect(HELD_OUT["en"][0], NAMES).code == "en"
    assert detector.detect(HELD_OUT["pl"][1], NAMES).code == UND


def test_the_same_text_gets_the_same_answer() -> None:
    text = "muito obrigada pela ajuda"
    answers = {Detector(FOURTEEN).detect(text) for _ in range(5)}
    assert len(answers) == 1


def test_letters_drop_links_digits_and_emoji() -> None:
    assert letters("see https://x.example/a 10:30 🙂 ok!") == "see ok"
