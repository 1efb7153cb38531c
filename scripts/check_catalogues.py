#!/usr/bin/env python3
"""Fail unless the zh-hans and en catalogues translate every message (no empty or fuzzy entry).

--fill-en first copies each English msgid into the en catalogue's empty msgstr (msgen).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [ROOT / "locale/zh_Hans/LC_MESSAGES/django.po", ROOT / "locale/en/LC_MESSAGES/django.po"]


def main() -> int:
    if "--fill-en" in sys.argv:
        en = CATALOGUES[1]
        subprocess.run(["msgen", "--no-wrap", str(en), "-o", str(en)], check=True)  # noqa: S603,S607
    failed = False
    for po in CATALOGUES:
        if not po.exists():
            print(f"missing catalogue: {po.relative_to(ROOT)}")
            failed = True
            continue
        result = subprocess.run(  # noqa: S603
            ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],  # noqa: S607
            capture_output=True,
            text=True,
        )
        report = (result.stderr or result.stdout).strip()
        untranslated = re.search(r"(\d+) untranslated", report)
        fuzzy = re.search(r"(\d+) fuzzy", report)
        if result.returncode or untranslated or fuzzy:
            print(f"{po.relative_to(ROOT)}: {report}")
            failed = True
        else:
            print(f"{po.relative_to(ROOT)}: {report}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
