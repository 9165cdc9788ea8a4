"""The data centre pages: upload, background import, batch report, rejects, retraction.

Everything goes through the HTTP client as alice (county analyst) or bob (department officer);
imports run either in-process (ImmediateBackend) or through the real database queue and worker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from mingjing.datahub.contract import DATASETS
from mingjing.datahub.models import Batch

REGIONS_CSV = (
    "区划代码,名称,上级代码,级别\n"
    "330782000000,义乌市,,县\n"
    "330782001000,稠城街道,330782000000,街道\n"
    "330782001001,下车门社区,330782001000,社区\n"
)
# Row 3 of this file (the second data row) has a code that is not a 12-digit region code.
REGIONS_ONE_BAD_CSV = (
    "区划代码,名称,上级代码,级别\n"
    "330782000000,义乌市,,县\n"
    "ABC,坏行,330782000000,乡镇\n"
    "330782001001,下车门社区,330782001000,社区\n"
)

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def villager(db: None) -> User:
    """A signed-in account without staff rights."""
    return User.objects.create_user("villager", password="villager-password")


@pytest.fixture
def immediate(settings: LazySettings) -> None:
    settings.TASKS = IMMEDIATE


@pytest.fixture
def as_alice(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


def count(html: str, name: str) -> int:
    """The number a count box of the batch report shows (`<dd id="rows-loaded" ...>3</dd>`)."""
    match = re.search(rf'<dd id="{name}"[^>]*>([\d,]+)</dd>', html)
    assert match, f"no {name} in the page"
    return int(match.group(1).replace(",", ""))


def upload(
    client: Client,
    text: str,
    *,
    name: str = "regions.csv",
    dataset: str = "regions",
    **options: Any,
) -> Any:
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("console:upload"), {"dataset": dataset, "file": file, **options})


def upload_and_import(
    client: Client, text: str, django_capture_on_commit_callbacks: OnCommit, **kwargs: Any
) -> Batch:
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, text, **kwargs)
    assert response.status_code == 302, response.content.decode()
    return Batch.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


# Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [("data", ()), ("batch", (1,)), ("batch_progress", (1,)), ("batch_rejects", (1,))],
)
def test_anonymous_visitors_are_sent_to_login(
    client: Client, db: None, name: str, args: tuple[int, ...]
) -> None:
    url = reverse(f"console:{name}", args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_anonymous_upload_queues_nothing(client: Client, db: None) -> None:
    response = upload(client, REGIONS_CSV)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Batch.objects.exists()


def test_signed_in_non_staff_are_forbidden(client: Client, villager: User, alice: User) -> None:
    batch = Batch.objects.create(dataset="regions", source_name="x.csv", source_sha256="0" * 64)
    client.force_login(villager)
    assert client.get(reverse("console:data")).status_code == 403
    assert client.get(reverse("console:batch", args=[batch.pk])).status_code == 403
    assert upload(client, REGIONS_CSV).status_code == 403
    assert Batch.objects.count() == 1


def test_a_missing_batch_is_404(as_alice: Client) -> None:
    assert as_alice.get(reverse("console:batch", args=[999])).status_code == 404
    assert as_alice.get(reverse("console:batch_progress", args=[999])).status_code == 404


def test_the_login_page_signs_staff_in_to_the_data_centre(client: Client, alice: User) -> None:
    page = client.get(reverse("login"))
    assert "登录" in page.content.decode()
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-password"})
    assert response.status_code == 302
    assert response.url == reverse("console:data")


# Data page ----------------------------------------------------------------------------------


def test_the_data_page_lists_every_dataset(as_alice: Client) -> None:
    response = as_alice.get(reverse("console:data"))
    assert response.status_code == 200
    html = response.content.decode()
    for name, dataset in DATASETS.items():
        assert dataset.title in html
        assert name in html
    assert "数据中心" in html
    assert "强制重复导入" in html and "替换现有数据" in html


def test_the_data_page_is_in_english_when_the_browser_asks(as_alice: Client) -> None:
    html = as_alice.get(reverse("console:data"), headers={"accept-language": "en"}).content.decode()
    assert "Data centre" in html
    assert "Force a repeat import" in html


def test_the_data_page_pages_through_batches(as_alice: Client, alice: User) -> None:
    Batch.objects.bulk_create(
        Batch(
            dataset="regions",
            source_name=f"file-{i}.csv",
            source_sha256=f"{i:064d}",
            created_by=alice,
        )
        for i in range(25)
    )
    first = as_alice.get(reverse("console:data")).content.decode()
    assert "file-24.csv" in first and "file-4.csv" not in first
    assert "县纪委分析员 (alice)" in first
    second = as_alice.get(reverse("console:data"), {"page": 2}).content.decode()
    assert "file-4.csv" in second and "file-24.csv" not in second


# Upload and import --------------------------------------------------------------------------


def test_an_upload_is_imported_and_the_batch_page_shows_its_report(
    as_alice: Client, alice: User, immediate: None, django_capture_on_commit_callbacks: OnCommit
) -> None:
    batch = upload_and_import(as_alice, REGIONS_CSV, django_capture_on_commit_callbacks)

    assert batch.status == Batch.Status.ACTIVE
    assert (batch.rows_read, batch.rows_loaded, batch.rows_rejected) == (3, 3, 0)
    assert batch.created_by == alice
    html = as_alice.get(reverse("console:batch", args=[batch.pk])).content.decode()
    assert count(html, "rows-read") == 3
    assert count(html, "rows-loaded") == 3
    assert count(html, "rows-rejected") == 0
    assert "生效" in html  # the active status, in Chinese
    assert "<td>区划代码</td><td><code>code</code></td>" in html  # header map
    assert "region_level_mapped" in html  # normalisation counts per kind
    assert "hx-trigger" not in html  # finished: no polling
    # the data page now counts the rows
    data = as_alice.get(reverse("console:data")).content.decode()
    assert re.search(
        r"行政区划.*?</td>\s*<td class=\"num\">1</td>\s*<td class=\"num\">3</td>", data, re.S
    )


@pytest.mark.django_db(transaction=True)
def test_an_upload_waits_in_the_queue_until_the_worker_runs(
    client: Client, alice: User, settings: LazySettings
) -> None:
    settings.TASKS = DATABASE
    client.force_login(alice)

    response = upload(client, REGIONS_CSV)
    assert response.status_code == 302
    batch = Batch.objects.get()
    assert response.url == reverse("console:batch", args=[batch.pk])
    assert batch.status == Batch.Status.PENDING
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    progress = client.get(reverse("console:batch_progress", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in progress
    assert reverse("console:batch_progress", args=[batch.pk]) in progress
    assert "排队" in progress

    call_command("worker", batch=True, verbosity=0)

    batch.refresh_from_db()
    assert batch.status == Batch.Status.ACTIVE
    assert batch.rows_loaded == 3
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    progress = client.get(reverse("console:batch_progress", args=[batch.pk])).content.decode()
    assert "hx-trigger" not in progress
    assert 'data-status="active"' in progress
    assert count(progress, "rows-loaded") == 3


def test_a_running_import_shows_rows_so_far_and_keeps_polling(as_alice: Client) -> None:
    batch = Batch.objects.create(
        dataset="payments",
        source_name="发放.xlsx",
        source_sha256="0" * 64,
        status=Batch.Status.RUNNING,
        rows_done=1234567,
    )
    html = as_alice.get(reverse("console:batch_progress", args=[batch.pk])).content.decode()
    assert "1,234,567" in html
    assert "导入中" in html
    assert 'hx-trigger="every 1s"' in html


def test_a_file_that_cannot_be_imported_shows_the_error_in_both_languages(
    as_alice: Client, immediate: None, django_capture_on_commit_callbacks: OnCommit
) -> None:
    batch = upload_and_import(
        as_alice, "名称,级别\n义乌市,县\n", django_capture_on_commit_callbacks
    )
    assert batch.status == Batch.Status.FAILED
    html = as_alice.get(reverse("console:batch", args=[batch.pk])).content.decode()
    assert "缺少必需列" in html
    assert "missing" in html.lower()
    assert "失败" in html
    assert "撤回" not in html


# Rejects ------------------------------------------------------------------------------------


def test_rejected_rows_download_as_csv_with_their_source_row(
    as_alice: Client, immediate: None, django_capture_on_commit_callbacks: OnCommit
) -> None:
    batch = upload_and_import(as_alice, REGIONS_ONE_BAD_CSV, django_capture_on_commit_callbacks)
    assert (batch.rows_loaded, batch.rows_rejected) == (2, 1)
    page = as_alice.get(reverse("console:batch", args=[batch.pk])).content.decode()
    assert reverse("console:batch_rejects", args=[batch.pk]) in page

    response = as_alice.get(reverse("console:batch_rejects", args=[batch.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("源行号 source_row,原因 reason,区划代码")
    assert len(lines) == 2
    assert lines[1].startswith("3,")
    assert "ABC" in lines[1]


def test_rejects_are_404_when_nothing_was_rejected(
    as_alice: Client, immediate: None, django_capture_on_commit_callbacks: OnCommit
) -> None:
    batch = upload_and_import(as_alice, REGIONS_CSV, django_capture_on_commit_callbacks)
    assert batch.rows_rejected == 0
    assert as_alice.get(reverse("console:batch_rejects", args=[batch.pk])).status_code == 404
    page = as_alice.get(reverse("console:batch", args=[batch.pk])).content.decode()
    assert reverse("console:batch_rejects", args=[batch.pk]) not in page


# Retract ------------------------------------------------------------------------------------


def test_bob_retracts_an_active_batch_his_department_delivered(
    client: Client,
    bob: User,
    immediate: None,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    client.force_login(bob)
    batch = upload_and_import(client, REGIONS_CSV, django_capture_on_commit_callbacks)
    assert batch.organisation is not None and batch.organisation.department == "民政局"
    url = reverse("console:batch_retract", args=[batch.pk])
    assert url in client.get(reverse("console:batch", args=[batch.pk])).content.decode()
    assert client.get(url).status_code == 405  # never on a GET

    response = client.post(url, follow=True)

    batch.refresh_from_db()
    assert batch.status == Batch.Status.RETRACTED
    assert batch.retracted_by == bob
    html = response.content.decode()
    assert "已撤回" in html
    assert url not in html  # no second retract button


def test_a_department_cannot_retract_or_read_the_rejects_of_the_countys_batch(
    client: Client,
    alice: User,
    bob: User,
    immediate: None,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    client.force_login(alice)
    batch = upload_and_import(client, REGIONS_CSV, django_capture_on_commit_callbacks)
    client.force_login(bob)
    page = client.get(reverse("console:batch", args=[batch.pk])).content.decode()
    assert reverse("console:batch_retract", args=[batch.pk]) not in page
    refused = client.post(reverse("console:batch_retract", args=[batch.pk]))
    assert refused.status_code == 403 and "撤回数据批次" in refused.content.decode()  # the policy's reason
    assert client.get(reverse("console:batch_original", args=[batch.pk])).status_code == 403
    batch.refresh_from_db()
    assert batch.status == Batch.Status.ACTIVE


def test_retracting_a_batch_that_is_not_active_says_why(as_alice: Client, alice: User) -> None:
    batch = Batch.objects.create(dataset="regions", source_name="x.csv", source_sha256="0" * 64)
    response = as_alice.post(reverse("console:batch_retract", args=[batch.pk]), follow=True)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.PENDING
    html = response.content.decode()
    assert "只有生效中的批次可以撤回" in html
    assert "only an active batch can be retracted" in html


# Duplicates and bad forms -------------------------------------------------------------------


def test_a_duplicate_upload_is_refused_in_both_languages_and_queues_nothing(
    as_alice: Client, settings: LazySettings, django_capture_on_commit_callbacks: OnCommit
) -> None:
    settings.TASKS = DATABASE
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(as_alice, REGIONS_CSV).status_code == 302
    first = Batch.objects.get()
    assert DBTaskResult.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(as_alice, REGIONS_CSV, name="regions-again.csv")

    assert response.status_code == 400
    html = response.content.decode()
    assert f"已导入为批次 #{first.pk}" in html
    assert f"already imported as batch #{first.pk}" in html
    assert Batch.objects.count() == 1
    assert callbacks == []
    assert DBTaskResult.objects.count() == 1  # only the first upload's import


def test_forcing_a_duplicate_imports_it_again(
    as_alice: Client, immediate: None, django_capture_on_commit_callbacks: OnCommit
) -> None:
    upload_and_import(as_alice, REGIONS_CSV, django_capture_on_commit_callbacks)
    again = upload_and_import(as_alice, REGIONS_CSV, django_capture_on_commit_callbacks, force="on")
    assert again.force
    assert again.status == Batch.Status.ACTIVE
    assert Batch.objects.filter(status=Batch.Status.ACTIVE).count() == 2


def test_replacing_supersedes_the_active_batches(
    as_alice: Client, immediate: None, django_capture_on_commit_callbacks: OnCommit
) -> None:
    first = upload_and_import(as_alice, REGIONS_CSV, django_capture_on_commit_callbacks)
    second = upload_and_import(
        as_alice, REGIONS_ONE_BAD_CSV, django_capture_on_commit_callbacks, replace="on"
    )
    first.refresh_from_db()
    assert second.status == Batch.Status.ACTIVE
    assert first.status == Batch.Status.SUPERSEDED
    html = as_alice.get(reverse("console:batch", args=[first.pk])).content.decode()
    assert reverse("console:batch", args=[second.pk]) in html


def test_an_upload_without_a_file_or_dataset_is_refused(as_alice: Client) -> None:
    response = as_alice.post(reverse("console:upload"), {"dataset": "nonsense"})
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"dataset", "file"}
    assert not Batch.objects.exists()
