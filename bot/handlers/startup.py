"""Start-up checks of the channels' credentials, before `keyperson serve` takes any traffic.

A credential the provider refuses is a ConfigError naming the key and what to do, so the
command stops with one line and a non-zero exit. A provider that cannot be reached (no
network yet, a 5xx, a timeout) is said in one line and asked again with capped backoff, since
a server started before its network should start when the network comes, not die.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client

from bot.config import DEFAULT_TWILIO_API_URL, Settings
from bot.domain.errors import ConfigError, KeypersonError
from bot.engine.backoff import Unreachable, until_reachable, waits
from bot.handlers.sms.send import _RoutedHttpClient
from bot.handlers.telegram.web import build_application, reached

TIMEOUT_S = 15.0


@dataclass(frozen=True, slots=True)
class Channels:
    """What the checks found: the bot's username and the Twilio account's name, when on."""

    telegram_username: str | None
    twilio_account: str | None


async def check_channels(
    settings: Settings, pauses: Callable[[], Iterator[float]] = waits
) -> Channels:
    """Check every configured channel's credentials; raise ConfigError on a refusal."""
    username = None
    if settings.telegram_bot_token is not None:
        token, api = settings.telegram_bot_token, settings.telegram_api_url
        username = await until_reachable(lambda: telegram_username(token, api), pauses())
    account = None
    if settings.sms_enabled:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        sid, auth, api = (
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_api_url,
        )
        account = await until_reachable(lambda: twilio_account(sid, auth, api), pauses())
    return Channels(username, account)


async def telegram_username(token: str, api_url: str) -> str:
    """The bot's @username from getMe; ConfigError if the token is refused, else Unreachable."""
    bot = build_application(token, api_url).bot
    try:
        await reached(bot.initialize, api_url)
        return str(bot.username)
    finally:
        await bot.shutdown()


async def twilio_account(account_sid: str, auth_token: str, api_url: str) -> str:
    """The Twilio account's name; ConfigError if the credentials are refused, else Unreachable."""
    http = _RoutedHttpClient(api_url, TIMEOUT_S)
    client = Client(account_sid, auth_token, http_client=http)
    client.edge = None  # as in TwilioSender: config.py is the only reader of the environment
    client.region = None
    try:
        account = await client.api.v2010.accounts(account_sid).fetch_async()
    except (TwilioRestException, TwilioServiceException) as error:
        raise _refused(int(error.status), api_url) from None
    except (aiohttp.ClientError, TimeoutError) as error:
        raise Unreachable(f"cannot reach Twilio at {api_url} ({type(error).__name__})") from None
    finally:
        await http.close()
    status = str(account.status or "active")
    if status != "active":
        raise ConfigError(
            f"TWILIO_ACCOUNT_SID: the Twilio account is {status}, so it cannot send; "
            "see the Twilio console's account page"
        )
    return str(account.friendly_name or account_sid)


def _refused(status: int, api_url: str) -> KeypersonError:
    asked = _asked(api_url, DEFAULT_TWILIO_API_URL, "TWILIO_API_URL")
    if status == 429 or status >= 500:
        return Unreachable(f"Twilio at {api_url} answered {status}")
    if status == 401:
        return ConfigError(
            f"TWILIO_AUTH_TOKEN: Twilio refused TWILIO_ACCOUNT_SID with this auth token{asked}; "
            "copy both again from the Twilio console (Account Info)"
        )
    return ConfigError(
        f"TWILIO_ACCOUNT_SID: Twilio answered {status} for this account{asked}; check the "
        "account SID in the Twilio console (Account Info)"
    )


def _asked(api_url: str, default: str, key: str) -> str:
    """A note naming the API address when it is not the provider's own."""
    return "" if api_url.rstrip("/") == default else f" (asked {key}={api_url})"


def describe(settings: Settings, channels: Channels) -> list[str]:
    """One line per channel: on or off, and the exact address to give each provider."""
    public = settings.public_url
    if channels.twilio_account is not None and public:
        sms = (
            f'SMS: on, Twilio account "{channels.twilio_account}". Give Twilio, as the incoming '
            f"message webhook of the number or Messaging Service: POST {public}/webhooks/twilio/sms"
            f" (delivery reports come to {public}/webhooks/twilio/status, which Keyperson sets "
            "on each message)."
        )
    else:
        sms = (
            "SMS: off (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER or "
            "TWILIO_MESSAGING_SERVICE_SID, and KEYPERSON_PUBLIC_URL to turn it on)."
        )
    username = channels.telegram_username
    if username is None:
        telegram = "Telegram: off (set TELEGRAM_BOT_TOKEN to turn it on)."
    elif public:
        telegram = (
            f"Telegram: on as @{username}, by webhook at {public}/webhooks/telegram (Keyperson "
            "gives it to Telegram on start, with TELEGRAM_WEBHOOK_SECRET; nothing to set in "
            "BotFather)."
        )
    else:
        telegram = (
            f"Telegram: on as @{username}, by polling (no KEYPERSON_PUBLIC_URL, so Keyperson "
            "asks Telegram for updates itself; nothing to give Telegram)."
        )
    return [sms, telegram]
