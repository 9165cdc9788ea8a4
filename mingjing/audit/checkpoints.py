"""The chain head, kept outside the table: one signed JSON line per checkpoint in the home.

Why: the hash chain catches an edited or removed entry by the link of the entry after it, but
the newest entries have no entry after them, so cutting the tail leaves a chain that still
verifies. A checkpoint records how long the chain was and the hash of its last entry; `verify`
holds the table to every checkpoint. Each line carries an HMAC of its content keyed with
SECRET_KEY, so a line cannot be forged or edited without the key; the witness (a webhook, a
mailbox) keeps copies out of reach of whoever holds the server and its key.

This module is the file format only: writing is `actions.do_checkpoint`, reading
`queries.read_checkpoints`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

FILE_NAME = "audit-checkpoints.jsonl"
_SALT = "mingjing.audit.checkpoint"
_FIELDS = {"at", "count", "last_id", "last_hash", "hmac"}


class BadCheckpoint(ValueError):
    """A line that is not a checkpoint this instance signed (forged, edited or garbled)."""


@dataclass(frozen=True)
class Checkpoint:
    at: dt.datetime
    count: int  # entries up to and including `last_id`
    last_id: int | None  # None: the trail was empty
    last_hash: str
    line: int = 0  # line number in the file, for messages (0: not read from the file)

    def content(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "count": self.count, "last_id": self.last_id, "last_hash": self.last_hash}

    def signed(self) -> dict[str, Any]:
        """The content with its HMAC: what the file line and the witness hold."""
        return {**self.content(), "hmac": _hmac(self.content(), settings.SECRET_KEY)}

    def to_line(self) -> str:
        return json.dumps(self.signed(), sort_keys=True, separators=(",", ":")) + "\n"


def path() -> Path:
    return Path(settings.HOME) / FILE_NAME


def _hmac(content: dict[str, Any], key: str) -> str:
    body = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return salted_hmac(_SALT, body, secret=key, algorithm="sha256").hexdigest()


def parse(line: str, number: int) -> Checkpoint:
    """A line of the file as a checkpoint, or `BadCheckpoint`. Lines signed with a key of
    SECRET_KEY_FALLBACKS still count, so the key can be rotated."""
    try:
        data = json.loads(line)
        if not isinstance(data, dict) or set(data) != _FIELDS:
            raise BadCheckpoint(number)
        content = {k: data[k] for k in ("at", "count", "last_id", "last_hash")}
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        if not isinstance(data["hmac"], str) or not any(
            constant_time_compare(data["hmac"], _hmac(content, key)) for key in keys
        ):
            raise BadCheckpoint(number)
        at = dt.datetime.fromisoformat(data["at"])
        if at.tzinfo is None or not isinstance(data["count"], int) or not isinstance(data["last_hash"], str):
            raise BadCheckpoint(number)
        if data["last_id"] is not None and not isinstance(data["last_id"], int):
            raise BadCheckpoint(number)
        return Checkpoint(at, data["count"], data["last_id"], data["last_hash"], number)
    except (ValueError, TypeError) as e:  # JSONDecodeError and fromisoformat are ValueErrors
        raise BadCheckpoint(number) from e
