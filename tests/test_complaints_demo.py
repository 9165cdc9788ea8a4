"""The demo county's 监督一点通 (`mingjing.complaints.demo`): complaints, tip-offs and questions in
every state, made through the actions by the demo's staff, once.

The smallest demo county is generated once for this module; its registers (regions, programmes,
officials, relatives: all the seeding reads) are imported, the organisations made and one account
per demo persona added, then it is seeded twice; the work runs inside one transaction that is
rolled back, in a home of its own, and the tests read the plain data it hands back.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from mingjing.accounts import policy
from mingjing.accounts.models import Membership, Organisation, Role
from mingjing.complaints import lookup, questions
from mingjing.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto, Question
from mingjing.datahub.actions import do_import_file
from mingjing.datahub.models import Batch
from mingjing.datahub.queries import read_dataset
from tests.demo_county import home_settings, smallest_county

pytestmark = pytest.mark.django_db


REGISTERS = ("regions", "programs", "officials", "relatives")


def load_registers(county: Path) -> None:
    """The demo county's reference files only: the payments are not needed here, and slow to load."""
    manifest = json.loads((county / "manifest.json").read_text())
    for entry in manifest["files"]:
        if entry["dataset"] in REGISTERS:
            batch = do_import_file(entry["dataset"], county / entry["path"], sheet=entry.get("sheet"))
            assert batch.status == Batch.Status.ACTIVE, batch.error


