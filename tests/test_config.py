"""Settings from the environment and `.env`, and the setting profile from TOML."""

from __future__ import annotations

import re
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings, load_settings, read_env_file
from bot.domain.errors import ConfigError
from bot.domain.setting import Hours, SettingProfile, TimeRange, load_profile

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "setting.example.toml"

TOKEN = "123456789:AAEsecretsecretsecretsecret"
SECRET = "hook-secret_value"
SID = "AC" + "0123456789abcdef" * 2
AUTH = "twilio-auth-token-value"
SERVICE = "MG" + "fedcba9876543210" * 2
SMS = {
    "TWILIO_ACCOUNT_SID": SID,
    "TWILIO_AUTH_TOKEN": AUTH,
    "TWILIO_FROM_NUMBER": "+447700900123",
    "KEYPERSON_PUBLIC_URL": "https://keyperson.example",
}


def load(**values: str) -> Settings:
    """Settings from exactly these values, with no `.env` file."""
    return load_settings(values, env_file=None)


def config_error(**values: str) -> str:
    """The one-line message load_settings raises for these values."""
    with pytest.raises(ConfigError) as caught:
        load(**values)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- Settings ---------------------------------------------------------------------------------


def test_defaults() -> None:
    settings = load()
    assert settings == Settings()
    assert settings.database == Path("keyperson.db")
    assert settings.setting_file == Path("setting.toml")
    assert settings.public_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.twilio_api_url == "https://api.twilio.com"
    assert not settings.sms_enabled


def test_every_value_is_read() -> None:
    settings = load(
        KEYPERSON_DATABASE="/var/lib/keyperson/k.db",
        KEYPERSON_SETTING_FILE="/etc/keyperson/setting.toml",
        KEYPERSON_PUBLIC_URL="https://keyperson.example/base/",
        KEYPERSON_HOST="0.0.0.0",
        KEYPERSON_PORT="9000",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_URL="http://127.0.0.1:8081/",
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=AUTH,
        TWILIO_MESSAGING_SERVICE_SID=SERVICE,
        TWILIO_API_URL="http://localhost:8082",
    )
    assert settings.database == Path("/var/lib/keyperson/k.db")
    assert settings.setting_file == Path("/etc/keyperson/setting.toml")
    assert settings.public_url == "https://keyperson.example/base"
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert (settings.telegram_bot_token, settings.telegram_webhook_secret) == (TOKEN, SECRET)
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.twilio_messaging_service_sid == SERVICE
    assert settings.twilio_from_number is None
    assert settings.twilio_api_url == "http://localhost:8082"
    assert settings.sms_enabled


def test_empty_and_blank_values_count_as_unset() -> None:
    assert load(KEYPERSON_PORT="", TELEGRAM_BOT_TOKEN="  ", KEYPERSON_PUBLIC_URL="") == Settings()


def test_values_are_trimmed() -> None:
    assert load(KEYPERSON_PORT=" 8081\n").port == 8081


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("KEYPERSON_PORT", "abc", "must be a whole number from 1 to 65535, got 'abc'"),
        ("KEYPERSON_PORT", "0", "must be a whole number from 1 to 65535, got '0'"),
        ("KEYPERSON_PORT", "65536", "from 1 to 65535"),
        ("KEYPERSON_PORT", "-1", "from 1 to 65535"),
        ("KEYPERSON_PORT", "80.5", "from 1 to 65535"),
        ("KEYPERSON_HOST", "my host", "host name"),
        ("KEYPERSON_PUBLIC_URL", "keyperson.example", "https://"),
        ("KEYPERSON_PUBLIC_URL", "ftp://keyperson.example", "https://"),
        ("KEYPERSON_PUBLIC_URL", "https://", "host name"),
        ("KEYPERSON_PUBLIC_URL", "https://keyperson.example/?a=1", "query"),
        ("KEYPERSON_PUBLIC_URL", "https://keyperson.example/#top", "fragment"),
        ("KEYPERSON_PUBLIC_URL", "https://user:pw@keyperson.example", "password"),
        ("KEYPERSON_PUBLIC_URL", "https://keyperson.example:99999", "web address"),
        ("KEYPERSON_PUBLIC_URL", "https://[::1", "web address"),
        ("KEYPERSON_PUBLIC_URL", "http://keyperson.example", "only for localhost"),
        ("TELEGRAM_API_URL", "api.telegram.org", "https://"),
        ("TWILIO_API_URL", "https://api.twilio.com?x", "query"),
        ("TWILIO_ACCOUNT_SID", "AC123", "AC followed by 32 hex digits, got 'AC123'"),
        ("TWILIO_FROM_NUMBER", "07700 900123", "+447700900123, got '07700 900123'"),
        ("TWILIO_MESSAGING_SERVICE_SID", "MGxyz", "MG and 32 hex digits"),
    ],
)
def test_malformed_values_name_the_key(key: str, value: str, rule: str) -> None:
    values = {**SMS, key: value} if key.startswith("TWILIO_") and "URL" not in key else {key: value}
    message = config_error(**values)
    assert message.startswith(f"{key}: ")
    assert rule in message


