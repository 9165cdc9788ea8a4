"""The portal's own public pages: finding a village, the village page a QR code opens, large
text, the household code's redirect, and visits counted per village and day without addresses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mingjing.accounts.models import Organisation
from mingjing.portal import visits
from mingjing.portal.models import HouseholdCode, Visit
from tests.personas import org, staff

pytestmark = pytest.mark.django_db

VILLAGE = "110101001201"
OTHER = "110101001202"
TOWNSHIP = "110101001000"


@pytest.fixture
def county() -> None:
    """Names come from the organisations when no regions file has been imported."""
    org(Organisation.Kind.TOWNSHIP_COMMISSION, "城关镇", TOWNSHIP)
    org(Organisation.Kind.VILLAGE, "青山村", VILLAGE)
    org(Organisation.Kind.VILLAGE, "绿水村", OTHER)


def test_find_a_village_by_name(county: None) -> None:
    page = Client().get(reverse("portal:index"), {"q": "青山"}).content.decode()
    assert reverse("portal:village", args=[VILLAGE]) in page
    assert reverse("portal:village", args=[OTHER]) not in page
    township = Client().get(reverse("portal:township", args=[TOWNSHIP])).content.decode()
    assert "青山村" in township and "绿水村" in township


def test_hostile_searches_are_bounded_and_escaped(county: None) -> None:
    response = Client().get(reverse("portal:index"), {"q": "<script>alert(1)</script>" * 50})
    assert response.status_code == 200
    assert b"<script>alert" not in response.content
    assert Client().get("/v/t/..%2F..%2Fetc/").status_code == 404
    assert Client().get(reverse("portal:township", args=["110101009000"])).status_code == 404


def test_village_page_lists_the_sections(county: None) -> None:
    response = Client().get(reverse("portal:village", args=[VILLAGE]))
    assert response.status_code == 200
    page = response.content.decode()
    for section in ("party", "village", "finance"):
        assert reverse("portal:disclosures", args=[VILLAGE, section]) in page
    for name in ("subsidies", "lookup", "power", "complaints"):
        assert reverse(f"portal:{name}", args=[VILLAGE]) in page
    assert "<script" not in page  # readable without JavaScript
    assert len(response.content) < 100_000


@pytest.mark.parametrize("code", ["110101001299", "abc", "1101010012010", "110101001000"])
def test_unknown_or_malformed_villages_are_not_found(county: None, code: str) -> None:
    assert Client().get(f"/v/{code}/").status_code == 404


def test_large_text_is_a_cookie_and_refuses_foreign_redirects(county: None) -> None:
    client = Client()
    target = reverse("portal:village", args=[VILLAGE])
    response = client.get(reverse("portal:text_size"), {"big": "1", "next": target})
    assert response.status_code == 302 and response["Location"] == target
    assert b'class="big"' in client.get(target).content
    response = client.get(reverse("portal:text_size"), {"big": "0", "next": "https://evil.example/"})
    assert response["Location"] == reverse("portal:index")
    assert b'class="big"' not in client.get(target).content


def test_household_code_opens_the_lookup_and_reveals_nothing(county: None) -> None:
    code = HouseholdCode.objects.create(token="k3v9q2m7x4tb", village_code=VILLAGE, household_id="H-0001")
    response = Client().get(f"/h/{code.token}/")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:lookup", args=[VILLAGE]) + f"?h={code.token}"
    assert "H-0001" not in response["Location"]
    assert Client().get("/h/not-a-code/").status_code == 404


def test_visits_are_counted_per_village_and_day_without_addresses(county: None) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        client.get(reverse("portal:village", args=[VILLAGE]))
    client.get(reverse("portal:village", args=[OTHER]))
    client.get(reverse("portal:index"))  # not a village page: not counted
    visits.flush()
    today = timezone.localdate()
    assert dict(Visit.objects.filter(day=today).values_list("village_code", "count")) == {VILLAGE: 3, OTHER: 1}
    stored = " ".join(str(v) for row in Visit.objects.values_list() for v in row)
    assert "203.0.113.7" not in stored


def test_cockpit_shows_visits_in_scope(county: None) -> None:
    Visit.objects.create(village_code=VILLAGE, day=timezone.localdate(), count=7)
    Visit.objects.create(village_code=OTHER, day=timezone.localdate() - dt.timedelta(days=3), count=2)
    Visit.objects.create(village_code=OTHER, day=timezone.localdate() - dt.timedelta(days=90), count=100)
    county_org = org(Organisation.Kind.COUNTY_COMMISSION, "县纪委监委", "110101000000")
    client = Client()
    client.force_login(staff("analyst", county_org, "county_analyst"))
    page = client.get(reverse("console:cockpit")).content.decode()
    assert f'data-village="{VILLAGE}">7<' in page
    assert f'data-village="{OTHER}">2<' in page  # the visits of 90 days ago are outside the window
    page = client.get(reverse("console:cockpit"), {"township": TOWNSHIP, "village": OTHER}).content.decode()
    assert f'data-village="{VILLAGE}"' not in page


def test_a_village_cockpit_shows_its_own_visits_only(county: None) -> None:
    Visit.objects.create(village_code=VILLAGE, day=timezone.localdate(), count=5)
    Visit.objects.create(village_code=OTHER, day=timezone.localdate(), count=9)
    village = org(Organisation.Kind.VILLAGE, "青山村", VILLAGE)
    client = Client()
    client.force_login(staff("secretary", village, "village_secretary"))
    page = client.get(reverse("console:cockpit")).content.decode()
    assert f'data-village="{VILLAGE}">5<' in page and f'data-village="{OTHER}"' not in page


def test_only_the_parameters_a_page_reads_are_cached(county: None) -> None:
    """Junk parameters are served uncached, so they cannot fill the cache with copies."""
    from django.core.cache import cache

    from mingjing.portal.public import generation

    url = reverse("portal:village", args=[VILLAGE])
    Client().get(url, {"x": "1"})
    Client().get(url, {"x": "2"})
    assert not [k for k in list(cache._cache) if f"portal:page:{generation()}" in k]  # type: ignore[attr-defined]
    Client().get(url)
    assert len([k for k in list(cache._cache) if f"portal:page:{generation()}" in k]) == 1  # type: ignore[attr-defined]