def demo_staff() -> dict[str, User]:
    """One account per persona, where `mingjing demo up` puts them: the county commission, the
    first township's commission, 民政局, and the supervision committee of that township's first
    village (no password: nobody signs in here)."""
    from mingjing.portal.public import places

    village = min(places())
    where = {
        Role.COUNTY_ADMIN: Organisation.objects.get(kind="county_commission"),
        Role.TOWNSHIP_OFFICER: Organisation.objects.get(kind="township_commission",
                                                        region_code=places()[village].township_code),
        Role.DEPARTMENT_OFFICER: Organisation.objects.get(kind="department", department="民政局"),
        Role.VILLAGE_SUPERVISOR: Organisation.objects.get(kind="village", region_code=village),
    }
    staff = {}
    for role, org in where.items():
        user = User.objects.create_user(f"demo-{role.value}", is_staff=True, first_name=f"{role.label}（演示）")
        Membership.objects.create(user=user, organisation=org, role=role)
        staff[role.value] = user
    return staff


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker: Any
) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("complaints-demo")
    county = root / "county"
    smallest_county(county)
    home = root / "home"
    dirs = home_settings(home)
    from mingjing.portal.public import forget_places

    with (
        override_settings(MEDIA_ROOT=home / "media", WEBHOOK_URLS=[], COMPLAINT_TRANSFER_WEBHOOKS={}, **dirs),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        assert not Batch.objects.exists(), "not the (empty) test database"
        forget_places()
        load_registers(county)
        from mingjing.accounts.actions import do_sync_organisations
        from mingjing.complaints.demo import demo_code, seed_complaints

        do_sync_organisations()
        staff = demo_staff()
        first = seed_complaints(rng_seed=3)
        before = (Complaint.objects.count(), Question.objects.count(), ComplaintEvent.objects.count())
        second = seed_complaints(rng_seed=3)
        after = (Complaint.objects.count(), Question.objects.count(), ComplaintEvent.objects.count())
        code = demo_code()
        found = lookup.lookup(code, "10.0.0.1")
        complaints = list(Complaint.objects.order_by("pk"))
        flagged = [c for c in complaints if c.repeat_flagged]
        tipoffs = [c for c in complaints if c.is_tipoff and c.excluded_orgs]
        supervisor = staff[Role.VILLAGE_SUPERVISOR.value]
        officials = read_dataset("officials", ["name", "region_code"])
        assert officials is not None
        result = {
            "first": first, "second": second, "before": before, "after": after, "code": code,
            "found": (found.status, found.reference) if isinstance(found, Complaint) else None,
            "statuses": {c.status for c in complaints},
            "question_statuses": set(Question.objects.values_list("status", flat=True)),
            "colours": questions.colour_counts(Question.objects.all(), timezone.now()),
            "flagged_groups": Counter(c.repeat_of_id or c.pk for c in flagged),
            "tipoffs_with_recusal": [(c.excluded_orgs, c.people) for c in tipoffs],
            "village_org": Organisation.objects.get(kind="village", region_code=tipoffs[0].village_code).pk
            if tipoffs else None,
            "cadres": {r["name"] for r in officials.to_pylist() if tipoffs and r["region_code"] == tipoffs[0].village_code},
            "supervisor_sees_tipoff": any(policy.complaints_for(supervisor).filter(pk=c.pk).exists() for c in tipoffs),
            "reopened": [(c.status, c.reopened_count) for c in complaints if c.reopened_count],
            "published": sum(1 for c in complaints if c.published_at),
            "escalated": ComplaintEvent.objects.filter(kind="escalated").count(),
            "actors": {role: ComplaintEvent.objects.filter(actor=user).count() for role, user in staff.items()},
            "villages": len({c.village_code for c in complaints}),
            "photos": [(p.shown.read(), bool(p.original)) for p in ComplaintPhoto.objects.select_related("complaint")],
        }
        transaction.set_rollback(True)
        forget_places()
    yield result


def test_the_demo_has_a_complaint_in_every_status_and_a_question_in_every_status(seeded: dict[str, Any]) -> None:
    assert seeded["statuses"] == set(Complaint.Status.values)
    assert seeded["question_statuses"] == set(Question.Status.values)
    assert seeded["villages"] >= 2


def test_the_demo_reopens_publishes_and_escalates(seeded: dict[str, Any]) -> None:
    assert (Complaint.Status.ACCEPTED, 1) in seeded["reopened"], "no complaint reopened after 'not resolved'"
    assert (Complaint.Status.UNDER_REVIEW, 1) in seeded["reopened"], "no second answer waiting for review"
    assert seeded["published"] >= 2
    assert seeded["escalated"] >= 1, "the overdue complaint was not raised by the sweep"


def test_published_questions_come_in_every_colour(seeded: dict[str, Any]) -> None:
    colours = seeded["colours"]
    assert all(colours[name] >= 1 for name in ("fresh", "yellow", "red", "green", "submitted")), colours


def test_the_demo_has_a_flagged_repeat_group(seeded: dict[str, Any]) -> None:
    groups = seeded["flagged_groups"]
    assert groups and all(size >= 3 for size in groups.values()), groups


def test_a_demo_tipoff_names_a_cadre_and_their_village_is_ruled_out(seeded: dict[str, Any]) -> None:
    assert seeded["tipoffs_with_recusal"], "no tip-off with a recusal"
    excluded, people = seeded["tipoffs_with_recusal"][0]
    assert people and people[0] in seeded["cadres"], "the tip-off names no cadre of its village"
    assert f",{seeded['village_org']}," in excluded
    assert not seeded["supervisor_sees_tipoff"]


def test_the_demo_staff_took_the_steps(seeded: dict[str, Any]) -> None:
    actors = seeded["actors"]
    assert all(actors[role.value] >= 1 for role in (Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.DEPARTMENT_OFFICER,
                                                   Role.VILLAGE_SUPERVISOR)), actors


def test_the_demo_code_opens_an_answered_complaint(seeded: dict[str, Any]) -> None:
    assert seeded["found"] == (Complaint.Status.ANSWERED, seeded["code"].split("-")[0])


def test_demo_photos_are_served_without_gps_and_tipoffs_keep_originals(seeded: dict[str, Any]) -> None:
    photos = seeded["photos"]
    assert len(photos) >= 4 and any(original for _, original in photos)
    for shown, _ in photos:
        assert not Image.open(io.BytesIO(shown)).getexif()


def test_seeding_twice_creates_nothing_the_second_time(seeded: dict[str, Any]) -> None:
    assert seeded["first"]["complaints"] >= 10 and seeded["first"]["questions"] >= 5
    assert seeded["second"] == {"skipped": 1}
    assert seeded["before"] == seeded["after"]
