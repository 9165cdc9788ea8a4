"""`mingjing portal posters TOWNSHIP --out F.pdf [--households] [--base-url URL]`: the print-ready
posters of a township's villages (and its household slips) as one A4 PDF.

TOWNSHIP is the township's 12-digit code or its name. The command line is the instance's
operator: it may print any township (recorded in the trail with no actor)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mingjing.portal import posters
from mingjing.portal.public import townships


class Command(BaseCommand):
    help = "The villager portal from the command line: print a township's QR posters and household slips."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        printing = actions.add_parser("posters", help="write a township's posters (and household slips) as a PDF")
        printing.add_argument("township", help="the township's 12-digit code or its name")
        printing.add_argument("--out", required=True, help="the PDF file to write")
        printing.add_argument("--households", action="store_true", help="add household slips (户廉码), 8 to a page")
        printing.add_argument("--base-url", default=None,
                              help="the address the QR codes lead to (default MINGJING_BASE_URL)")

    def handle(self, *args: Any, **options: Any) -> None:
        {"posters": self.posters}[options["action"]](options)

    def posters(self, options: dict[str, Any]) -> None:
        code = find_township(options["township"])
        base_url = options["base_url"]
        if base_url is not None and not base_url.startswith(("http://", "https://")):
            raise CommandError(f"--base-url 须以 http:// 或 https:// 开头：{base_url} / --base-url must start "
                               f"with http:// or https://: {base_url}", returncode=2)
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"目录不存在：{out.parent} / no such directory: {out.parent}", returncode=2)
        try:
            result = posters.do_make_posters(user=None, area_code=code, households=options["households"],
                                             base_url=base_url)
        except posters.PosterProblem as exc:
            raise CommandError(str(exc), returncode=2) from exc
        out.write_bytes(result.data)
        self.stdout.write(
            f"已写入 {out}：{result.pages} 页，{result.villages} 个村，{result.households} 户户廉码"
            f"（新建 {result.new_codes} 个） / wrote {out}: {result.pages} pages, {result.villages} villages, "
            f"{result.households} household slips ({result.new_codes} new codes)"
        )


def find_township(given: str) -> str:
    """A township's code from its code or its name (exact, else the only one containing it)."""
    given = given.strip()[:40]
    names = townships()
    if given in names:
        return given
    exact = [code for code, name in names.items() if name == given]
    if len(exact) == 1:
        return exact[0]
    partial = [code for code, name in names.items() if given and given in name]
    if len(partial) == 1 and not exact:
        return partial[0]
    candidates = partial or exact or list(names)
    if not candidates:
        raise CommandError(f"找不到乡镇“{given}”：还没有任何乡镇，请先导入行政区划（regions） / unknown township "
                           f"'{given}': there are no townships yet, import the regions dataset first", returncode=2)
    listed = ", ".join(f"{names[c]} {c}" for c in candidates[:30])
    more = f" … ({len(candidates)})" if len(candidates) > 30 else ""
    raise CommandError(
        f"找不到乡镇“{given}”，可选：{listed}{more} / unknown township '{given}'; candidates: {listed}{more}",
        returncode=2,
    )
