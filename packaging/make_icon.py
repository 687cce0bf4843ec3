"""Draw the MemberDesk icon (a member card with a person and a check mark) as PNG sizes and a Windows .ico.

    .venv/bin/python packaging/make_icon.py   # writes resources/icons/memberdesk{,-16,-32,-48,-128,-256}.png, .ico

resources/icons/memberdesk.svg is the same drawing by hand (for the Linux desktop entry).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "icons"
BLUE, DARK, WHITE, GREEN = (9, 105, 218, 255), (5, 60, 130, 255), (255, 255, 255, 255), (31, 136, 61, 255)


def draw(size: int = 1024) -> Image.Image:
    s = size / 256
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([16 * s, 16 * s, 240 * s, 240 * s], radius=44 * s, fill=BLUE)
    # the member card
    d.rounded_rectangle([44 * s, 66 * s, 212 * s, 182 * s], radius=14 * s, fill=WHITE)
    d.rectangle([44 * s, 84 * s, 212 * s, 98 * s], fill=DARK)
    # the person on the card
    d.ellipse([64 * s, 108 * s, 96 * s, 140 * s], fill=BLUE)
    d.pieslice([54 * s, 142 * s, 106 * s, 194 * s], 180, 360, fill=BLUE)
    d.rectangle([44 * s, 168 * s, 120 * s, 182 * s], fill=WHITE)
    # text lines
    for y in (116, 134, 152):
        d.rounded_rectangle([116 * s, y * s, 192 * s, (y + 8) * s], radius=4 * s, fill=(175, 184, 193, 255))
    # the check mark badge (consent recorded)
    d.ellipse([160 * s, 160 * s, 232 * s, 232 * s], fill=GREEN, outline=WHITE, width=int(6 * s))
    d.line([(178 * s, 197 * s), (192 * s, 211 * s), (215 * s, 182 * s)], fill=WHITE, width=int(10 * s), joint="curve")
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    big = draw()
    sizes = (16, 32, 48, 128, 256)
    for n in sizes:
        big.resize((n, n), Image.LANCZOS).save(OUT / f"memberdesk-{n}.png")
    big.resize((256, 256), Image.LANCZOS).save(OUT / "memberdesk.png")
    big.resize((256, 256), Image.LANCZOS).save(OUT / "memberdesk.ico", sizes=[(n, n) for n in sizes])
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
