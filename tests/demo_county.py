"""The smallest demo county and a home of its own, for the tests that run the whole pipeline
(demo evaluation, the pandas reference, onboarding, the leak walk)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mingjing.demo.generator import generate


def smallest_county(out_dir: Path, *, seed: int = 1) -> dict[str, Any]:
    """The generator needs room for its planted people; ask for 600 and take its minimum."""
    try:
        return generate(out_dir, persons=600, months=12, seed=seed)
    except ValueError as exc:
        minimum = re.search(r"at least (\d+)", str(exc))
        if minimum is None:
            raise
        return generate(out_dir, persons=int(minimum.group(1)), months=12, seed=seed)


def home_settings(home: Path) -> dict[str, Path]:
    """A fresh home's storage folders, as `override_settings` keyword arguments (HOME included)."""
    dirs = {name: home / name.removesuffix("_DIR").lower()
            for name in ("LAKE_DIR", "ORIGINALS_DIR", "REJECTS_DIR", "STAGING_DIR", "LOG_DIR")}
    for path in dirs.values():
        path.mkdir(parents=True)
    return {"HOME": home, **dirs}
