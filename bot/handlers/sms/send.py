"""Sending SMS through Twilio's REST API, with every failure classified as a SendError."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import aiohttp
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from bot.domain.errors import SendError
from bot.domain.messages import Channel, Outbound, RenderedChoice, SendResult
from bot.language.choices import sms_lines

log = logging.getLogger(__name__)

TWILIO_API_URL = "https://api.twilio.com"
OPTED_OUT = 21610  # the recipient texted STOP to this sender
UNREACHABLE = frozenset({21211, 21408, 21606, 21612, 21614})  # invalid, unroutable, not mobile
CLOCK_SKEW = timedelta(minutes=2)  # Twilio's clock and ours may disagree this much
LOOKUP_LIMIT = 200  # messages to one number since a send: a page or four at most


def render_sms(body: str, choices: Sequence[RenderedChoice]) -> str:
    """The SMS text for a body and its choices: one numbered line per already-translated label.

    Button-only choices (a Reply button, a phone-number request) have no SMS form and are left out.
    """
    lines = sms_lines(choices)
    if not lines:
        return body
    return f"{body}\n\n{lines}" if body else lines


@dataclass(slots=True)
class _Exchange:
    """What the HTTP client saw of one send that twilio's exceptions do not carry."""

    retry_after: float | None = None


# Twilio's exceptions drop the response headers, so the HTTP client leaves Retry-After here;
# a context variable keeps concurrent sends on one shared client apart.
_exchange: ContextVar[_Exchange | None] = ContextVar("twilio_exchange", default=None)


class _RoutedHttpClient(AsyncTwilioHttpClient):
    """twilio's aiohttp client, sent to `api_url` instead of api.twilio.com, with a real timeout."""

    def __init__(self, api_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.api_url = api_url.rstrip("/")

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        """Rewrite the host, apply the client timeout and note Retry-After on the response."""
        if url.startswith(TWILIO_API_URL):
            url = self.api_url + url[len(TWILIO_API_URL) :]
        if auth is not None:
            # The parent would build aiohttp.BasicAuth, deprecated and gone in aiohttp 4.
            pair = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers = {**(headers or {}), "Authorization": f"Basic {pair}"}
        response: TwilioResponse = await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=None,
            # The parent hands timeout=None to aiohttp as "no timeout at all".
            timeout=timeout or self.timeout,
            allow_redirects=allow_redirects,
        )
        exchange = _exchange.get()
        if exchange is not None and response.headers is not None:
            headers = response.headers
            exchange.retry_after = _retry_after(headers.get("Retry-After"), headers.get("Date"))
        return response


