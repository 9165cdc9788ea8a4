"""The demo county's portal content: disclosures (one corrected, one village's finances overdue),
the policy texts, the micro-power list, household codes and a few subscribers, through each feature's own
`seed_demo` (idempotent: `mingjing demo up` may run again)."""

from __future__ import annotations

from typing import Any


def seed_demo() -> dict[str, Any]:
    from mingjing.complaints.demo import seed_complaints
    from mingjing.portal import disclosures, payments, posters, power, subscriptions

    payments.ensure_index()  # the payment lists and lookups read it; build it before anyone asks
    return {
        "power": power.seed_demo(),  # the basic list, a village's addition, the policy texts
        "disclosures": disclosures.seed_demo(),
        "households": posters.seed_demo(),
        "subscriptions": subscriptions.seed_demo(),  # a few subscribers; their messages in the outbox
        "complaints": seed_complaints(),  # 监督一点通: complaints, tip-offs and questions in every state
    }


def household_url() -> str:
    """One household's QR address in the demo county, for the demo's welcome lines."""
    from mingjing.portal import posters

    return posters.demo_household_url()