@pytest.mark.parametrize(("given", "level"), [("debug", "DEBUG"), (" Warning ", "WARNING")])
def test_log_level_is_read_in_any_case(given: str, level: str) -> None:
    assert load(KEYPERSON_LOG_LEVEL=given).log_level == level
    assert load().log_level == "INFO"


def test_a_log_level_that_is_not_one_names_the_key() -> None:
    assert config_error(KEYPERSON_LOG_LEVEL="verbose") == (
        "KEYPERSON_LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, got 'verbose'"
    )


def test_http_is_allowed_for_a_local_public_url() -> None:
    assert load(KEYPERSON_PUBLIC_URL="http://localhost:8080/").public_url == "http://localhost:8080"
    assert load(KEYPERSON_PUBLIC_URL="http://127.0.0.1").public_url == "http://127.0.0.1"


def test_long_values_are_shortened_in_messages() -> None:
    message = config_error(KEYPERSON_PORT="9" * 500)
    assert len(message) < 150


@pytest.mark.parametrize(
    ("values", "key", "secret"),
    [
        ({"TELEGRAM_BOT_TOKEN": "not-a-token-but-secret"}, "TELEGRAM_BOT_TOKEN", "not-a-token"),
        ({"TELEGRAM_BOT_TOKEN": "12:short"}, "TELEGRAM_BOT_TOKEN", "short"),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "bad secret!"},
            "TELEGRAM_WEBHOOK_SECRET",
            "bad secret",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "x" * 257},
            "TELEGRAM_WEBHOOK_SECRET",
            "xxxx",
        ),
        ({**SMS, "TWILIO_AUTH_TOKEN": "has a gap"}, "TWILIO_AUTH_TOKEN", "a gap"),
    ],
)
def test_secrets_are_never_echoed(values: dict[str, str], key: str, secret: str) -> None:
    message = config_error(**values)
    assert message.startswith(f"{key}: ")
    assert secret not in message
    assert "value not shown" in message


def test_secrets_are_left_out_of_repr() -> None:
    settings = load(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET, **SMS)
    shown = repr(settings)
    assert TOKEN not in shown and SECRET not in shown and AUTH not in shown
    assert SID in shown


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        (["TWILIO_ACCOUNT_SID"], "TWILIO_AUTH_TOKEN"),
        (["TWILIO_AUTH_TOKEN"], "TWILIO_ACCOUNT_SID"),
        (["TWILIO_FROM_NUMBER"], "TWILIO_ACCOUNT_SID"),
        (["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"], "TWILIO_FROM_NUMBER or"),
        (["TWILIO_ACCOUNT_SID", "TWILIO_FROM_NUMBER"], "TWILIO_AUTH_TOKEN"),
    ],
)
def test_partial_twilio_config_names_the_missing_key(given: list[str], missing: str) -> None:
    message = config_error(**{key: SMS[key] for key in given})
    assert message.startswith(missing)
    assert AUTH not in message


def test_twilio_api_url_alone_does_not_ask_for_credentials() -> None:
    assert not load(TWILIO_API_URL="http://localhost:9999").sms_enabled


