"""Shared fixtures: an isolated MINGJING_HOME per test, and the personas.

Personas (healthchecks style): alice is a county commission analyst (staff, a member of the county
commission), bob a department officer of the civil affairs bureau, charlie has no account. The alert tests
add a whole cast of organisations and people (`tests/alerts_fixtures.py`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User


@pytest.fixture(autouse=True)
def home(tmp_path: Path, settings: LazySettings) -> Path:
    """Point every storage directory of the instance at a fresh temporary home."""
    home = tmp_path / "home"
    for name in ("LAKE_DIR", "ORIGINALS_DIR", "REJECTS_DIR", "STAGING_DIR", "LOG_DIR"):
        path = home / name.removesuffix("_DIR").lower()
        path.mkdir(parents=True)
        setattr(settings, name, path)
    settings.HOME = home
    settings.MEDIA_ROOT = home / "media"
    # Hashing test passwords with PBKDF2's full cost would take half a second per persona.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.FILE_UPLOAD_TEMP_DIR = str(settings.STAGING_DIR)
    settings.PORTAL_FILES_DIR = home / "portal"
    # Public rate limits count in the cache: each test starts with none used.
    from django.core.cache import cache

    cache.clear()
    # Portal visits counted in memory by an earlier test are not this test's.
    from mingjing.portal import visits

    visits.discard()
    from mingjing.portal.public import forget_places

    forget_places()
    return home


@pytest.fixture
def alice(db: None) -> User:
    """A county commission analyst: sees everything in the county."""
    from mingjing.accounts.models import Membership, Organisation

    user = User.objects.create_user("alice", password="alice-password", is_staff=True, first_name="县纪委分析员")
    county, _ = Organisation.objects.get_or_create(
        kind="county_commission", region_code="110101000000", department="", defaults={"name": "县纪委监委"}
    )
    Membership.objects.create(user=user, organisation=county, role="county_analyst")
    return user


@pytest.fixture
def bob(db: None) -> User:
    """A department officer of the civil affairs bureau: delivers data, handles what is routed to it."""
    from mingjing.accounts.models import Membership, Organisation

    user = User.objects.create_user("bob", password="bob-password", is_staff=True, first_name="民政局经办人")
    bureau, _ = Organisation.objects.get_or_create(
        kind="department", region_code="", department="民政局", defaults={"name": "县民政局"}
    )
    Membership.objects.create(user=user, organisation=bureau, role="department_officer")
    return user
