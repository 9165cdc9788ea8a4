"""The trail is append-only and tamper-evident, and its checkpoints catch a cut tail."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from mingjing.audit.actions import (
    _digest,
    _fields,
    do_checkpoint,
    do_checkpoint_if_due,
    record,
    verify,
)
from mingjing.audit.checkpoints import Checkpoint
from mingjing.audit.models import AuditEntry


@pytest.fixture
def trail(alice: User) -> list[AuditEntry]:
    return [record(f"test.step{i}", actor=alice, object_type="thing", object_id=i, detail={"n": i}) for i in range(5)]


def test_an_untouched_trail_verifies(trail: list[AuditEntry], capsys: pytest.CaptureFixture[str]) -> None:
    call_command("audit", "verify")
    assert "5" in capsys.readouterr().out
    assert trail[1].prev_hash == trail[0].hash and trail[0].prev_hash == "0" * 64


def test_an_edited_entry_is_detected(trail: list[AuditEntry]) -> None:
    AuditEntry.objects.filter(pk=trail[2].pk).update(detail={"n": 99})
    verdict = verify()
    assert not verdict.ok and verdict.first_bad == trail[2].pk
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    assert caught.value.returncode == 1 and "altered" in str(caught.value) and "修改" in str(caught.value)


def test_a_deleted_entry_is_detected(trail: list[AuditEntry]) -> None:
    AuditEntry.objects.filter(pk=trail[1].pk).delete()  # bypasses the model's own refusal
    verdict = verify()
    assert not verdict.ok and verdict.first_bad == trail[2].pk


def test_a_rehashed_edit_still_breaks_the_next_link(trail: list[AuditEntry]) -> None:
    AuditEntry.objects.filter(pk=trail[3].pk).update(hash="f" * 64)
    assert verify().first_bad == trail[3].pk


def test_entries_refuse_to_be_changed_or_deleted_through_the_model(trail: list[AuditEntry]) -> None:
    entry = trail[0]
    entry.action = "forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    assert verify().ok


# -- checkpoints: a trail whose tail cannot be cut ------------------------------------------------


def _cut_newest(n: int) -> None:
    """Delete the newest `n` entries behind the model's back, as someone with the database would."""
    newest = list(AuditEntry.objects.order_by("-id").values_list("id", flat=True)[:n])
    AuditEntry.objects.filter(pk__in=newest)._raw_delete(AuditEntry.objects.db)


def _lines(home: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (home / "audit-checkpoints.jsonl").read_text().splitlines()]


def test_verify_fails_after_the_newest_entry_is_deleted(trail: list[AuditEntry]) -> None:
    do_checkpoint()
    assert verify().ok
    _cut_newest(1)
    verdict = verify()
    assert not verdict.ok and verdict.missing == 1 and verdict.missing_after == trail[3].pk
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    message = str(caught.value)
    assert caught.value.returncode == 1
    assert f"第 {trail[3].pk} 条之后缺少 1 条" in message and f"1 entry is missing after entry {trail[3].pk}" in message


def test_verify_fails_when_the_tail_is_cut_and_new_entries_follow(trail: list[AuditEntry], alice: User) -> None:
    do_checkpoint()
    _cut_newest(2)
    record("test.after", actor=alice)  # chained to the new tail: the chain alone looks whole
    record("test.after", actor=alice)
    verdict = verify()
    assert not verdict.ok and verdict.missing == 2 and verdict.missing_after == trail[2].pk
    assert "2 entries are missing" in verdict.reason


def test_verify_fails_when_every_entry_is_deleted(trail: list[AuditEntry]) -> None:
    do_checkpoint()
    _cut_newest(len(trail))
    verdict = verify()
    assert not verdict.ok and verdict.missing == 5 and verdict.missing_after is None
    assert "从第一条起缺少 5 条" in verdict.reason and "from the start" in verdict.reason


def test_entries_recorded_after_a_checkpoint_still_verify(trail: list[AuditEntry], alice: User) -> None:
    do_checkpoint()
    record("test.later", actor=alice)
    verdict = verify()
    assert verdict.ok and verdict.checked == 6 and verdict.checkpoint is not None
    assert (verdict.checkpoint.count, verdict.checkpoint.last_id) == (5, trail[-1].pk)


@pytest.mark.parametrize("position", range(5))
def test_editing_any_entry_fails_verification(trail: list[AuditEntry], position: int) -> None:
    do_checkpoint()
    AuditEntry.objects.filter(pk=trail[position].pk).update(actor_name="mallory")
    verdict = verify()
    assert not verdict.ok and verdict.first_bad == trail[position].pk


def test_a_trail_rehashed_after_an_edit_fails_against_its_checkpoint(trail: list[AuditEntry]) -> None:
    """Whoever edits an entry can recompute every hash after it (the chain has no secret): only
    the checkpoint still remembers the old head."""
    do_checkpoint()
    AuditEntry.objects.filter(pk=trail[2].pk).update(detail={"n": 99})
    prev = trail[1].hash
    for entry in AuditEntry.objects.filter(pk__gte=trail[2].pk).order_by("id"):
        digest = _digest(prev, _fields(entry))
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    verdict = verify()
    assert not verdict.ok and verdict.first_bad == trail[4].pk and "检查点" in verdict.reason


