"""Phone numbers in E.164, parsed with the setting's country as the default region."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import ValidationResult

# Letters are refused: phonenumbers would quietly read "0800 FLOWERS" as a keypad number.
_PHONE_TEXT = re.compile(r"\+?[0-9\s().\-/]+")
# Ofcom keeps 07700 900000-900999 for drama and examples; no subscriber ever holds one, so demos
# and training files can use them safely. phonenumbers calls them invalid, so allow them here.
_FICTIONAL = re.compile(r"\+447700900\d{3}")
_WHY = {
    ValidationResult.TOO_SHORT: " (too short)",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: " (too short)",  # an area code or prefix is missing
    ValidationResult.TOO_LONG: " (too long)",
    ValidationResult.INVALID_LENGTH: " (wrong number of digits)",
}


def normalise_phone(raw: str, country: str) -> str:
    """Return `raw` in E.164, reading a national number as one of `country` (e.g. "GB")."""
    region = country.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{country!r} is not a known country code")
    text = raw.strip()
    if not _PHONE_TEXT.fullmatch(text):
        raise ValueError("not a phone number: use digits and spaces, with + for abroad")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"not a valid phone number for {region}") from None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number) and not _FICTIONAL.fullmatch(e164):
        where = phonenumbers.region_code_for_country_code(number.country_code or 0)
        why = _WHY.get(phonenumbers.is_possible_number_with_reason(number), "")
        raise ValueError(f"not a valid phone number for {where}{why}")
    return e164
