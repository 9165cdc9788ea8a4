"""Batches accumulate, duplicates are refused, `--replace` supersedes, retracting undoes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mingjing.accounts.policy import Refused
from mingjing.audit.models import AuditEntry
from mingjing.datahub import actions
from mingjing.datahub.models import Batch
from mingjing.datahub.reader import FileProblem
from tests.files import (
    PAYMENT_HEADERS,
    active_batches,
    import_error,
    import_json,
    payment_row,
    person,
    read_rows,
    write_text,
)

pytestmark = pytest.mark.django_db


def roll(tmp_path: Path, name: str, *people: int) -> Path:
    return write_text(tmp_path / name, [PAYMENT_HEADERS, *(payment_row(n) for n in people)])


def people_in_lake(dataset: str = "payments") -> list[str]:
    return sorted(r["id_number"] for r in read_rows(dataset)) if active_batches(dataset) else []


def retract(batch_id: int) -> str:
    out = io.StringIO()
    call_command("batch", "retract", str(batch_id), stdout=out)
    return out.getvalue()


# -- duplicates --------------------------------------------------------------------------------------


def test_the_same_bytes_are_refused_a_second_time(tmp_path: Path) -> None:
    path = roll(tmp_path, "july.csv", 1, 2)
    first = import_json("payments", path)
    copy = tmp_path / "july-copy.csv"
    copy.write_bytes(path.read_bytes())  # a different name does not make it a different file
    error, report = import_error("payments", copy)
    assert error.returncode == 2
    assert f"#{first['batch_id']}" in str(error)
    assert "--force" in str(error)
    assert "已导入" in str(error) and "already imported" in str(error)
    assert report["status"] == "failed"
    assert active_batches("payments") == [first["batch_id"]]
    assert people_in_lake() == [person(1), person(2)]
    assert Batch.objects.count() == 1


def test_force_imports_the_same_bytes_again_as_a_new_batch(tmp_path: Path) -> None:
    path = roll(tmp_path, "july.csv", 1, 2)
    first = import_json("payments", path)
    second = import_json("payments", path, "--force")
    assert second["batch_id"] != first["batch_id"]
    assert active_batches("payments") == [first["batch_id"], second["batch_id"]]
    assert people_in_lake() == [person(1), person(1), person(2), person(2)]


def test_a_retracted_file_can_be_imported_again_without_force(tmp_path: Path) -> None:
    path = roll(tmp_path, "july.csv", 1)
    first = import_json("payments", path)
    retract(first["batch_id"])
    again = import_json("payments", path)
    assert active_batches("payments") == [again["batch_id"]]


def test_a_failed_import_does_not_block_the_corrected_file(tmp_path: Path) -> None:
    path = write_text(tmp_path / "july.csv", [PAYMENT_HEADERS])  # no data rows
    import_error("payments", path)
    path = roll(tmp_path, "july.csv", 1)
    assert import_json("payments", path)["rows_loaded"] == 1


def test_the_same_file_may_go_into_another_dataset_check_is_per_dataset(tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "both.csv",
        [
            ["身份证号", "姓名", "户籍地代码", "死亡日期"],
            [person(1), "甲", "110101001001", "2021-07-01"],
        ],
    )
    import_json("persons", path)
    assert import_json("deaths", path)["rows_loaded"] == 1


# -- accumulate --------------------------------------------------------------------------------------


def test_two_payment_rolls_are_both_active(tmp_path: Path) -> None:
    july = import_json("payments", roll(tmp_path, "july.csv", 1, 2))
    august = import_json("payments", roll(tmp_path, "august.csv", 3))
    assert active_batches("payments") == [july["batch_id"], august["batch_id"]]
    assert people_in_lake() == [person(1), person(2), person(3)]
    assert {r["_batch"] for r in read_rows("payments")} == {july["batch_id"], august["batch_id"]}


# -- retract -----------------------------------------------------------------------------------------


def test_a_retracted_batch_leaves_the_snapshot(tmp_path: Path) -> None:
    july = import_json("payments", roll(tmp_path, "july.csv", 1, 2))
    august = import_json("payments", roll(tmp_path, "august.csv", 3))
    printed = retract(july["batch_id"])
    assert f"#{july['batch_id']}" in printed and "retracted" in printed
    assert active_batches("payments") == [august["batch_id"]]
    assert people_in_lake() == [person(3)]
    batch = Batch.objects.get(pk=july["batch_id"])
    assert batch.status == Batch.Status.RETRACTED
    assert batch.retracted_at is not None


def test_retracting_through_the_action_records_who_did_it(tmp_path: Path, alice: object) -> None:
    report = import_json("payments", roll(tmp_path, "july.csv", 1))
    batch = actions.do_retract_batch(batch=Batch.objects.get(pk=report["batch_id"]), user=alice)  # type: ignore[arg-type]
    assert batch.retracted_by == alice
    entry = AuditEntry.objects.get(action="batch.retracted")
    assert entry.actor == alice and entry.detail["before"] == {"status": "active"}
    assert entry.detail["after"] == {"status": "retracted"}
    assert active_batches("payments") == []


def test_a_department_may_not_retract_a_batch_the_county_imported(tmp_path: Path, bob: object) -> None:
    report = import_json("payments", roll(tmp_path, "july.csv", 1))
    with pytest.raises(Refused):
        actions.do_retract_batch(batch=Batch.objects.get(pk=report["batch_id"]), user=bob)  # type: ignore[arg-type]
    assert active_batches("payments") == [report["batch_id"]]


def test_a_batch_cannot_be_retracted_twice(tmp_path: Path) -> None:
    report = import_json("payments", roll(tmp_path, "july.csv", 1))
    retract(report["batch_id"])
    with pytest.raises(CommandError) as caught:
        retract(report["batch_id"])
    assert caught.value.returncode == 2
    assert "retracted" in str(caught.value) and "撤回" in str(caught.value)


def test_retracting_a_batch_that_does_not_exist_exits_2() -> None:
    with pytest.raises(CommandError) as caught:
        retract(999)
    assert caught.value.returncode == 2
    assert "999" in str(caught.value)


def test_a_failed_batch_cannot_be_retracted(tmp_path: Path) -> None:
    _, report = import_error("payments", write_text(tmp_path / "empty.csv", [PAYMENT_HEADERS]))
    with pytest.raises(FileProblem):
        actions.do_retract_batch(batch=Batch.objects.get(pk=report["batch_id"]))


# -- replace -----------------------------------------------------------------------------------------


def test_replace_supersedes_every_earlier_active_batch(tmp_path: Path) -> None:
    first = import_json("payments", roll(tmp_path, "a.csv", 1))
    second = import_json("payments", roll(tmp_path, "b.csv", 2))
    refresh = import_json("payments", roll(tmp_path, "full.csv", 7, 8), "--replace")
    assert active_batches("payments") == [refresh["batch_id"]]
    assert people_in_lake() == [person(7), person(8)]
    for old in (first, second):
        batch = Batch.objects.get(pk=old["batch_id"])
        assert batch.status == Batch.Status.SUPERSEDED
        assert batch.superseded_by_id == refresh["batch_id"]


def test_replace_touches_only_its_own_dataset(tmp_path: Path) -> None:
    persons = write_text(
        tmp_path / "persons.csv",
        [["身份证号", "姓名", "户籍地代码"], [person(1), "甲", "110101001001"]],
    )
    kept = import_json("persons", persons)
    import_json("payments", roll(tmp_path, "a.csv", 1))
    import_json("payments", roll(tmp_path, "b.csv", 2), "--replace")
    assert active_batches("persons") == [kept["batch_id"]]


def test_retracting_the_replacement_restores_what_it_replaced(tmp_path: Path) -> None:
    first = import_json("payments", roll(tmp_path, "a.csv", 1))
    second = import_json("payments", roll(tmp_path, "b.csv", 2))
    refresh = import_json("payments", roll(tmp_path, "full.csv", 7), "--replace")
    retract(refresh["batch_id"])
    assert active_batches("payments") == [first["batch_id"], second["batch_id"]]
    assert people_in_lake() == [person(1), person(2)]
    assert Batch.objects.get(pk=first["batch_id"]).superseded_by_id is None


def test_a_retracted_batch_stays_retracted_when_a_later_replacement_is_undone(
    tmp_path: Path,
) -> None:
    first = import_json("payments", roll(tmp_path, "a.csv", 1))
    withdrawn = import_json("payments", roll(tmp_path, "b.csv", 2))
    retract(withdrawn["batch_id"])
    refresh = import_json("payments", roll(tmp_path, "full.csv", 7), "--replace")
    retract(refresh["batch_id"])
    assert active_batches("payments") == [first["batch_id"]]


def test_a_replacement_that_fails_leaves_the_earlier_batches_active(tmp_path: Path) -> None:
    first = import_json("payments", roll(tmp_path, "a.csv", 1))
    second = import_json("payments", roll(tmp_path, "b.csv", 2))
    error, _ = import_error(
        "payments", write_text(tmp_path / "full.csv", [PAYMENT_HEADERS]), "--replace"
    )
    assert error.returncode == 2
    assert active_batches("payments") == [first["batch_id"], second["batch_id"]]
    assert not Batch.objects.filter(status=Batch.Status.SUPERSEDED).exists()


# -- listing -----------------------------------------------------------------------------------------


def batches_json(*options: str) -> list[dict[str, object]]:
    out = io.StringIO()
    call_command("batches", "--json", *options, stdout=out)
    return json.loads(out.getvalue())


def test_batches_json_lists_every_batch_newest_first_with_its_report(tmp_path: Path) -> None:
    july = import_json("payments", roll(tmp_path, "july.csv", 1, 2))
    august = import_json("payments", roll(tmp_path, "august.csv", 3))
    retract(july["batch_id"])
    import_error("payments", write_text(tmp_path / "empty.csv", [PAYMENT_HEADERS]))
    listed = batches_json()
    assert [b["batch_id"] for b in listed] == sorted((b["batch_id"] for b in listed), reverse=True)
    by_id = {b["batch_id"]: b for b in listed}
    assert by_id[july["batch_id"]]["status"] == "retracted"
    assert by_id[august["batch_id"]]["status"] == "active"
    assert by_id[august["batch_id"]]["rows_loaded"] == 1
    assert by_id[august["batch_id"]]["source_name"] == "august.csv"
    assert [b["status"] for b in listed].count("failed") == 1


def test_batches_json_filters_by_dataset(tmp_path: Path) -> None:
    import_json("payments", roll(tmp_path, "july.csv", 1))
    persons = write_text(
        tmp_path / "persons.csv",
        [["身份证号", "姓名", "户籍地代码"], [person(1), "甲", "110101001001"]],
    )
    kept = import_json("persons", persons)
    listed = batches_json("--dataset", "persons")
    assert [b["batch_id"] for b in listed] == [kept["batch_id"]]


def test_batch_show_prints_the_report(tmp_path: Path) -> None:
    report = import_json("payments", roll(tmp_path, "july.csv", 1))
    out = io.StringIO()
    call_command("batch", "show", str(report["batch_id"]), stdout=out)
    shown = json.loads(out.getvalue())
    assert shown["batch_id"] == report["batch_id"]
    assert shown["rows_loaded"] == 1
