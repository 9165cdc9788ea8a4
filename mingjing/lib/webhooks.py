"""Posting JSON to a configured receiver (group robots, the audit witness): the one place that
does it. A receiver being down is logged, never raised: what triggered the post is already done."""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any


def post_json(url: str, body: dict[str, Any], *, timeout: float, logger: logging.Logger, what: str) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"}, method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # configured URLs only
            response.read()
    except Exception:
        logger.exception("%s %s failed", what, url)
