#!/usr/bin/python3
"""Checks a screenshot of a measure page the way a person would glance at it: the SPC chart's
points were painted in the "Making Data Count" colours the page uses. Counts pixels within a
small distance of each colour given as #rrggbb=min_pixels; prints the counts; exit 1 if any
colour has fewer pixels than required (the chart did not render, or lost its colours).
Needs Debian's python3-pil."""
import sys

from PIL import Image


def near(a, b, tolerance=24):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


def main() -> int:
    image = Image.open(sys.argv[1]).convert("RGB")
    wanted = {}
    for spec in sys.argv[2:]:
        colour, minimum = spec.split("=")
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        wanted[colour] = (rgb, int(minimum))
    counts = {colour: 0 for colour in wanted}
    for pixel in image.getdata():
        for colour, (rgb, _) in wanted.items():
            if near(pixel, rgb):
                counts[colour] += 1
    ok = True
    for colour, (_, minimum) in wanted.items():
        print(f"{colour}: {counts[colour]} pixels (need {minimum})")
        ok = ok and counts[colour] >= minimum
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
