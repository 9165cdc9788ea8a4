"""Telling people: the in-app inbox, e-mail (Django's mail settings) and group-robot webhooks.

Everything is sent after the transaction commits, and a failing channel is logged, never raised:
a mail server being down must not undo a verification result. Messages carry no full ID or
account numbers (the explanations mask them); what goes into group chats (webhooks) is the
presenter's message form of the subject, which masks names too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction

from mingjing.accounts.models import Organisation
from mingjing.accounts.presenter import present_message
from mingjing.alerts.models import Alert, Notification, Talk
from mingjing.lib.webhooks import post_json

logger = logging.getLogger("mingjing.alerts")
LEVEL_ZH = {"high": "高", "medium": "中", "low": "低"}


def members(*organisations: Organisation | None) -> list[User]:
    ids = [o.pk for o in organisations if o is not None]
    return list(User.objects.filter(membership__organisation_id__in=ids, is_active=True).distinct())


def county_members() -> list[User]:
    return list(User.objects.filter(
        membership__organisation__kind=Organisation.Kind.COUNTY_COMMISSION, is_active=True
    ).distinct())


def alert_url(alert: Alert) -> str:
    return f"{settings.BASE_URL.rstrip('/')}/console/alerts/{alert.pk}/"


def webhook_body(title: str, text: str, url: str = "") -> dict[str, object]:
    """One JSON body both DingTalk and WeCom group robots accept as a markdown message."""
    content = f"### {title}\n\n{text}" + (f"\n\n[查看详情]({url})" if url else "")
    return {"msgtype": "markdown", "markdown": {"title": title, "text": content, "content": content}}


def send(users: Iterable[User], kind: str, title: str, text: str, alert: Alert | None = None, *,
         url: str = "", webhooks: bool = True) -> None:
    """Inbox rows, e-mails and webhook posts (unless `webhooks=False`: what group chats must not
    read, such as tip-offs), all after commit."""
    recipients = list({u.pk: u for u in users}.values())
    url = alert_url(alert) if alert is not None else url
    group_text = present_message(text, alert) if alert is not None else text

    def deliver() -> None:
        Notification.objects.bulk_create(
            [Notification(user=u, alert=alert, kind=kind, message=f"{title}：{text}") for u in recipients]
        )
        addresses = [u.email for u in recipients if u.email]
        if addresses:
            try:
                send_mail(f"[明镜] {title}", f"{text}\n\n{url}", None, addresses)
            except Exception:
                logger.exception("mail for %s failed", kind)
        for hook in settings.WEBHOOK_URLS if webhooks else []:
            post_json(hook, webhook_body(title, group_text, url), timeout=5, logger=logger, what="webhook")

    transaction.on_commit(deliver)


def _summary(alert: Alert) -> str:
    return f"{alert.model}（{LEVEL_ZH.get(alert.level, alert.level)}）{alert.hit.explanation}"


def alert_assigned(alert: Alert) -> None:
    due = alert.sign_due.astimezone().strftime("%Y-%m-%d") if alert.sign_due else "—"
    send(members(alert.department, alert.township), "assigned", f"新预警 #{alert.pk}",
         f"{_summary(alert)} 请于 {due} 前签收。", alert)


def review_needed(alert: Alert) -> None:
    if alert.result_by_kind == Organisation.Kind.DEPARTMENT:
        reviewers = members(alert.township) or county_members()
    else:
        reviewers = county_members()
    what = "消除申请" if alert.review_kind == Alert.Review.DISMISSAL else "核查结果"
    send(reviewers, "review", f"预警 #{alert.pk} 待审核", f"{what}待审核：{_summary(alert)}", alert)


def returned(alert: Alert, note: str) -> None:
    users = members(alert.department, alert.township)
    if alert.result_by is not None:
        users.append(alert.result_by)
    send(users, "returned", f"预警 #{alert.pk} 被退回", f"退回理由：{note}", alert)


def escalated(alert: Alert, *, supervised: bool) -> None:
    users = members(alert.department, alert.township)
    if supervised:
        users += county_members()
        send(users, "escalated", f"预警 #{alert.pk} 逾期，提级督办", _summary(alert), alert)
    else:
        send(users, "escalated", f"预警 #{alert.pk} 逾期，升为高等级", _summary(alert), alert)


def talk_created(talk: Talk) -> None:
    send(members(talk.township), "talk", f"约谈任务：{talk.village_code}",
         f"{talk.year} 年该村高等级预警 {talk.high_alerts} 条、中等级 {talk.medium_alerts} 条，请安排约谈。")
