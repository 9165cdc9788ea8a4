"""The trail is append-only and tamper-evident."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from mingjing.audit.actions import record, verify
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
