"""监督一点通 through the JSON API: the list, one complaint and the figures, each within the token
user's `policy.complaints_for`; tip-offs without their text and their reads recorded; never the
complainant's name or phone; hostile filters answered 422, never 500."""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mingjing.accounts.models import Organisation
from mingjing.api.actions import do_create_token
from mingjing.api.views import ComplaintCategory
from mingjing.audit.models import AuditEntry
from mingjing.complaints import actions
from mingjing.complaints.models import CATEGORY_CHOICES, Complaint
from tests.alerts_fixtures import OTHER_TOWNSHIP, VILLAGE, Cast, make_cast

pytestmark = pytest.mark.django_db

FAR_VILLAGE = OTHER_TOWNSHIP[:9] + "201"
PHONE = "13812345678"
TIP_TEXT = "村会计挪用了低保金，还威胁举报人。"
PERSONAS = ("alice", "tom", "olga", "victor", "dora")


@pytest.fixture
def cast(alice: User) -> Cast:
    cast = make_cast(alice)
    Organisation.objects.create(kind="village", name="西河村", region_code=FAR_VILLAGE)  # a place in olga's township
    return cast


@pytest.fixture
def filed(cast: Cast) -> dict[str, Complaint]:
    """road: answered by the village (tom accepted it), filed with a name and phone; subsidy: in
    the civil affairs bureau's hands; tip: a tip-off routed to tom's commission; far: a complaint
    in olga's township, waiting."""
    def file(channel: str, text: str, village: str = VILLAGE, **kw: Any) -> Complaint:
        return actions.do_file_complaint(channel=channel, village_code=village, text=text, **kw).complaint

    road = file("complaint", "村里修路的钱一直没有公开，工程质量也很差。", anonymous=False, contact_name="张三丰",
                contact_phone=PHONE, category="project")
    actions.do_accept(complaint=road, user=cast.tom, category="project", handler=cast.village)
    actions.do_answer(complaint=road, user=cast.victor, answer="已核实，道路将于下月返修。")
    subsidy = file("complaint", "低保名单里有村干部的亲戚。", category="welfare")
    actions.do_accept(complaint=subsidy, user=cast.tom, category="welfare", handler=cast.civil_affairs)
    tip = file("tipoff", TIP_TEXT, category="conduct")
    far = file("complaint", "河道清淤的用工款没有发到我们手里。", village=FAR_VILLAGE, category="labour")
    return {name: Complaint.objects.get(pk=c.pk) for name, c in
            {"road": road, "subsidy": subsidy, "tip": tip, "far": far}.items()}


def bearer(user: User) -> dict[str, str]:
    _, secret = do_create_token(user=user, name="test")
    return {"Authorization": f"Bearer {secret}"}


def get(client: Client, user: User, path: str) -> Any:
    return client.get(f"/api/v1/complaints{path}", headers=bearer(user))


