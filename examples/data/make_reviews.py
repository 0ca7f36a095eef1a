"""Write examples/data/reviews.csv: 800 synthetic film reviews, raw text, labelled positive or negative.

Run it with `python examples/data/make_reviews.py`; the same seed writes the same file,
byte for byte. A review is a templated sentence or two: sentiment words (great, dull, ...)
among neutral ones (film, plot, the cast, ...), with capitals and punctuation for the
standardization to strip. Some reviews are hard on purpose: a negated sentiment word
("not great"), a mixed review whose last sentence decides, and 4% of the labels flipped,
so a small model scores high but not 100%.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

SEED = 19
ROWS = 800
POSITIVE = ["great", "wonderful", "excellent", "lovely", "brilliant", "superb", "enjoyable", "delightful", "moving"]
NEGATIVE = ["awful", "terrible", "boring", "dull", "dreadful", "poor", "bland", "tedious", "disappointing", "clumsy"]
THINGS = ["film", "movie", "plot", "acting", "soundtrack", "ending", "script", "cast", "story", "pacing", "dialogue"]
ADVERBS = ["", "", "really ", "very ", "quite ", "truly ", "rather "]
OPENERS = ["", "", "Honestly, ", "Well... ", "I think ", "To be fair, ", "Overall, ", "In short: "]
CLOSERS = ["", "", "", " Would watch again?", " 7pm showing.", " My friends agreed.", " Saw it twice!", " (spoilers)"]
TEMPLATES = [
    "{opener}the {thing} was {adverb}{word}.",
    "{opener}a {adverb}{word} {thing}!",
    "{opener}what a {word} {thing}, {adverb}{word} from start to finish.",
    "The {thing} felt {adverb}{word}; the {other} too.",
]


def review(rng: random.Random, positive: bool) -> str:
    """One review whose sentiment is `positive`."""
    words = POSITIVE if positive else NEGATIVE
    kind = rng.random()
    if kind < 0.12:  # negated: "not" flips a word of the other side
        other = NEGATIVE if positive else POSITIVE
        text = f"{rng.choice(OPENERS)}the {rng.choice(THINGS)} was not {rng.choice(other)} at all."
    elif kind < 0.24:  # mixed: the last sentence decides
        other = NEGATIVE if positive else POSITIVE
        first = f"The {rng.choice(THINGS)} was {rng.choice(other)}, but"
        text = f"{first} the {rng.choice(THINGS)} was {rng.choice(ADVERBS)}{rng.choice(words)} and {rng.choice(words)}."
    else:
        template = rng.choice(TEMPLATES)
        text = template.format(
            opener=rng.choice(OPENERS),
            thing=rng.choice(THINGS),
            other=rng.choice(THINGS),
            adverb=rng.choice(ADVERBS),
            word=rng.choice(words),
        )
    text = text[0].upper() + text[1:]
    if rng.random() < 0.15:
        text = text.upper() if rng.random() < 0.3 else text.lower()
    return text + rng.choice(CLOSERS)


def main(path: Path) -> None:
    rng = random.Random(SEED)
    rows = []
    for _ in range(ROWS):
        positive = rng.random() < 0.5
        text = review(rng, positive)
        label = positive if rng.random() >= 0.04 else not positive  # label noise
        rows.append([text, "positive" if label else "negative"])
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerows([["review", "label"], *rows])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("reviews.csv"))
