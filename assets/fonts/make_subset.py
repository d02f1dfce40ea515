"""Writes assets/fonts/unifont-subset.hex: the GNU Unifont glyphs (8x16 / 16x16 bitmaps, .hex format) of
printable ASCII, Latin-1, general punctuation, U+2581 and every character of the given UTF-8 files (the
translate app draws attention-map labels with it).

Run: python3 assets/fonts/make_subset.py /usr/share/unifont/unifont.hex FILE... > assets/fonts/unifont-subset.hex
(Debian package `unifont`, version 1:15.0.01-2.)
"""
import sys

hexfile, *texts = sys.argv[1:]
want = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2000, 0x2070)) | {0x2581, 0x2047, 0x25A0}
for path in texts:
    with open(path, encoding="utf-8") as f:
        want |= {ord(c) for c in f.read()}
with open(hexfile) as f:
    for line in f:
        code = int(line.split(":", 1)[0], 16)
        if code in want:
            sys.stdout.write(line)