def listed(client: Client, user: User, query: str = "") -> set[str]:
    response = get(client, user, f"?{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return {row["reference"] for row in body["results"]}


def refs(filed: dict[str, Complaint], *names: str) -> set[str]:
    return {filed[name].reference for name in names}


def test_without_a_token_the_complaints_answer_401(filed: dict[str, Complaint], client: Client) -> None:
    assert client.get("/api/v1/complaints").status_code == 401
    assert client.get(f"/api/v1/complaints/{filed['road'].reference}").status_code == 401
    assert client.get("/api/v1/complaints/stats").status_code == 401


def test_each_persona_lists_only_its_complaints_and_tipoffs_only_where_routed(
    cast: Cast, filed: dict[str, Complaint], client: Client
) -> None:
    assert listed(client, cast.alice) == refs(filed, "road", "subsidy", "far")  # the tip-off went to tom's commission
    assert listed(client, cast.tom) == refs(filed, "road", "subsidy", "tip")
    assert listed(client, cast.olga) == refs(filed, "far")
    assert listed(client, cast.victor) == refs(filed, "road")  # what the village handles; never a tip-off
    assert listed(client, cast.dora) == refs(filed, "subsidy")


def test_the_list_filters_by_status_channel_category_place_and_date(
    cast: Cast, filed: dict[str, Complaint], client: Client
) -> None:
    assert listed(client, cast.tom, "status=accepted") == refs(filed, "subsidy")
    assert listed(client, cast.tom, "channel=tipoff") == refs(filed, "tip")
    assert listed(client, cast.tom, "category=welfare") == refs(filed, "subsidy")
    assert listed(client, cast.alice, f"village={FAR_VILLAGE}") == refs(filed, "far")
    assert listed(client, cast.alice, f"township={OTHER_TOWNSHIP}&status=submitted") == refs(filed, "far")
    Complaint.objects.filter(pk=filed["far"].pk).update(created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    assert listed(client, cast.alice, "since=2025-01-01") == refs(filed, "road", "subsidy")
    assert listed(client, cast.alice, "since=2023-12-31") == refs(filed, "road", "subsidy", "far")


@pytest.mark.parametrize("query", [
    "status=bogus", "channel=email", "category=gossip", "village=1101", "village=abc%27--", "township=x",
    "since=yesterday", "since=2025-13-01", "page=99999999999999999999", "page=100001", "page=abc", "page_size=many",
])
def test_bogus_filters_are_refused_with_422_never_500(
    query: str, cast: Cast, filed: dict[str, Complaint], client: Client
) -> None:
    response = get(client, cast.alice, f"?{query}")
    assert response.status_code == 422, response.content
    assert response.json()["detail"]


def test_pages_are_bounded_like_the_alerts(cast: Cast, filed: dict[str, Complaint], client: Client) -> None:
    first = get(client, cast.alice, "?page=0&page_size=2").json()
    assert (first["count"], first["page"], first["page_size"], len(first["results"])) == (3, 1, 2, 2)
    second = get(client, cast.alice, "?page=2&page_size=2").json()
    assert len(second["results"]) == 1
    assert {r["reference"] for r in first["results"] + second["results"]} == refs(filed, "road", "subsidy", "far")
    beyond = get(client, cast.alice, "?page=100000").json()
    assert (beyond["count"], beyond["results"]) == (3, [])
    assert get(client, cast.alice, "?page_size=100000").json()["page_size"] == 200
    assert get(client, cast.alice, "?page_size=-5").json()["page_size"] == 1


def test_the_detail_of_a_complaint_has_its_text_answer_and_dates(
    cast: Cast, filed: dict[str, Complaint], client: Client
) -> None:
    road = filed["road"]
    body = get(client, cast.tom, f"/{road.reference}").json()
    assert body["reference"] == road.reference and body["channel"] == "complaint"
    assert (body["status"], body["category"], body["village_code"]) == ("answered", "project", VILLAGE)
    assert body["text"] == road.text and body["answer"] == "已核实，道路将于下月返修。"
    for field in ("created_at", "accept_due", "answer_due", "answered_at"):
        assert body[field], field
    assert body["closed_at"] is None and body["rating"] == "" and body["reopened_count"] == 0
    assert get(client, cast.victor, f"/{road.reference.lower()}").status_code == 200  # as a villager may type it
    assert not AuditEntry.objects.filter(action="complaint.view").exists()  # only tip-off reads are recorded


def test_a_complaint_outside_the_jurisdiction_is_404(cast: Cast, filed: dict[str, Complaint], client: Client) -> None:
    assert get(client, cast.olga, f"/{filed['road'].reference}").status_code == 404
    assert get(client, cast.dora, f"/{filed['road'].reference}").status_code == 404
    assert get(client, cast.victor, f"/{filed['subsidy'].reference}").status_code == 404
    assert get(client, cast.tom, f"/{filed['far'].reference}").status_code == 404
    assert get(client, cast.tom, "/NOSUCHREF").status_code == 404


def test_a_tipoff_is_read_without_its_text_and_each_read_is_recorded(
    cast: Cast, filed: dict[str, Complaint], client: Client
) -> None:
    tip = filed["tip"]
    response = get(client, cast.tom, f"/{tip.reference}")
    body = response.json()
    assert body["channel"] == "tipoff" and body["category"] == "" and body["text"] is None and body["answer"] is None
    assert TIP_TEXT not in response.content.decode()
    entry = AuditEntry.objects.get(action="complaint.view")
    assert entry.actor == cast.tom and entry.object_id == str(tip.pk) and entry.detail["via"] == "api"
    for persona in ("alice", "olga", "victor", "dora"):
        assert get(client, getattr(cast, persona), f"/{tip.reference}").status_code == 404, persona
    assert AuditEntry.objects.filter(action="complaint.view").count() == 1


def test_no_response_carries_the_complainants_name_or_phone(
    cast: Cast, filed: dict[str, Complaint], client: Client
) -> None:
    for persona in PERSONAS:
        user = getattr(cast, persona)
        for path in ("", "/stats", *(f"/{c.reference}" for c in filed.values())):
            text = get(client, user, path).content.decode()
            assert PHONE not in text and "138****5678" not in text and "张三丰" not in text, (persona, path)


def test_an_earlier_complaint_or_an_alert_is_named_only_to_those_who_see_it(
    cast: Cast, filed: dict[str, Complaint], client: Client
) -> None:
    Complaint.objects.filter(pk=filed["subsidy"].pk).update(repeat_of=filed["tip"])
    alert = actions.do_open_alert(complaint=filed["subsidy"], user=cast.tom)
    assert alert is not None

    def row(user: User) -> dict[str, Any]:
        (found,) = [r for r in get(client, user, "").json()["results"] if r["reference"] == filed["subsidy"].reference]
        return found

    assert (row(cast.tom)["repeat_of"], row(cast.tom)["alert"]) == (filed["tip"].reference, alert.pk)
    assert row(cast.alice)["repeat_of"] is None  # the county does not see the tip-off routed to the township
    assert row(cast.dora)["repeat_of"] is None


def test_the_figures_are_those_of_the_tokens_scope(cast: Cast, filed: dict[str, Complaint], client: Client) -> None:
    tom = get(client, cast.tom, "/stats").json()
    assert tom["total"] == 3 and tom["by_channel"] == {"complaint": 2, "tipoff": 1}
    assert (tom["by_status"]["answered"], tom["by_status"]["accepted"], tom["by_status"]["submitted"]) == (1, 1, 1)
    assert (tom["finished"], tom["on_time"], tom["on_time_rate"]) == (1, 1, 1.0)  # road, answered at once
    assert tom["satisfaction_rate"] is None and tom["targets"] == {"on_time": 0.99, "satisfaction": 0.95}
    assert tom["by_village"] == [{"code": VILLAGE, "name": "东风村", "n": 3}]
    alice = get(client, cast.alice, "/stats").json()
    assert alice["total"] == 3 and alice["by_channel"]["tipoff"] == 0
    assert {v["code"] for v in alice["by_village"]} == {VILLAGE, FAR_VILLAGE}
    assert get(client, cast.olga, "/stats").json()["total"] == 1
    victor = get(client, cast.victor, "/stats").json()
    assert victor["total"] == 1 and victor["by_channel"]["tipoff"] == 0
    assert get(client, cast.dora, "/stats").json()["by_category"]["welfare"] == 1
    actions.do_rate(complaint=filed["road"], rating="satisfied")
    assert get(client, cast.tom, "/stats").json()["satisfaction_rate"] == 1.0  # a change shows at once


def test_the_openapi_document_describes_the_complaint_endpoints(client: Client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/complaints", "/api/v1/complaints/stats", "/api/v1/complaints/{reference}"} <= set(doc["paths"])
    assert get_args(ComplaintCategory) == tuple(key for key, _label in CATEGORY_CHOICES)
