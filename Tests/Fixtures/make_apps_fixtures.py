"""Writes Tests/AppsTests/Fixtures/{ratings,items}.csv: a two-cluster ratings set for the recommend tests.

Items 1-4 are sci-fi and 5-8 romance; users a1-a4 rate sci-fi 4-5 and romance 1-2, users b1-b4 the opposite,
each rating about 80 % of the items (seeded). Titles carry quotes, commas, Unicode, emoji and an SQL fragment;
the ratings file ends with three malformed lines. Run: python3 Tests/Fixtures/make_recommend_fixtures.py
"""
import os
import random

OUT = os.path.join(os.path.dirname(__file__), "..", "AppsTests", "Fixtures")
random.seed(3)
items = [
    ("1", "Star Voyage (1977)", "Sci-Fi"),
    ("2", "Robot \"Uprising\" (1984)", "Sci-Fi"),
    ("3", "東京物語 2099 (2001)", "Sci-Fi"),
    ("4", "Space, the Final (1999)", "Sci-Fi|Action"),
    ("5", "Amélie's Garden (2001)", "Romance"),
    ("6", "Bobby'); DROP TABLE items;-- (1990)", "Romance|Comedy"),
    ("7", "Love 💕 Letters (1995)", "Romance"),
    ("8", "Summer, Again (2003)", "Romance"),
]


def q(s):
    return '"' + s.replace('"', '""') + '"' if ('"' in s or ',' in s) else s


with open(os.path.join(OUT, "items.csv"), "w") as f:
    f.write("item,title,genres\n")
    for i, t, g in items:
        f.write(f"{i},{q(t)},{q(g)}\n")
rows = []
for group, liked in (("a", range(1, 5)), ("b", range(5, 9))):
    for u in [f"{group}{k}" for k in range(1, 5)]:
        for i in range(1, 9):
            if random.random() < 0.8:
                rows.append((u, i, random.choice([4, 5]) if i in liked else random.choice([1, 2])))
with open(os.path.join(OUT, "ratings.csv"), "w") as f:
    f.write("user,item,rating,timestamp\n")
    for n, (u, i, r) in enumerate(rows):
        f.write(f"{u},{i},{r},{1000000 + n}\n")
    f.write("c1,3\n")  # malformed: missing rating column
    f.write("c1,3,five,1\n")  # malformed: rating not a number
    f.write(",3,4,1\n")  # malformed: empty user
print(len(rows), "ratings")

# ml-latest-small layout in miniature (hand-written; quoted titles with commas, half-star ratings):
# Tests/AppsTests/Fixtures/ml-latest-tiny/{ratings,movies}.csv are committed as they are.

# Image fixtures for the classify bad-input tests (Tests/AppsTests/Fixtures): tiny.jpg and tiny-gray.jpg were
# written with Pillow from numpy.random.default_rng(0) noise (64×48, quality 90); palette.png, gray16.png,
# gray_alpha.png and rgb_interlaced.png are copies of the EngineTests fixtures (make_engine_fixtures.py).

# digit-photo-{7,2,1}.png: MNIST test images 0-2 (CC BY-SA 3.0, LeCun & Cortes) drawn as "photos": scaled ×6,
# dark ink (225 − 0.85·v) on a light grey (225) 240×200 page at offset (50, 10); written with zlib/struct like
# make_fashion_folder.py.