class TwilioSender:
    """The Sender for SMS: twilio's own async client against the Messages resource."""

    channel = Channel.SMS

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | None,
        messaging_service_sid: str | None,
        status_callback_url: str | None,
        api_url: str = TWILIO_API_URL,
        timeout: float = 15.0,
        rate_per_s: float = 10.0,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("TwilioSender needs a from number or a messaging service sid")
        self.rate_per_s = rate_per_s
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._from_number = from_number
        self._messaging_service_sid = messaging_service_sid
        self._status_callback_url = status_callback_url
        self._api_url = api_url
        self._timeout = timeout
        self._client: Client | None = None
        self._http: _RoutedHttpClient | None = None

    def _twilio(self) -> Client:
        """The twilio client, made on first use because aiohttp needs a running event loop."""
        if self._client is None:
            self._http = _RoutedHttpClient(self._api_url, self._timeout)
            client = Client(self._account_sid, self._auth_token, http_client=self._http)
            # Client falls back to TWILIO_EDGE / TWILIO_REGION from os.environ, which would
            # change the host under the rewrite; config.py is the only reader of the environment.
            client.edge = None
            client.region = None
            self._client = client
        return self._client

    async def send(self, message: Outbound) -> SendResult:
        """Create the message at Twilio and return its sid and first status, or raise SendError."""
        sender: dict[str, str] = (
            {"from_": self._from_number}
            if self._from_number
            else {"messaging_service_sid": self._messaging_service_sid or ""}
        )
        if self._status_callback_url:
            sender["status_callback"] = self._status_callback_url
        token = _exchange.set(exchange := _Exchange())
        try:
            created = await self._twilio().messages.create_async(
                to=message.address.value,
                body=render_sms(message.body, message.choices),
                **sender,
            )
        except (TwilioRestException, TwilioServiceException) as error:
            raise _rest_error(error, exchange.retry_after) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise _network_error(error) from error
        except json.JSONDecodeError as error:
            # A success status with a garbled body: the message probably exists at Twilio.
            raise SendError("unreadable answer", retryable=False, unknown=True) from error
        except Exception as error:
            # Anything else went wrong after the request may have left: never resent blindly.
            name = type(error).__name__
            raise SendError("unexpected error", retryable=False, unknown=True, code=name) from error
        finally:
            _exchange.reset(token)
        log.info("outbox %s accepted by twilio as %s", message.outbox_id, created.sid)
        return SendResult(provider_id=created.sid, status=str(created.status or "queued"))

    async def find_sent(self, message: Outbound, since: datetime) -> list[SendResult]:
        """Messages Twilio holds with this body, sent to this number since `since`, oldest
        first: the Messages list filtered by To and DateSent (a day, in GMT, so the day of
        `since` onwards; creation times narrow it down). Raises SendError if Twilio cannot be
        asked."""
        body = render_sms(message.body, message.choices)
        day = since.astimezone(UTC).strftime("%Y-%m-%d")
        try:
            listed = await self._twilio().messages.list_async(
                to=message.address.value, date_sent_after=day, limit=LOOKUP_LIMIT
            )
        except (TwilioException, aiohttp.ClientError, TimeoutError) as error:
            # A page that failed comes as the base TwilioException, without its status.
            raise SendError("lookup failed", retryable=True, code=type(error).__name__) from error
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise SendError("unreadable list", retryable=True, code=type(error).__name__) from error
        earliest = since - CLOCK_SKEW
        found = [
            m
            for m in listed
            if m.body == body
            and str(m.direction or "").startswith("outbound")
            and (m.date_created is None or m.date_created >= earliest)
        ]
        found.sort(key=lambda m: m.date_created or since)
        log.info("outbox %s: twilio lists %d match(es)", message.outbox_id, len(found))
        return [SendResult(provider_id=m.sid, status=str(m.status or "sent")) for m in found]

    async def close(self) -> None:
        """Close the aiohttp session, if one was opened."""
        if self._http is not None:
            await self._http.close()
        self._http = None
        self._client = None


def _rest_error(
    error: TwilioRestException | TwilioServiceException, retry_after: float | None
) -> SendError:
    """Classify an error answer from the API: 429 and 5xx are temporary, the rest permanent."""
    status = int(error.status)
    code = _int_or_none(error.code)
    label = str(code if code is not None else status)
    if status == 429 or status >= 500:
        return SendError(f"twilio {status}", retryable=True, code=label, retry_after=retry_after)
    if code == OPTED_OUT:
        return SendError("recipient opted out", retryable=False, code=label, opted_out=True)
    if code in UNREACHABLE:
        return SendError("number unreachable", retryable=False, code=label, unreachable=True)
    return SendError(f"twilio refused ({status})", retryable=False, code=label)


def _network_error(error: BaseException) -> SendError:
    """Classify a transport failure by whether the request can have reached Twilio."""
    name = type(error).__name__
    if isinstance(error, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return SendError(f"could not connect ({name})", retryable=True, code=name)
    # A read timeout, a dropped connection or a garbled answer: Twilio may have the message.
    return SendError(f"no answer ({name})", retryable=False, unknown=True, code=name)


def _retry_after(value: str | None, sent_at: str | None) -> float | None:
    """Seconds to wait from a Retry-After header in either of its two forms.

    A date is measured from the response's own Date header, so neither clock's error counts.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when, now = _http_date(value), _http_date(sent_at)
    if when is None or now is None:
        return None
    return max(0.0, (when - now).total_seconds())


def _http_date(value: str | None) -> datetime | None:
    """An HTTP date header as an aware datetime, or None when absent or unreadable."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _int_or_none(value: object) -> int | None:
    """A Twilio error code as an int; the API sends ints, older paths strings."""
    try:
        return int(str(value))
    except ValueError:
        return None


__all__ = ["TwilioSender", "render_sms"]
