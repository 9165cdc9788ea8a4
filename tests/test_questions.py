"""公开质询: a villager asks on the village page, the township commission publishes or declines,
a cadre of the village answers; colours in working days; who may do what; hostile input."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from mingjing.accounts.models import Membership, Organisation, Role
from mingjing.accounts.policy import Refused
from mingjing.alerts.models import Notification
from mingjing.audit.models import AuditEntry
from mingjing.complaints import questions
from mingjing.complaints.models import Question
from mingjing.lib.workdays import CHINA
from mingjing.portal import qr
from tests.alerts_fixtures import OTHER_VILLAGE, VILLAGE, Cast, make_cast
from tests.test_portal_browser import ARTIFACTS, CHROMIUM, phone

__all__ = ["phone"]  # the fixture: Chromium at 375 px, without JavaScript

pytestmark = pytest.mark.django_db

PAGE = f"/v/{VILLAGE}/questions/"
CONSOLE = "/console/questions/"
ASKED = "村里修路的账目什么时候公开？"
ANSWER = "修路账目已于本月在村务公开栏公布，欢迎查阅。"


@pytest.fixture
def cast(alice: User) -> Cast:
    return make_cast(alice)


@pytest.fixture
def wang(cast: Cast) -> User:
    """The party secretary of another village of the same township."""
    other = Organisation.objects.create(kind="village", name="红旗村", region_code=OTHER_VILLAGE)
    user = User.objects.create_user("wang", password="wang-password", is_staff=True)
    Membership.objects.create(user=user, organisation=other, role=Role.VILLAGE_SECRETARY)
    return user


def ask(client: Client, text: str = ASKED, asker: str = "三组村民", ip: str = "10.0.0.1") -> HttpResponse:
    return client.post(PAGE, {"text": text, "asker": asker}, REMOTE_ADDR=ip)  # type: ignore[return-value]


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def public_html(client: Client | None = None) -> str:
    response = (client or Client()).get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def published(text: str = ASKED, at: dt.datetime | None = None, village: str = VILLAGE) -> Question:
    return Question.objects.create(village_code=village, text=text, status=Question.Status.PUBLISHED,
                                   published_at=at or timezone.now())


# -- the whole loop, through the pages -------------------------------------------------------------


def test_a_question_is_public_only_once_published_and_then_shows_the_answer_by_role(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    villager = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(villager)
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?asked=1#asked"
    assert 'id="asked"' in villager.get(response["Location"]).content.decode()
    question = Question.objects.get()
    assert (question.status, question.village_code, question.asker) == (Question.Status.SUBMITTED, VILLAGE, "三组村民")
    assert ASKED not in public_html()
    # The township commission was told, without the question's text.
    told = Notification.objects.get(kind="question_submitted")
    assert told.user == cast.tom and ASKED not in told.message

    tom = as_user(cast.tom)
    queue = tom.get(CONSOLE).content.decode()
    assert f'id="moderate-{question.pk}"' in queue and ASKED in queue
    with django_capture_on_commit_callbacks(execute=True):
        assert tom.post(f"{CONSOLE}{question.pk}/moderate/", {"decision": "publish"}).status_code == 302
    question.refresh_from_db()
    assert question.status == Question.Status.PUBLISHED and question.moderated_by == cast.tom
    assert question.published_at is not None
    html = public_html()
    assert ASKED in html and "三组村民" in html and 'data-colour="fresh"' in html
    assert Notification.objects.filter(kind="question_published", user=cast.victor).exists()

    victor = as_user(cast.victor)
    assert f'id="answer-{question.pk}"' in victor.get(CONSOLE).content.decode()
    assert victor.post(f"{CONSOLE}{question.pk}/answer/", {"answer": ANSWER}).status_code == 302
    question.refresh_from_db()
    assert (question.status, question.answered_by) == (Question.Status.ANSWERED, cast.victor)
    html = public_html()
    assert ANSWER in html and 'data-colour="green"' in html
    assert "村务监督委员会主任" in html  # by role ...
    assert "victor" not in html  # ... never by name
    assert list(AuditEntry.objects.filter(action__startswith="question.").values_list("action", flat=True)
                .order_by("id")) == ["question.asked", "question.published", "question.answered"]


def test_the_village_page_links_to_its_questions(cast: Cast) -> None:
    assert f'href="{PAGE}"' in Client().get(f"/v/{VILLAGE}/").content.decode()


def test_a_question_is_answered_once(cast: Cast) -> None:
    question = published()
    questions.do_answer_question(question=question, user=cast.victor, answer=ANSWER)
    with pytest.raises(questions.QuestionRefused):
        questions.do_answer_question(question=question, user=cast.victor, answer="改一下答复")
    question.refresh_from_db()
    assert question.answer == ANSWER


# -- who may do what -------------------------------------------------------------------------------


def test_another_townships_officer_cannot_moderate(cast: Cast) -> None:
    question = questions.do_ask(village_code=VILLAGE, text=ASKED)
    with pytest.raises(Refused):
        questions.do_moderate(question=question, user=cast.olga, publish=True)
    response = as_user(cast.olga).post(f"{CONSOLE}{question.pk}/moderate/", {"decision": "publish"})
    assert response.status_code == 404  # not even told it exists
    assert ASKED not in as_user(cast.olga).get(CONSOLE).content.decode()
    question.refresh_from_db()
    assert question.status == Question.Status.SUBMITTED


def test_a_village_cadre_cannot_moderate_its_own_villages_questions(cast: Cast) -> None:
    question = questions.do_ask(village_code=VILLAGE, text=ASKED)
    with pytest.raises(Refused):
        questions.do_moderate(question=question, user=cast.victor, publish=True)
    # Cadres never see a question before it is public, so not even that it exists.
    response = as_user(cast.victor).post(f"{CONSOLE}{question.pk}/moderate/", {"decision": "publish"})
    assert response.status_code == 404
    response = as_user(cast.victor).post(f"{CONSOLE}{question.pk}/moderate/", {"decision": "reject", "reason": ""})
    assert response.status_code == 404
    question.refresh_from_db()
    assert question.status == Question.Status.SUBMITTED


def test_another_villages_cadre_cannot_answer(cast: Cast, wang: User) -> None:
    question = published()
    with pytest.raises(Refused):
        questions.do_answer_question(question=question, user=wang, answer=ANSWER)
    assert as_user(wang).post(f"{CONSOLE}{question.pk}/answer/", {"answer": ANSWER}).status_code == 404
    # and the township commission moderates, it does not answer for the village
    assert as_user(cast.tom).post(f"{CONSOLE}{question.pk}/answer/", {"answer": ANSWER}).status_code == 403
    question.refresh_from_db()
    assert question.status == Question.Status.PUBLISHED and question.answer == ""


def test_a_question_cannot_be_answered_before_it_is_published(cast: Cast) -> None:
    question = questions.do_ask(village_code=VILLAGE, text=ASKED)
    response = as_user(cast.victor).post(f"{CONSOLE}{question.pk}/answer/", {"answer": ANSWER})
    assert response.status_code == 404  # not public yet: the cadre does not see it at all
    with pytest.raises(Refused):
        questions.do_answer_question(question=question, user=cast.victor, answer=ANSWER)
    question.refresh_from_db()
    assert question.status == Question.Status.SUBMITTED


def test_the_county_moderates_any_village_and_departments_see_no_questions(cast: Cast) -> None:
    question = questions.do_ask(village_code=VILLAGE, text=ASKED)
    questions.do_moderate(question=question, user=cast.alice, publish=True)
    assert Question.objects.get().status == Question.Status.PUBLISHED
    assert as_user(cast.dora).get(CONSOLE).status_code == 403
    assert Client().get(CONSOLE).status_code == 302  # to the login page


# -- declined questions ----------------------------------------------------------------------------


def test_a_declined_question_and_its_reason_are_never_public(cast: Cast) -> None:
    question = questions.do_ask(village_code=VILLAGE, text="这是一条骂人的话，不该公开。", asker="某人")
    tom = as_user(cast.tom)
    refused = tom.post(f"{CONSOLE}{question.pk}/moderate/", {"decision": "reject", "reason": ""})
    assert refused.status_code == 400  # a reason is required
    assert tom.post(f"{CONSOLE}{question.pk}/moderate/", {"decision": "reject", "reason": "含有辱骂内容"}).status_code == 302
    question.refresh_from_db()
    assert (question.status, question.reject_reason, question.published_at) == (Question.Status.REJECTED, "含有辱骂内容", None)
    html = public_html()
    assert "骂人" not in html and "含有辱骂内容" not in html and "某人" not in html
    assert questions.public_questions(VILLAGE).count() == 0
    with pytest.raises(questions.QuestionRefused):  # declined is final
        questions.do_moderate(question=question, user=cast.tom, publish=True)
    assert "含有辱骂内容" in tom.get(CONSOLE).content.decode()  # staff see why


# -- colours ---------------------------------------------------------------------------------------


def china(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHINA)


def colours_at(question: Question, now: dt.datetime) -> str:
    """The colour of one question, checked against its SQL twin."""
    found = questions.colour(question, now)
    counts = questions.colour_counts(Question.objects.filter(pk=question.pk), now)
    assert counts[found or "fresh"] == 1 and sum(counts[c] for c in questions.COLOURS) == 1
    return found


def test_colours_count_working_days_across_a_weekend(cast: Cast) -> None:
    question = published(at=china(2026, 3, 6, 18, 0))  # a Friday evening
    assert colours_at(question, china(2026, 3, 8, 12, 0)) == ""  # the weekend counts for nothing
    assert colours_at(question, china(2026, 3, 11, 23, 59)) == ""  # Mon, Tue, Wed: the 3 days
    assert colours_at(question, china(2026, 3, 12, 0, 1)) == "yellow"
    assert colours_at(question, china(2026, 3, 17, 23, 59)) == "yellow"  # the 7th working day
    assert colours_at(question, china(2026, 3, 18, 0, 1)) == "red"


def test_colours_count_working_days_across_a_holiday_and_its_worked_sunday(cast: Cast) -> None:
    # National Day 2025: 1-8 October off; Sunday 28 September and Saturday 11 October worked.
    question = published(at=china(2025, 9, 25, 10, 0))
    assert colours_at(question, china(2025, 9, 29, 23, 0)) == ""  # Fri 26, Sun 28, Mon 29
    assert colours_at(question, china(2025, 9, 30, 0, 1)) == "yellow"
    assert colours_at(question, china(2025, 10, 8, 20, 0)) == "yellow"  # the holiday counts for nothing
    assert colours_at(question, china(2025, 10, 11, 12, 0)) == "yellow"  # 30 Sep, 9, 10, 11 Oct: days 4 to 7
    assert colours_at(question, china(2025, 10, 12, 0, 1)) == "red"


def test_answered_is_green_and_unpublished_has_no_colour(cast: Cast) -> None:
    long_ago = china(2025, 1, 2, 9, 0)
    late = published(at=long_ago)
    assert questions.colour(late, timezone.now()) == "red"
    questions.do_answer_question(question=late, user=cast.victor, answer=ANSWER)
    late.refresh_from_db()
    assert questions.colour(late, timezone.now()) == "green"
    waiting = questions.do_ask(village_code=VILLAGE, text=ASKED)
    assert questions.colour(waiting, timezone.now()) == ""


def test_the_pages_show_colours_as_words_and_the_console_counts_them(cast: Cast) -> None:
    published("红色的问题，很久没人答复。", at=timezone.now() - dt.timedelta(days=30))
    published("黄色的问题，几天没人答复。", at=timezone.now() - dt.timedelta(days=6))
    published("新公开的问题，刚刚公开。")
    questions.do_ask(village_code=VILLAGE, text="还在等待审核的问题。")
    html = public_html()
    red = re.search(r'<span class="tag bad"[^>]*data-colour="red">([^<]+)</span>', html)
    assert red is not None and "7" in red.group(1)  # says how late, not colour alone
    counts = questions.colour_counts(Question.objects.all(), timezone.now())
    assert (counts["submitted"], counts["red"], counts["fresh"] + counts["yellow"]) == (1, 1, 2)
    console = as_user(cast.tom).get(CONSOLE).content.decode()
    for name in ("submitted", "red", "yellow", "fresh", "green"):
        assert re.search(rf'data-count="{name}"[^>]*>{counts[name]}<', console)


# -- hostile input ---------------------------------------------------------------------------------


def test_an_overlong_question_is_refused_and_kept_for_shortening(cast: Cast) -> None:
    text = "问" * 5000
    response = ask(Client(), text=text)
    assert response.status_code == 400
    html = response.content.decode()
    assert "不能超过 500 字" in html and text in html  # the reason, and the text back
    assert not Question.objects.exists()
    assert ask(Client(), text="太短").status_code == 400 and not Question.objects.exists()


@pytest.mark.parametrize("asker", ["13812345678", "138 1234 5678", "110101194912310026", "6228 4800 0001 2345 678"])
def test_a_phone_id_or_account_number_as_the_name_is_refused(cast: Cast, asker: str) -> None:
    response = ask(Client(), asker=asker)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="q-asker-error"' in html and ASKED in html
    assert not Question.objects.exists()


def test_a_phone_number_in_the_question_or_the_answer_is_refused(cast: Cast) -> None:
    assert ask(Client(), text="请打我电话 13812345678 告诉我").status_code == 400
    question = published()
    refused = as_user(cast.victor).post(f"{CONSOLE}{question.pk}/answer/", {"answer": "有事打 139-1234-5678"})
    assert refused.status_code == 400 and "手机号码" in refused.content.decode()
    question.refresh_from_db()
    assert question.status == Question.Status.PUBLISHED


def test_markup_is_shown_as_text(cast: Cast) -> None:
    question = questions.do_ask(village_code=VILLAGE, text="<script>alert(1)</script>账目呢？", asker="<b>x</b>")
    questions.do_moderate(question=question, user=cast.tom, publish=True)
    questions.do_answer_question(question=question, user=cast.victor, answer="<img src=x onerror=alert(2)>已公开")
    for html in (public_html(), as_user(cast.tom).get(CONSOLE).content.decode()):
        assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in public_html()


def test_asking_is_rate_limited_per_client(cast: Cast) -> None:
    villager = Client()
    codes = [ask(villager, text=f"第{n}个问题：账目什么时候公开？").status_code for n in range(questions.QUESTIONS_PER_HOUR + 1)]
    assert codes == [302] * questions.QUESTIONS_PER_HOUR + [429]
    assert Question.objects.count() == questions.QUESTIONS_PER_HOUR
    assert "第3个问题" in ask(villager, text="第3个问题：账目什么时候公开？").content.decode()  # kept while refused
    assert ask(Client(), text="另一位村民的问题，请答复。", ip="10.0.0.2").status_code == 302


def test_a_refused_question_does_not_use_up_the_allowance(cast: Cast) -> None:
    for _ in range(questions.QUESTIONS_PER_HOUR + 2):
        assert ask(Client(), text="短").status_code == 400
    assert ask(Client()).status_code == 302


def test_the_form_needs_its_csrf_token_and_the_page_is_never_shared(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(PAGE)
    assert "csrfmiddlewaretoken" in page.content.decode() and "private" in page["Cache-Control"]
    assert ask(client).status_code == 403
    assert not Question.objects.exists()


def test_pages_are_bounded(cast: Cast) -> None:
    Question.objects.bulk_create([
        Question(village_code=VILLAGE, text=f"问题{n}号，请答复。", status=Question.Status.PUBLISHED,
                 published_at=timezone.now() - dt.timedelta(minutes=n)) for n in range(25)
    ])
    first = public_html()
    assert first.count('class="card question"') == 20 and "问题0号" in first and 'rel="next"' in first
    for page in ("2", "999999999999", "x", "-1"):
        assert Client().get(PAGE, {"page": page}).status_code == 200
    assert "问题24号" in Client().get(PAGE, {"page": "2"}).content.decode()
    assert Client().get("/v/110101001299/questions/").status_code == 404


# -- on a phone ------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_a_villager_asks_and_reads_the_answer_on_a_phone(
    live_server: Any, transactional_db: None, phone: Any, alice: User, settings: Any
) -> None:
    settings.BASE_URL = live_server.url
    cast = make_cast(alice)
    ARTIFACTS.mkdir(exist_ok=True)
    page = phone
    page.goto(qr.village_url(VILLAGE))
    page.click(f"a[href='{PAGE}']")
    page.fill("textarea[name=text]", ASKED)
    page.fill("input[name=asker]", "三组村民")
    page.locator("#ask button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#asked").is_visible() and ASKED not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing scrolls sideways
    page.screenshot(path=str(ARTIFACTS / "questions-asked.png"), full_page=True)

    question = Question.objects.get()
    questions.do_moderate(question=question, user=cast.tom, publish=True)
    questions.do_answer_question(question=question, user=cast.victor, answer=ANSWER)
    page.goto(f"{live_server.url}{PAGE}")
    answer = page.locator(f"#q{question.pk} .answer")
    assert ASKED in page.content() and ANSWER in answer.inner_text() and "村务监督委员会主任" in answer.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(ARTIFACTS / "questions-answered.png"), full_page=True)
