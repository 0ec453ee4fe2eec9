"""The SMS edge: Twilio webhooks in (signed, parsed, keywords), numbered choices out."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from urllib.parse import parse_qsl

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from twilio.request_validator import RequestValidator

from bot.domain.messages import Channel, Inbound, InboundKind
from bot.engine.supervisor import describe
from bot.handlers.http import read_body
from bot.handlers.sms.send import TwilioSender, render_sms
from bot.language.choices import carrier_word

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_BODY = 64 * 1024  # a Twilio webhook is a few kB even with a 1600-character message
MAX_FIELDS = 200

# Twilio's default keywords (OPTOUT and REVOKE were added later). YES is deliberately not an
# opt-in word here: it also answers questions, so the core decides using the contact's state.
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
)
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP"})


def signature_valid(
    auth_token: str, url: str, params: Mapping[str, str] | str, signature: str | None
) -> bool:
    """Whether `signature` is Twilio's for this URL and every posted field (or JSON body)."""
    if not signature:
        return False
    try:
        return bool(RequestValidator(auth_token).validate(url, params, signature))
    except Exception:
        # twilio raises TypeError for a JSON body whose URL lacks bodySHA256, and may raise
        # on other malformed input; an unverifiable request is simply not signed.
        return False


def webhook_url(public_url: str, path: str, query: str) -> str:
    """The URL Twilio signed: the public base URL, the request path and any query string."""
    url = public_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def keyword_kind(text: str) -> InboundKind:
    """Opt-out, opt-in or help when the whole message is one of the keywords, else a message.

    Read as carriers read it: "STOP 🛑", '"stop"', "ＳＴＯＰ" and STOP with a zero-width space
    are all STOP (see bot.language.choices.carrier_word).
    """
    word = carrier_word(text)
    if word in OPT_OUT_WORDS:
        return InboundKind.OPT_OUT
    if word in OPT_IN_WORDS:
        return InboundKind.OPT_IN
    if word in HELP_WORDS:
        return InboundKind.HELP
    return InboundKind.MESSAGE


def parse_inbound(form: Mapping[str, str], now: datetime) -> Inbound | None:
    """An Inbound from Twilio's inbound-message fields, or None without a sid or sender."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    sender = form.get("From")
    if not sid or not sender:
        return None
    text = (form.get("Body") or "").strip()
    return Inbound(
        channel=Channel.SMS,
        address=sender,
        external_id=sid,
        received_at=now,
        text=text,
        kind=keyword_kind(text),
    )


def parse_status(form: Mapping[str, str]) -> tuple[str, str, str | None] | None:
    """(sid, lower-case status, error code or None) from a status callback, or None."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    status = form.get("MessageStatus") or form.get("SmsStatus")
    if not sid or not status:
        return None
    return sid, status.strip().lower(), form.get("ErrorCode") or None


class SmsWebhook:
    """The two Twilio webhooks: inbound messages and delivery status callbacks."""

    def __init__(
        self,
        auth_token: str,
        public_url: str,
        store: Callable[[Inbound], Awaitable[bool]],
        record_status: Callable[[str, str, str | None], Awaitable[None]],
        clock: Callable[[], datetime],
    ) -> None:
        self.auth_token = auth_token
        self.public_url = public_url
        self.store = store
        self.record_status = record_status
        self.clock = clock

    async def inbound(self, request: Request) -> Response:
        """Store a signed inbound SMS, then acknowledge it with empty TwiML."""
        form = await self._signed_form(request)
        if isinstance(form, Response):
            return form
        inbound = parse_inbound(form, self.clock())
        if inbound is None:
            return PlainTextResponse("bad request", status_code=400)
        try:
            fresh = await self.store(inbound)
        except Exception as error:
            # Not stored, so not acknowledged: Twilio asks again (or asks the fallback URL).
            log.error("sms %s not stored (%s): answering 503", inbound.external_id, describe(error))
            return _unavailable()
        log.info("sms %s %s", inbound.external_id, "stored" if fresh else "duplicate")
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def status(self, request: Request) -> Response:
        """Record a signed delivery status callback."""
        form = await self._signed_form(request)
        if isinstance(form, Response):
            return form
        parsed = parse_status(form)
        if parsed is None:
            return PlainTextResponse("bad request", status_code=400)
        try:
            await self.record_status(*parsed)
        except Exception as error:
            why = describe(error)
            log.error("sms status for %s not stored (%s): answering 503", parsed[0], why)
            return _unavailable()
        log.debug("sms status %s for %s", parsed[1], parsed[0])
        return Response(status_code=204)

    async def _signed_form(self, request: Request) -> ImmutableMultiDict[str, str] | Response:
        """The posted fields if the request is Twilio's, otherwise the response refusing it."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return _forbidden(request)
        form = await _read_form(request)
        if form is None:
            return PlainTextResponse("bad request", status_code=400)
        url = webhook_url(self.public_url, request.url.path, request.url.query)
        if not signature_valid(self.auth_token, url, form, signature):
            return _forbidden(request)
        return form


def _unavailable() -> Response:
    """503: the message could not be stored now; the sender should try again."""
    return PlainTextResponse("try again later", status_code=503, headers={"Retry-After": "5"})


def _forbidden(request: Request) -> Response:
    """403 for a request without a valid signature."""
    log.warning("twilio webhook %s: missing or wrong signature", request.url.path)
    return PlainTextResponse("forbidden", status_code=403)


async def _read_form(request: Request) -> ImmutableMultiDict[str, str] | None:
    """The url-encoded form Twilio posts, or None if it is not one or is too large."""
    content_type = request.headers.get("content-type", "application/x-www-form-urlencoded")
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return None
    body = await read_body(request, MAX_BODY)
    if body is None:
        return None
    return parse_form(body)


def parse_form(body: bytes) -> ImmutableMultiDict[str, str] | None:
    """The fields of a url-encoded body, or None if it is not one (or has too many fields)."""
    # Parsed here rather than with request.form(), which needs python-multipart even for
    # url-encoded bodies; repeated names are kept, as the signature covers each value.
    try:
        pairs = parse_qsl(
            body.decode("ascii"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError:
        return None
    return ImmutableMultiDict(pairs)


__all__ = [
    "HELP_WORDS",
    "OPT_IN_WORDS",
    "OPT_OUT_WORDS",
    "SmsWebhook",
    "TwilioSender",
    "keyword_kind",
    "parse_form",
    "parse_inbound",
    "parse_status",
    "render_sms",
    "signature_valid",
    "webhook_url",
]