def test_webhook_secret_needs_a_bot_token() -> None:
    message = config_error(TELEGRAM_WEBHOOK_SECRET=SECRET)
    assert message.startswith("TELEGRAM_BOT_TOKEN: ")
    assert SECRET not in message
    assert load(TELEGRAM_BOT_TOKEN=TOKEN).telegram_webhook_secret is None


def test_require_sms_passes_when_everything_is_set() -> None:
    load(**SMS).require_sms()
    without_number = {**SMS, "TWILIO_MESSAGING_SERVICE_SID": SERVICE}
    del without_number["TWILIO_FROM_NUMBER"]
    load(**without_number).require_sms()


@pytest.mark.parametrize(
    ("settings", "missing"),
    [
        (Settings(), "TWILIO_ACCOUNT_SID"),
        (Settings(twilio_account_sid=SID), "TWILIO_AUTH_TOKEN"),
        (
            Settings(twilio_account_sid=SID, twilio_auth_token=AUTH),
            "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID",
        ),
        (
            Settings(twilio_account_sid=SID, twilio_auth_token=AUTH, twilio_from_number="+4477"),
            "KEYPERSON_PUBLIC_URL",
        ),
    ],
)
def test_require_sms_names_the_first_missing_key(settings: Settings, missing: str) -> None:
    with pytest.raises(ConfigError, match=f"^{re.escape(missing)}: "):
        settings.require_sms()


def test_require_sms_on_loaded_settings_without_public_url() -> None:
    values = {key: value for key, value in SMS.items() if key != "KEYPERSON_PUBLIC_URL"}
    settings = load(**values)
    assert settings.sms_enabled
    with pytest.raises(ConfigError, match=r"^KEYPERSON_PUBLIC_URL: "):
        settings.require_sms()


# --- .env files -------------------------------------------------------------------------------


def test_env_file_is_parsed(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# a comment\n"
        "\n"
        "KEYPERSON_PORT=9001\n"
        "export KEYPERSON_HOST=0.0.0.0\n"
        'KEYPERSON_DATABASE="/data/key person.db"  # quoted, then a comment\n'
        "KEYPERSON_SETTING_FILE='/etc/setting.toml'\n"
        "TELEGRAM_API_URL=http://localhost:8081 # a comment after a value\n"
        "  TELEGRAM_BOT_TOKEN = " + TOKEN + "\n"
        "SOMETHING_ELSE=ignored\n",
        encoding="utf-8",
    )
    settings = load_settings({}, env_file=env)
    assert settings.port == 9001
    assert settings.host == "0.0.0.0"
    assert settings.database == Path("/data/key person.db")
    assert settings.setting_file == Path("/etc/setting.toml")
    assert settings.telegram_api_url == "http://localhost:8081"
    assert settings.telegram_bot_token == TOKEN


def test_environment_wins_over_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("KEYPERSON_PORT=9001\nKEYPERSON_HOST=0.0.0.0\n", encoding="utf-8")
    settings = load_settings({"KEYPERSON_PORT": "9002"}, env_file=env)
    assert (settings.port, settings.host) == (9002, "0.0.0.0")


