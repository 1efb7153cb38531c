#!/usr/bin/env python3
"""Publish the Noto Sans SC web font into node_modules/.salescore/fonts, and the one ECharts build
the pages load into node_modules/.salescore/echarts.

Chinese text must render on machines without a CJK system font (a fresh Linux desktop, a kiosk,
a CI browser). The npm package @fontsource/noto-sans-sc carries every weight in woff and woff2
(76 MB); pages need only regular and bold in woff2 (about 7 MB, split by unicode-range so a
browser downloads only the slices a page uses, and nothing when a system CJK font comes first in
the CSS font stack). This copies those files and writes one stylesheet that references them.
Generated at set-up beside node_modules, never committed.

ECharts' dist folder holds 51 MB of builds and source maps the pages never load; collecting and
compressing them (gzip and brotli, WhiteNoise) took most of the 1 min 45 s of every collectstatic.
Only echarts.min.js is published.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "@fontsource" / "noto-sans-sc"
TARGET = ROOT / "node_modules" / ".salescore" / "fonts"
WEIGHTS = ("400", "700")
ECHARTS = ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js"
ECHARTS_TARGET = ROOT / "node_modules" / ".salescore" / "echarts" / "echarts.min.js"
WOFF_FALLBACK = re.compile(r",\s*url\([^)]*\.woff\)\s*format\('woff'\)")
WOFF2_URL = re.compile(r"url\(\./files/([^)]+\.woff2)\)")


def main() -> int:
    if not SOURCE.exists():
        print(f"missing {SOURCE.relative_to(ROOT)}: run npm ci first", file=sys.stderr)
        return 1
    (TARGET / "files").mkdir(parents=True, exist_ok=True)
    parts = []
    for weight in WEIGHTS:
        css = (SOURCE / f"{weight}.css").read_text(encoding="utf-8")
        css = WOFF_FALLBACK.sub("", css)
        for name in WOFF2_URL.findall(css):
            destination = TARGET / "files" / name
            if not destination.exists():
                shutil.copyfile(SOURCE / "files" / name, destination)
        parts.append(css)
    (TARGET / "noto-sans-sc.css").write_text("\n".join(parts), encoding="utf-8")
    if not ECHARTS.exists():
        print(f"missing {ECHARTS.relative_to(ROOT)}: run npm ci first", file=sys.stderr)
        return 1
    ECHARTS_TARGET.parent.mkdir(parents=True, exist_ok=True)
    if not ECHARTS_TARGET.exists() or ECHARTS_TARGET.read_bytes() != ECHARTS.read_bytes():
        shutil.copyfile(ECHARTS, ECHARTS_TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
