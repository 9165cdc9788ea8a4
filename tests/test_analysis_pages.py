"""The console pages of the analysis app: model catalogue, runs, hits list and hit detail.

Through the HTTP client as alice (county analyst, staff) or a villager without staff rights.
Most tests use a county rules folder with two built-in models (YKT05, YKT07) so each page loads
two rule files; the catalogue test reads the full built-in folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from engine import BUILTIN_RULES_DIR
from engine.types import Evidence, ModelResult
from engine.types import Hit as EngineHit
from mingjing.analysis.actions import do_start_run, store_result
from mingjing.analysis.models import Hit, ModelSetting, Run
from mingjing.lib.ids import check_char
from tests.test_analysis_runs import import_small_county, rules_folder

OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def make_id(seq: int) -> str:
    first17 = f"11010119500101{seq:03d}"
    return first17 + check_char(first17)


SUN, ZHOU, WU = make_id(11), make_id(23), make_id(35)
TOWNSHIP_A, TOWNSHIP_B = "110101001000", "110101002000"


@pytest.fixture(autouse=True)
def two_rules(tmp_path: Path, settings: LazySettings) -> None:
    settings.RULES_DIR = rules_folder(tmp_path / "rules", "YKT05", "YKT07")


@pytest.fixture
def villager(db: None) -> User:
    return User.objects.create_user("villager", password="villager-password")


@pytest.fixture
def as_alice(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


def engine_hit(
    model: str,
    id_number: str,
    name: str,
    *,
    level: str,
    village: str,
    amount: str,
    periods: list[str],
    observed: str = "",
) -> EngineHit:
    return EngineHit(
        model=model,
        rule_id=f"00000000-0000-0000-0000-0000000000{model[-2:]}",
        version=1,
        fingerprint=hashlib.sha256(f"{model}{id_number}".encode()).hexdigest(),
        key={"id_number": id_number, "program_code": "GL01"},
        level=level,
        department="民政局",
        id_number=id_number,
        name=name,
        region_code=village,
        program_code="GL01",
        account_no=None,
        periods=[dt.date(int(p[:4]), int(p[5:]), 1) for p in periods],
        amount=Decimal(amount),
        observed=observed or f"{periods[-1]} 时 79 周岁，起领年龄 80 周岁",
        explanation=f"{name}（{id_number[:6]}********{id_number[-4:]}）疑点说明。",
        values={"age": 79},
        evidence=[
            Evidence(
                "payments",
                41,
                2,
                {"id_number": id_number, "period": "2024-02-01", "amount": "100.00"},
            ),
            Evidence(
                "payments",
                41,
                3,
                {"id_number": id_number, "period": "2024-03-01", "amount": "100.50"},
            ),
            Evidence("programs", 40, 2, {"program_code": "GL01", "min_age": 80}),
        ],
    )


@pytest.fixture
def hits(db: None) -> dict[str, Hit]:
    """孙 (YKT05, high, township A), 周 (YKT05, medium, township B), 吴 (YKT07, medium, A)."""
    run = Run.objects.create(status=Run.Status.DONE)
    store_result(
        run,
        ModelResult(
            "YKT05",
            100,
            2,
            [
                engine_hit(
                    "YKT05",
                    SUN,
                    "孙一",
                    level="high",
                    village="110101001201",
                    amount="200.50",
                    periods=["2024-02", "2024-03"],
                ),
                engine_hit(
                    "YKT05",
                    ZHOU,
                    "周二",
                    level="medium",
                    village="110101002201",
                    amount="100.00",
                    periods=["2024-06"],
                ),
            ],
            0.1,
            {},
        ),
    )
    store_result(
        run,
        ModelResult(
            "YKT07",
            100,
            1,
            [
                engine_hit(
                    "YKT07",
                    WU,
                    "吴三",
                    level="medium",
                    village="110101001202",
                    amount="300.00",
                    periods=["2024-01", "2024-04"],
                    observed="2024-04 同一账户收到 3 人的发放，阈值 3 人",
                ),
            ],
            0.1,
            {},
        ),
    )
    return {h.name: h for h in Hit.objects.all()}


def names_listed(html: str) -> set[str]:
    table = html.split('id="hits"', 1)[1] if 'id="hits"' in html else ""
    return {n for n in ("孙一", "周二", "吴三") if n in table}


# -- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("models", ()),
        ("runs", ()),
        ("run", (1,)),
        ("run_progress", (1,)),
        ("hits", ()),
        ("hit", (1,)),
    ],
)
def test_anonymous_visitors_are_sent_to_login(
    client: Client, db: None, name: str, args: tuple[int, ...]
) -> None:
    url = reverse(f"console:{name}", args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_signed_in_non_staff_are_forbidden(
    client: Client, villager: User, hits: dict[str, Hit]
) -> None:
    client.force_login(villager)
    hit = hits["孙一"]
    assert client.get(reverse("console:models")).status_code == 403
    assert client.get(reverse("console:runs")).status_code == 403
    assert client.get(reverse("console:run", args=[hit.first_run_id])).status_code == 403
    assert client.get(reverse("console:hits")).status_code == 403
    assert client.get(reverse("console:hit", args=[hit.pk])).status_code == 403
    assert client.post(reverse("console:runs"), {"engine": "duckdb"}).status_code == 403
    assert (
        client.post(
            reverse("console:model_setting", args=["YKT07"]), {"YKT07-param_min_people": "9"}
        ).status_code
        == 403
    )
    assert not ModelSetting.objects.exists()
    assert Run.objects.count() == 1


def test_an_unknown_hit_run_or_model_is_404(as_alice: Client) -> None:
    assert as_alice.get(reverse("console:hit", args=[999])).status_code == 404
    assert as_alice.get(reverse("console:run", args=[999])).status_code == 404
    assert as_alice.get(reverse("console:run_progress", args=[999])).status_code == 404
    assert as_alice.post(reverse("console:model_setting", args=["NOPE"]), {}).status_code == 404


def test_the_navigation_links_the_four_sections(as_alice: Client) -> None:
    html = as_alice.get(reverse("console:hits")).content.decode()
    for label in ("数据中心", "问题模型", "比对运行", "疑点"):
        assert label in html
    assert f'href="{reverse("console:hits")}" aria-current="page"' in html


# -- the model catalogue ------------------------------------------------------------------------


def test_the_catalogue_lists_every_rule_files_code_and_title(
    as_alice: Client, settings: LazySettings
) -> None:
    settings.RULES_DIR = BUILTIN_RULES_DIR
    files = [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted(BUILTIN_RULES_DIR.glob("*.yaml"))
    ]
    assert files

    html = as_alice.get(reverse("console:models")).content.decode()

    for rule in files:
        assert f'id="model-{rule["code"]}"' in html
        assert rule["title"] in html


def test_the_catalogue_shows_defaults_county_values_and_the_latest_run(
    as_alice: Client, hits: dict[str, Hit]
) -> None:
    ModelSetting.objects.create(code="YKT07", params={"min_people": "4"})

    html = as_alice.get(reverse("console:models")).content.decode()

    card = html.split('id="model-YKT07"', 1)[1]
    assert 'name="YKT07-param_min_people"' in card
    assert re.search(r'name="YKT07-param_min_people"[^>]*value="4"', card)
    assert re.search(r'class="default">3<', card), "the rule's default stays visible"
    assert re.search(r'class="hits">1<', card), "the latest run's hits"
    assert re.search(r'class="examined">100<', card)


def test_changing_a_parameter_stores_it_for_the_next_run(as_alice: Client, alice: User) -> None:
    response = as_alice.post(
        reverse("console:model_setting", args=["YKT07"]),
        {
            "YKT07-enabled": "on",
            "YKT07-param_min_people": "4",
            "YKT07-param_high_people": "5",
        },
    )

    assert response.status_code == 302
    setting = ModelSetting.objects.get(code="YKT07")
    assert setting.enabled
    assert setting.params == {"min_people": "4"}, (
        "only values that differ from the default are stored"
    )
    assert setting.updated_by == alice
    run = do_start_run(user=alice, models=["YKT07"])
    assert run.models_total == 1  # the stored value passes the rule's checks


def test_switching_a_model_off_keeps_it_out_of_runs_of_every_enabled_model(
    as_alice: Client, alice: User
) -> None:
    as_alice.post(reverse("console:model_setting", args=["YKT07"]), {"YKT07-param_min_people": "3"})

    assert not ModelSetting.objects.get(code="YKT07").enabled
    assert do_start_run(user=alice).models_total == 1


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (
            "abc",
            "参数 min_people 的值“abc”不是integer类型",
            "parameter min_people: 'abc' is not of type integer",
        ),
        ("1", "超出范围", "is outside"),
    ],
)
def test_a_bad_parameter_value_shows_the_bilingual_error_and_stores_nothing(
    as_alice: Client, value: str, zh: str, en: str
) -> None:
    response = as_alice.post(
        reverse("console:model_setting", args=["YKT07"]),
        {"YKT07-enabled": "on", "YKT07-param_min_people": value},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert zh in html
    assert en.replace("'", "&#x27;") in html
    assert not ModelSetting.objects.exists()


def test_with_htmx_the_card_alone_comes_back_with_the_error(as_alice: Client) -> None:
    response = as_alice.post(
        reverse("console:model_setting", args=["YKT07"]),
        {"YKT07-enabled": "on", "YKT07-param_min_people": "x"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps 2xx answers only
    assert html.lstrip().startswith("<article") and 'id="model-YKT07"' in html
    assert "不是integer类型" in html


# -- runs ---------------------------------------------------------------------------------------


def test_starting_a_run_runs_it_in_the_background_and_shows_its_page(
    as_alice: Client,
    alice: User,
    tmp_path: Path,
    settings: LazySettings,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    settings.TASKS = IMMEDIATE
    import_small_county(tmp_path)

    with django_capture_on_commit_callbacks(execute=True):
        response = as_alice.post(reverse("console:runs"), {"engine": "duckdb", "models": ["YKT05"]})

    run = Run.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("console:run", args=[run.pk])
    assert run.status == Run.Status.DONE
    assert run.created_by == alice
    assert run.requested_models == ["YKT05"]
    assert (run.hits_total, run.hits_new) == (1, 1)
    page = as_alice.get(response.url).content.decode()
    assert 'id="run-model-YKT05"' in page
    assert "hx-get" not in page, "a finished run is not polled"
    history = as_alice.get(reverse("console:runs")).content.decode()
    assert f'href="{reverse("console:run", args=[run.pk])}"' in history
    assert "县纪委分析员" in history


def test_a_refused_run_shows_the_bilingual_reason_and_queues_nothing(as_alice: Client) -> None:
    ModelSetting.objects.create(
        code="YKT07", params={"min_people": "many"}
    )  # stored before a rule change

    response = as_alice.post(reverse("console:runs"), {"engine": "duckdb"})

    assert response.status_code == 400
    problem = response.content.decode().split('id="run-problem"', 1)[1]
    assert "参数 min_people" in problem and "parameter min_people" in problem
    assert not Run.objects.exists()


def test_a_queued_run_page_polls_its_progress(as_alice: Client, alice: User) -> None:
    run = do_start_run(user=alice)

    page = as_alice.get(reverse("console:run", args=[run.pk])).content.decode()

    assert f'hx-get="{reverse("console:run_progress", args=[run.pk])}"' in page
    fragment = as_alice.get(reverse("console:run_progress", args=[run.pk])).content.decode()
    assert 'id="run-report"' in fragment and "<html" not in fragment
    assert 'data-status="pending"' in fragment


# -- hits list ----------------------------------------------------------------------------------


def test_the_hits_list_masks_id_numbers_and_counts_by_level(
    as_alice: Client, hits: dict[str, Hit]
) -> None:
    html = as_alice.get(reverse("console:hits")).content.decode()

    assert names_listed(html) == {"孙一", "周二", "吴三"}
    for id_number in (SUN, ZHOU, WU):
        assert id_number not in html
    assert f"{SUN[:6]}********{SUN[-4:]}" in html
    counts = dict(re.findall(r'id="count-(\w+)".*?class="n">(\d+)<', html, re.S))
    assert counts == {"all": "3", "high": "1", "medium": "2", "low": "0"}


def test_the_hits_list_is_sorted_by_amount_largest_first(
    as_alice: Client, hits: dict[str, Hit]
) -> None:
    html = as_alice.get(reverse("console:hits")).content.decode()
    assert html.index("吴三") < html.index("孙一") < html.index("周二")

    html = as_alice.get(reverse("console:hits"), {"sort": "-last_period"}).content.decode()
    assert html.index("周二") < html.index("吴三") < html.index("孙一")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"model": "YKT05"}, {"孙一", "周二"}),
        ({"level": "medium"}, {"周二", "吴三"}),
        ({"township": TOWNSHIP_A}, {"孙一", "吴三"}),
        ({"village": "110101002201"}, {"周二"}),
        ({"model": "YKT05", "township": TOWNSHIP_A}, {"孙一"}),
        ({"period": "2024-03"}, {"孙一", "吴三"}),
        ({"programme": "XX99"}, set()),
    ],
)
def test_the_hits_list_filters(
    as_alice: Client, hits: dict[str, Hit], query: dict[str, str], expected: set[str]
) -> None:
    html = as_alice.get(reverse("console:hits"), query).content.decode()
    assert names_listed(html) == expected


def test_hits_no_longer_found_are_listed_only_on_request(
    as_alice: Client, hits: dict[str, Hit]
) -> None:
    Hit.objects.filter(pk=hits["周二"].pk).update(seen_in_latest=False)

    assert names_listed(as_alice.get(reverse("console:hits")).content.decode()) == {"孙一", "吴三"}
    assert names_listed(
        as_alice.get(reverse("console:hits"), {"seen": "not_seen"}).content.decode()
    ) == {"周二"}
    assert names_listed(
        as_alice.get(reverse("console:hits"), {"seen": "all"}).content.decode()
    ) == {"孙一", "周二", "吴三"}


def test_a_malformed_period_is_reported_and_ignored(as_alice: Client, hits: dict[str, Hit]) -> None:
    html = as_alice.get(reverse("console:hits"), {"period": "2024-13"}).content.decode()
    assert "YYYY-MM" in html
    assert names_listed(html) == {"孙一", "周二", "吴三"}


# -- hit detail ---------------------------------------------------------------------------------


def test_the_hit_page_shows_the_explanation_observed_value_subject_and_evidence(
    as_alice: Client, hits: dict[str, Hit]
) -> None:
    hit = hits["孙一"]

    html = as_alice.get(reverse("console:hit", args=[hit.pk])).content.decode()

    assert hit.explanation in html
    assert "2024-03 时 79 周岁，起领年龄 80 周岁" in html
    assert SUN in html, "staff see the full ID number on the detail page"
    assert re.search(r'id="amount">200.50<', html)
    assert "民政局" in html
    evidence = html.split('id="evidence-title"', 1)[1]
    assert "补贴发放明细" in evidence and "补贴项目" in evidence  # the datasets' titles
    assert f'href="{reverse("console:batch", args=[41])}"' in evidence
    assert re.search(r'<td class="num">3</td>\s*<td class="nowrap">' + SUN, evidence), (
        "source row 3"
    )
    assert "100.50" in evidence
    assert f'href="{reverse("console:run", args=[hit.first_run_id])}"' in html