def test_missing_env_file_is_fine(tmp_path: Path) -> None:
    assert load_settings({}, env_file=tmp_path / "absent.env") == Settings()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("just words", "expected KEY=VALUE"),
        ('TELEGRAM_BOT_TOKEN="unclosed', "a quoted value has no closing quote"),
        ("TWILIO_AUTH_TOKEN='abc' def", "unexpected text after the closing quote"),
        ("1KEY=value", "expected KEY=VALUE"),
    ],
)
def test_malformed_env_line_names_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    env = tmp_path / ".env"
    env.write_text(f"KEYPERSON_PORT=1\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, env_file=env)
    message = str(caught.value)
    assert message == f"{env} line 2: {problem}"
    assert "unclosed" not in message and "abc" not in message


def test_env_file_values_are_validated(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("KEYPERSON_PORT=lots\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^KEYPERSON_PORT: .*'lots'$"):
        load_settings({}, env_file=env)


def test_env_example_lists_every_key_and_loads(tmp_path: Path) -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    for field in Settings.__dataclass_fields__:
        key = field.upper()
        key = key if key.startswith(("TELEGRAM_", "TWILIO_")) else f"KEYPERSON_{key}"
        assert re.search(rf"^(# )?{key}=", text, re.MULTILINE), key
    assert load_settings({}, env_file=ROOT / ".env.example") == Settings()
    # Every commented-out example is valid once uncommented.
    uncommented = re.sub(r"^# ([A-Z_]+=)", r"\1", text, flags=re.MULTILINE)
    settings = load_settings({}, env_file=write(tmp_path, uncommented, name=".env"))
    assert settings.sms_enabled
    assert settings.telegram_bot_token is not None
    settings.require_sms()
    assert read_env_file(tmp_path / ".env")["KEYPERSON_PORT"] == "8080"


# --- TimeRange and Hours ----------------------------------------------------------------------

WEEKDAYS = (0, 1, 2, 3, 4)
OPENING = Hours(TimeRange(time(8), time(18)), WEEKDAYS)


def test_time_range_parse() -> None:
    assert TimeRange.parse("08:00-17:30") == TimeRange(time(8), time(17, 30))
    assert TimeRange.parse(" 8:05 - 9:10 ") == TimeRange(time(8, 5), time(9, 10))
    for bad in ("8-5", "08:00", "25:00-26:00", "08:60-09:00", "08:00-08:00", "08.00-09.00"):
        with pytest.raises(ValueError):
            TimeRange.parse(bad)


def test_time_range_contains() -> None:
    day = TimeRange.parse("08:00-18:00")
    assert day.contains(time(8)) and day.contains(time(17, 59))
    assert not day.contains(time(18)) and not day.contains(time(7, 59))
    assert not day.wraps


def test_quiet_hours_wrap_past_midnight() -> None:
    quiet = TimeRange.parse("20:00-07:30")
    assert quiet.wraps
    for inside in (time(20), time(23, 59), time(0), time(3), time(7, 29)):
        assert quiet.contains(inside), inside
    for outside in (time(7, 30), time(12), time(19, 59)):
        assert not quiet.contains(outside), outside


def test_hours_is_open() -> None:
    assert OPENING.is_open(datetime(2025, 3, 7, 17, 59))  # a Friday
    assert not OPENING.is_open(datetime(2025, 3, 7, 18, 0))
    assert not OPENING.is_open(datetime(2025, 3, 8, 12, 0))  # Saturday
    assert not OPENING.is_open(datetime(2025, 3, 10, 7, 0))  # Monday, early


def test_next_open_across_a_weekend() -> None:
    friday_evening = datetime(2025, 3, 7, 18, 30)
    assert OPENING.next_open(friday_evening) == datetime(2025, 3, 10, 8, 0)
    assert OPENING.next_open(datetime(2025, 3, 9, 23, 0)) == datetime(2025, 3, 10, 8, 0)


def test_next_open_before_opening_the_same_day() -> None:
    assert OPENING.next_open(datetime(2025, 3, 11, 6, 15)) == datetime(2025, 3, 11, 8, 0)


def test_next_open_when_already_open_is_now() -> None:
    now = datetime(2025, 3, 11, 9, 41, 12)
    assert OPENING.next_open(now) == now


def test_next_open_keeps_an_aware_datetime_aware() -> None:
    london = ZoneInfo("Europe/London")
    friday = datetime(2025, 3, 28, 19, 0, tzinfo=london)  # clocks go forward on the Sunday
    monday = OPENING.next_open(friday)
    assert monday == datetime(2025, 3, 31, 8, 0, tzinfo=london)
    assert monday.tzinfo is london
    assert monday.utcoffset() != friday.utcoffset()


def test_hours_wrapping_past_midnight_belong_to_the_day_they_start() -> None:
    nights = Hours(TimeRange.parse("22:00-06:00"), (4,))  # Friday nights only
    assert nights.is_open(datetime(2025, 3, 7, 23, 0))  # Friday
    assert nights.is_open(datetime(2025, 3, 8, 5, 0))  # early Saturday, still Friday night
    assert not nights.is_open(datetime(2025, 3, 7, 5, 0))  # early Friday: Thursday night
    assert nights.next_open(datetime(2025, 3, 8, 7, 0)) == datetime(2025, 3, 14, 22, 0)


def test_hours_need_days() -> None:
    with pytest.raises(ValueError):
        Hours(TimeRange.parse("08:00-18:00"), ())
    with pytest.raises(ValueError):
        Hours(TimeRange.parse("08:00-18:00"), (7,))


# --- the setting file -------------------------------------------------------------------------

MINIMAL = """\
[setting]
name = "Oak Tree Pre-school"
phone = "01632 960999"
policies_url = "https://oaktree.example/policies"
important_contact = "Jo, our manager"
concern_steps = "We will call you back within two days."

[hours]
opening = "08:30-15:30"
staff = "08:30-16:00"
"""


def write(tmp_path: Path, text: str, name: str = "setting.toml") -> Path:
    """A setting file with this text."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def profile_error(tmp_path: Path, text: str) -> str:
    """The one-line message load_profile raises for this file text."""
    with pytest.raises(ConfigError) as caught:
        load_profile(write(tmp_path, text))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_shipped_example_loads() -> None:
    profile = load_profile(EXAMPLE)
    assert profile.ref == "little-acorns"
    assert profile.name == "Little Acorns Nursery"
    assert profile.phone == "01632 960123"
    assert profile.policies_url == "https://littleacorns.example/policies"
    assert profile.languages == ("en", "pl")
    assert profile.opening == Hours(TimeRange(time(8), time(18)), WEEKDAYS)
    assert profile.staff == Hours(TimeRange(time(8), time(17, 30)), WEEKDAYS)
    assert profile.quiet == TimeRange(time(20), time(7, 30))
    assert profile.opening_days == WEEKDAYS
    assert profile.concern_ack_hours == 48
    assert profile.review_reminder_days == profile.workshop_reminder_days == (7, 1)
    assert profile.reminder_time == time(10)
    assert profile.retention_days == 730


def test_defaults_of_a_minimal_file(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, MINIMAL))
    assert isinstance(profile, SettingProfile)
    assert (profile.ref, profile.country, profile.time_zone) == ("main", "GB", "Europe/London")
    assert profile.languages == ("en",)
    assert profile.quiet == TimeRange(time(20), time(7, 30))
    assert profile.opening_days == WEEKDAYS == profile.staff.days
    assert profile.concern_ack_hours == 48
    assert profile.review_reminder_days == (7, 1)
    assert profile.reminder_time == time(10)
    assert profile.retention_days == 730


def test_missing_file_names_the_path_and_key(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "setting.toml"
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    assert str(caught.value).startswith("KEYPERSON_SETTING_FILE: ")
    assert str(path) in str(caught.value)


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    message = profile_error(tmp_path, "[setting\nname = 1\n")
    assert message.startswith("setting.toml: not valid TOML: ")
    assert "line 1" in message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "setting.toml"
    path.write_bytes(b'[setting]\nname = "\xff"\n')
    with pytest.raises(ConfigError, match=r"^setting\.toml: not UTF-8 text$"):
        load_profile(path)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("[remiders]\ntime = '10:00'\n", "setting.toml: remiders: unknown table"),
        ("[hours]\n", "not valid TOML"),  # a repeated table is a TOML error
        ("name = 'top level'\n[x]\n", "setting.toml: name: unknown table"),
    ],
)
def test_unknown_tables(tmp_path: Path, extra: str, expected: str) -> None:
    text = extra + MINIMAL if extra.startswith("name") else MINIMAL + extra
    assert expected in profile_error(tmp_path, text)


def test_unknown_key_names_the_dotted_key(tmp_path: Path) -> None:
    message = profile_error(tmp_path, MINIMAL.replace("staff =", "stafff ="))
    assert message.startswith("setting.toml: hours.stafff: unknown key; expected one of ")
    assert "staff" in message


def test_message_uses_the_real_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("08:30-16:00", "8-5"), name="oak.toml")
    with pytest.raises(ConfigError, match=r"^oak\.toml: hours\.staff: must look like 08:00-17:30"):
        load_profile(path)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('staff = "08:30-16:00"', 'staff = "8-5"', "hours.staff: must look like 08:00-17:30"),
        ('staff = "08:30-16:00"', 'staff = "08:30-08:30"', "hours.staff: must end at a different"),
        ('opening = "08:30-15:30"', 'opening = "8am-3pm"', "hours.opening: must look like"),
        ('staff = "08:30-16:00"', "staff = 8", "hours.staff: must be text in quotes"),
        ('staff = "08:30-16:00"\n', "", "hours.staff: required"),
        ('name = "Oak Tree Pre-school"\n', "", "setting.name: required"),
        ('name = "Oak Tree Pre-school"', 'name = "  "', "setting.name: must not be empty"),
        ('name = "Oak Tree Pre-school"', "name = 3", "setting.name: must be text"),
        ('phone = "01632 960999"\n', "", "setting.phone: required"),
        ('"https://oaktree.example/policies"', '"oaktree.example"', "setting.policies_url: must"),
        ('"https://oaktree.example/policies"', '"https://"', "setting.policies_url: must"),
        ("[hours]", '[hours]\nquiet = "20:00"', "hours.quiet: must look like"),
        ("[hours]", 'days = ["monday"]', "hours.days: must be day names"),
        ("[hours]", "days = []", "hours.days: must name at least one day"),
        ("[hours]", 'days = ["mon", "mon"]', "hours.days: lists 0 more than once"),
        ("[hours]", "days = 'mon'", "hours.days: must be a list of text"),
        ("[setting]", '[setting]\nref = "Oak Tree"', "setting.ref: must be lowercase"),
        ("[setting]", '[setting]\ncountry = "XX"', "setting.country: must be a two-letter"),
        ("[setting]", '[setting]\ntime_zone = "Mars/Base"', "setting.time_zone: must be a time"),
        ("[setting]", '[setting]\ntime_zone = "../etc"', "setting.time_zone: must be a time"),
        ("[setting]", '[setting]\nlanguages = ["EN"]', "setting.languages: must be language"),
        ("[setting]", '[setting]\nlanguages = ["en", 1]', "setting.languages: must be a list"),
        ("[setting]", '[setting]\nlanguages = ["en", "en"]', "setting.languages: lists 'en'"),
    ],
)
def test_malformed_values_name_the_dotted_key(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in MINIMAL
    text = MINIMAL.replace(old, new, 1)
    if old == "[hours]" and not new.startswith("[hours]"):
        text = MINIMAL + new + "\n"
    assert profile_error(tmp_path, text).startswith(f"setting.toml: {expected}")


@pytest.mark.parametrize(
    ("table", "line", "expected"),
    [
        ("concerns", "acknowledge_within_hours = 0", "must be more than 0, got 0"),
        ("concerns", "acknowledge_within_hours = '48'", "must be a whole number, got text"),
        ("concerns", "acknowledge_within_hours = 4.5", "must be a whole number, got a decimal"),
        ("concerns", "acknowledge_within_hours = true", "must be a whole number, got true/false"),
        ("reminders", "review_days_before = [7, -1]", "must be a list of whole numbers"),
        ("reminders", "workshop_days_before = 7", "must be a list of whole numbers"),
        ("reminders", "workshop_days_before = [1, 1]", "lists 1 more than once"),
        ("reminders", "time = '10'", "must look like 10:00, got '10'"),
        ("reminders", "time = 2025-01-01", "must be a time in quotes"),
        ("retention", "message_days = -5", "must be more than 0, got -5"),
    ],
)
def test_malformed_numbers_and_lists(tmp_path: Path, table: str, line: str, expected: str) -> None:
    key = f"{table}.{line.split()[0]}"
    message = profile_error(tmp_path, f"{MINIMAL}\n[{table}]\n{line}\n")
    assert message.startswith(f"setting.toml: {key}: ")
    assert expected in message


def test_optional_tables_are_read(tmp_path: Path) -> None:
    text = MINIMAL.replace("[hours]", '[hours]\ndays = ["sat", "Mon"]\nquiet = "21:00-06:00"')
    text += "\n[concerns]\nacknowledge_within_hours = 24\n"
    text += "[reminders]\nreview_days_before = [3]\nworkshop_days_before = []\ntime = 09:15:00\n"
    text += "[retention]\nmessage_days = 365\n"
    profile = load_profile(write(tmp_path, text))
    assert profile.opening_days == (0, 5) == profile.opening.days
    assert profile.quiet == TimeRange(time(21), time(6))
    assert profile.concern_ack_hours == 24
    assert profile.review_reminder_days == (3,)
    assert profile.workshop_reminder_days == ()
    assert profile.reminder_time == time(9, 15)
    assert profile.retention_days == 365


def test_setting_staff_hours_open_and_next_open() -> None:
    staff = load_profile(EXAMPLE).staff
    assert staff.is_open(datetime(2025, 3, 7, 17, 0))
    assert staff.next_open(datetime(2025, 3, 7, 17, 45)) == datetime(2025, 3, 10, 8, 0)


def test_out_of_hours_messages_wait_for_staff_hours_by_default(tmp_path: Path) -> None:
    held = load_profile(write(tmp_path, MINIMAL)).out_of_hours
    assert (held.messages, held.urgent) == ("staff_hours", "at_once")
    assert held.holds("messages") and not held.holds("urgent")
    text = MINIMAL + '\n[out_of_hours]\nmessages = "at_once"\nurgent = "staff_hours"\n'
    chosen = load_profile(write(tmp_path, text)).out_of_hours
    assert not chosen.holds("messages") and chosen.holds("urgent")
    assert load_profile(EXAMPLE).out_of_hours == held


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('messages = "later"', 'out_of_hours.messages: must be "at_once" or "staff_hours"'),
        ("urgent = true", "out_of_hours.urgent: must be text in quotes"),
        ('message = "at_once"', "out_of_hours.message: unknown key; expected one of messages"),
    ],
)
def test_out_of_hours_values_are_checked(tmp_path: Path, line: str, expected: str) -> None:
    message = profile_error(tmp_path, f"{MINIMAL}\n[out_of_hours]\n{line}\n")
    assert message.startswith(f"setting.toml: {expected}")


def test_texts_in_each_language_offered(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "[hours]",
        'languages = ["en", "pl", "ur"]\n\n[setting.pl]\n'
        'important_contact = "Jo (kierownictwo)"\n\n[hours]',
    )
    profile = load_profile(write(tmp_path, text))
    assert profile.text("important_contact", "pl") == "Jo (kierownictwo)"
    assert profile.text("important_contact", "pl-PL") == "Jo (kierownictwo)"
    assert profile.text("important_contact", "en") == "Jo, our manager"
    assert profile.text("concern_steps", "pl") == "We will call you back within two days."
    assert profile.untranslated() == [
        ("pl", "concern_steps"),
        ("ur", "important_contact"),
        ("ur", "concern_steps"),
    ]
    assert load_profile(EXAMPLE).untranslated() == []


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[setting.de]\nimportant_contact = "Jo"', "setting.de: is not one of setting.languages"),
        ('[setting.pl]\nname = "Przedszkole"', "setting.pl.name: unknown key; expected"),
        ("[setting.pl]\nconcern_steps = 3", "setting.pl.concern_steps: must be text in quotes"),
        ('[setting.pl]\nconcern_steps = " "', "setting.pl.concern_steps: must not be empty"),
    ],
)
def test_texts_in_other_languages_are_checked(tmp_path: Path, table: str, expected: str) -> None:
    text = MINIMAL.replace("[hours]", f'languages = ["en", "pl"]\n\n{table}\n\n[hours]')
    assert profile_error(tmp_path, text).startswith(f"setting.toml: {expected}")


def test_a_value_where_a_language_table_belongs_is_an_unknown_key(tmp_path: Path) -> None:
    message = profile_error(tmp_path, MINIMAL.replace("[hours]", 'pl = "x"\n[hours]'))
    assert message.startswith("setting.toml: setting.pl: unknown key;")
    assert "[setting.LANG]" in message
