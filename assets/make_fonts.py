#!/usr/bin/env python3
"""Rebuilds assets/DejaVuSans*.ttf from the system's DejaVu fonts (needs fontTools).

1. Subsets DejaVu Sans and DejaVu Sans Bold to the ranges in UNICODES (see
   LICENSE-DejaVu.txt), without hinting or OpenType layout tables, keeping the legacy
   `kern` table that ab_glyph reads.
2. Adds to every simple glyph whose ink starts right of its origin an invisible one-point
   contour at x = 0. The glyph looks the same in any renderer, but its bounding box now
   starts at the origin. plotters 0.3.7 (ab_glyph backend) places each glyph's ink at the
   pen position and ignores the left side bearing, which spaces letters unevenly
   ("in dex"); with the bearing folded into the outline the spacing is right.

Usage: python3 assets/make_fonts.py [source-dir]   (default /usr/share/fonts/truetype/dejavu)
"""
import subprocess
import sys
from pathlib import Path

from fontTools.ttLib import TTFont

UNICODES = (
    "U+0020-007E,U+00A0-017F,U+018F,U+0192,U+01C4-01CC,U+0218-021B,U+0259,U+02C6-02DD,"
    "U+0370-03FF,U+0400-045F,U+0490-0491,U+2000-206F,U+2070-209F,U+20A0-20BF,U+2116,"
    "U+2122,U+2190-21FF,U+2202,U+2206,U+2211,U+2212,U+2215,U+221A,U+221E,U+2248,U+2260,"
    "U+2264,U+2265,U+25A0,U+25B2,U+25BC,U+25CF"
)


def anchor_origins(path: Path) -> int:
    font = TTFont(path)
    glyf, hmtx = font["glyf"], font["hmtx"]
    changed = 0
    for name in font.getGlyphOrder():
        g = glyf[name]
        if g.isComposite() or g.numberOfContours <= 0:
            continue
        g.recalcBounds(glyf)
        if g.xMin <= 0:
            continue
        coords = g.coordinates
        coords.append((0, g.yMin))
        g.flags.append(1)  # on-curve
        g.endPtsOfContours.append(len(coords) - 1)
        g.numberOfContours += 1
        g.recalcBounds(glyf)
        advance, _ = hmtx[name]
        hmtx[name] = (advance, g.xMin)
        changed += 1
    font.save(path)
    return changed


def main() -> None:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu")
    out = Path(__file__).resolve().parent
    for stem in ["DejaVuSans", "DejaVuSans-Bold"]:
        target = out / f"{stem}.ttf"
        subprocess.run(
            [
                "pyftsubset", str(src / f"{stem}.ttf"), f"--unicodes={UNICODES}",
                "--legacy-kern", "--no-hinting", "--layout-features=",
                "--drop-tables+=MATH,GSUB,GPOS,GDEF,FFTM", f"--output-file={target}",
            ],
            check=True,
        )
        print(f"{target.name}: {anchor_origins(target)} glyphs anchored at the origin")


if __name__ == "__main__":
    main()
