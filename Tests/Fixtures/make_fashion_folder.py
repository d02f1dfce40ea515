"""Builds assets/datasets/fashion5/: a small image-folder dataset for the fine-tuning example.

40 images per class for 5 Fashion-MNIST classes (T-shirt/top, Trouser, Sneaker, Bag, Ankle boot), the first 40 of
each class in the Fashion-MNIST test split, as 28×28 grayscale PNGs in one subfolder per class.
Fashion-MNIST: MIT license, (c) 2017 Zalando SE. Standard library only:
    python3 Tests/Fixtures/make_fashion_folder.py ../shared/datasets/fashion-mnist
"""
import gzip
import os
import struct
import sys
import zlib

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets/fashion-mnist"
out = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "datasets", "fashion5")
images = gzip.open(os.path.join(src, "t10k-images-idx3-ubyte.gz")).read()[16:]
labels = gzip.open(os.path.join(src, "t10k-labels-idx1-ubyte.gz")).read()[8:]
classes = {0: "tshirt", 1: "trouser", 7: "sneaker", 8: "bag", 9: "ankle-boot"}


def png(pixels, w, h):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + pixels[y * w:(y + 1) * w] for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


counts = {c: 0 for c in classes}
for i, lab in enumerate(labels):
    if lab in classes and counts[lab] < 40:
        d = os.path.join(out, classes[lab])
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"{i:05d}.png"), "wb") as f:
            f.write(png(images[i * 784:(i + 1) * 784], 28, 28))
        counts[lab] += 1
print({classes[k]: v for k, v in counts.items()})