def test_verify_without_a_checkpoint_passes_and_says_so(trail: list[AuditEntry], capsys: pytest.CaptureFixture[str]) -> None:
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "尚无检查点" in out and "no checkpoint yet" in out


def test_an_edited_checkpoint_line_fails_verification(trail: list[AuditEntry], home: Path) -> None:
    do_checkpoint()
    path = home / "audit-checkpoints.jsonl"
    line = json.loads(path.read_text())
    line["count"] = 3  # as if the trail had been shorter: a cut would then pass
    path.write_text(json.dumps(line) + "\n")
    verdict = verify()
    assert not verdict.ok and "第 1 行的签名不符" in verdict.reason and "line 1 of" in verdict.reason


def test_a_checkpoint_line_forged_without_the_key_fails_verification(trail: list[AuditEntry], home: Path) -> None:
    do_checkpoint()
    _cut_newest(1)
    forged = Checkpoint(timezone.now(), 4, trail[3].pk, trail[3].hash).content()
    forged["hmac"] = hmac.new(b"guessed", json.dumps(forged, sort_keys=True).encode(), "sha256").hexdigest()
    with (home / "audit-checkpoints.jsonl").open("a") as file:
        file.write(json.dumps(forged) + "\n")
    verdict = verify()
    assert not verdict.ok and "第 2 行" in verdict.reason
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_a_checkpoint_signed_with_a_retired_secret_key_still_counts(
    trail: list[AuditEntry], settings: LazySettings
) -> None:
    do_checkpoint()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789abcdef"
    assert verify().ok
    settings.SECRET_KEY_FALLBACKS = []
    assert not verify().ok


def test_a_checkpoint_is_written_at_most_once_a_day(trail: list[AuditEntry], home: Path) -> None:
    morning = timezone.make_aware(dt.datetime(2026, 12, 1, 8, 0))
    assert do_checkpoint_if_due(morning) is not None
    assert do_checkpoint_if_due(morning + dt.timedelta(hours=15)) is None  # 23:00, the same day
    assert do_checkpoint_if_due(morning + dt.timedelta(hours=16)) is not None  # 00:00, the next day
    assert [line["count"] for line in _lines(home)] == [5, 5]


def test_the_workers_sweep_loop_writes_the_daily_checkpoint(
    trail: list[AuditEntry], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mingjing.datahub.management.commands import worker

    class ThreeRounds:
        """`stop.wait` for three rounds of the loop, then stop."""

        rounds = 0

        def wait(self, seconds: float) -> bool:
            self.rounds += 1
            return self.rounds > 3

    monkeypatch.setattr("mingjing.alerts.actions.do_sweep", lambda: {})
    monkeypatch.setattr(worker, "connection", SimpleNamespace(close=lambda: None))  # keep the test's own
    worker._sweep_loop(0, ThreeRounds())  # type: ignore[arg-type]
    assert [(line["count"], line["last_id"]) for line in _lines(home)] == [(5, trail[-1].pk)]


class _Witness(BaseHTTPRequestHandler):
    bodies: list[dict[str, object]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Witness.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_witness_webhook_receives_the_checkpoint(
    trail: list[AuditEntry], home: Path, settings: LazySettings
) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Witness)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Witness.bodies.clear()
    try:
        settings.AUDIT_WITNESS_URL = f"http://127.0.0.1:{server.server_port}/witness"
        assert do_checkpoint_if_due() is not None
    finally:
        server.shutdown()
        server.server_close()
    (body,) = _Witness.bodies
    assert body["audit_checkpoint"] == _lines(home)[0]  # signed, as the file holds it
    assert body["instance"] == settings.BASE_URL


def test_the_witness_mailbox_receives_the_checkpoint(trail: list[AuditEntry], settings: LazySettings) -> None:
    settings.AUDIT_WITNESS_EMAILS = ["witness@example.org"]
    do_checkpoint()
    (message,) = mail.outbox
    assert message.to == ["witness@example.org"] and "审计检查点" in message.subject
    assert trail[-1].hash in message.body


def test_an_unreachable_witness_is_logged_and_the_checkpoint_kept(
    trail: list[AuditEntry], home: Path, settings: LazySettings, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.AUDIT_WITNESS_URL = f"http://127.0.0.1:{port}/witness"
    with caplog.at_level(logging.ERROR, logger="mingjing.audit"):
        assert do_checkpoint_if_due() is not None
    assert "audit witness" in caplog.text and len(_lines(home)) == 1


def test_the_checkpoint_command_writes_one_and_if_due_skips_a_second(
    trail: list[AuditEntry], home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("audit", "checkpoint")
    call_command("audit", "checkpoint", "--if-due")
    out = capsys.readouterr().out
    assert f"至第 {trail[-1].pk} 条" in out and "none written" in out
    assert len(_lines(home)) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_postgresql_keep_one_chain() -> None:
    """A row lock on the tail is not enough there: a writer waiting on it wakes up holding the
    old tail and forks the chain. SQLite's write transactions are exclusive anyway."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")

    def write(writer: int) -> None:
        try:
            for i in range(20):
                record("test.concurrent", detail={"writer": writer, "i": i})
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    verdict = verify()
    assert verdict.ok and verdict.checked == 120
