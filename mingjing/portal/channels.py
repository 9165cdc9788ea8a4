"""Where a subscriber's message goes: one interface, `send(message) -> (status, error)`.

Channels are configured by environment (settings `PORTAL_SMS_*`, `PORTAL_WECHAT_*`):

- SMS: an HTTP gateway taking a JSON POST `{"phone": ..., "text": ...}` with a bearer token; any
  2xx answer is taken as accepted.
- WeChat: the subscribe-message API (`cgi-bin/message/subscribe/send?access_token=...`), whose
  answer is JSON with `errcode` 0 on success (an HTTP 200 can still carry an error).
- Neither configured for the subscription's channel: the message stays in the outbox, where
  staff see it (`OUTBOX`, not a failure).

A failure is returned, never raised: the caller records it on the message and `retry_failed`
tries again later. `lib/webhooks.post_json` does not fit here: it swallows the outcome, and a
channel must know it.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

from mingjing.portal.models import OutboundMessage, Subscription

logger = logging.getLogger("mingjing.portal")

TIMEOUT = 10  # seconds per request: a slow gateway must not hold an import for long
MAX_ERROR = 500  # characters of an error kept on the message
WECHAT_THING = 20  # WeChat's "thing" fields take at most 20 characters

Status = OutboundMessage.Status


def configured() -> list[str]:
    """The channels a villager may choose now, SMS first (the default)."""
    found = []
    if settings.PORTAL_SMS_URL:
        found.append(Subscription.Channel.SMS.value)
    if settings.PORTAL_WECHAT_URL and settings.PORTAL_WECHAT_TEMPLATE:
        found.append(Subscription.Channel.WECHAT.value)
    return found


def send(message: OutboundMessage) -> tuple[str, str]:
    """Deliver one message on its subscription's channel: (status, error text or "")."""
    channel = message.subscription.channel
    if channel not in configured():
        return Status.OUTBOX, ""
    try:
        if channel == Subscription.Channel.WECHAT:
            return _send_wechat(message)
        return _send_sms(message)
    except Exception as exc:  # a gateway's failure is the message's, not the caller's
        logger.warning("sending message %s by %s failed: %r", message.pk, channel, exc)
        return Status.FAILED, _short(f"{type(exc).__name__}: {exc}")


def _send_sms(message: OutboundMessage) -> tuple[str, str]:
    headers = {"Authorization": f"Bearer {settings.PORTAL_SMS_TOKEN}"} if settings.PORTAL_SMS_TOKEN else {}
    status, _ = _post(settings.PORTAL_SMS_URL, {"phone": message.subscription.address, "text": message.text}, headers)
    if not 200 <= status < 300:
        return Status.FAILED, f"HTTP {status}"
    return Status.SENT, ""


def wechat_body(message: OutboundMessage) -> dict[str, Any]:
    """The subscribe message as WeChat documents it: the template's fields under `data`. The
    county's template needs two "thing" fields: `thing1` (what happened) and `thing2` (details);
    the full text is in the page the message opens (the village page)."""
    title, _, rest = message.text.partition("：")
    return {
        "touser": message.subscription.address,
        "template_id": settings.PORTAL_WECHAT_TEMPLATE,
        "page": f"{settings.BASE_URL.rstrip('/')}/v/{message.subscription.village_code}/",
        "data": {
            "thing1": {"value": title[:WECHAT_THING]},
            "thing2": {"value": (rest or message.text)[:WECHAT_THING]},
        },
    }


def _send_wechat(message: OutboundMessage) -> tuple[str, str]:
    url = settings.PORTAL_WECHAT_URL
    url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"access_token": settings.PORTAL_WECHAT_TOKEN})
    status, answer = _post(url, wechat_body(message), {})
    if not 200 <= status < 300:
        return Status.FAILED, f"HTTP {status}"
    try:
        reply = json.loads(answer or b"{}")
    except ValueError:
        return Status.FAILED, "WeChat answered with something that is not JSON"
    if reply.get("errcode", 0) != 0:
        return Status.FAILED, _short(f"WeChat errcode {reply.get('errcode')}: {reply.get('errmsg', '')}")
    return Status.SENT, ""


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, bytes]:
    """POST JSON to a configured URL: (HTTP status, at most 64 KB of the answer)."""
    request = urllib.request.Request(
        url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", **headers}, method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # configured URLs only
            return response.status, response.read(1 << 16)
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _short(text: str) -> str:
    return text[:MAX_ERROR]
