"""URLs of the alert loop's pages; included into the `console` namespace by console/urls.py."""

from __future__ import annotations

urlpatterns: list = []
