"""A realistic, deterministic product CSV for the benchmarks, streamed to disk.

Shape (what real catalog exports look like, see DESIGN.md "Data rules"):

- header ``name,sku,description``, every record ending in CRLF;
- descriptions always quoted, about 125 characters on average (20 to ~400), with
  commas, doubled quotes (``12"" screen``), a few non-ASCII characters, and about
  one in six spanning several lines (CRLF inside the quotes);
- names quoted only when they need it (a comma or a quote in them);
- about 7% of the rows repeat the SKU of an earlier valid row (a third of those
  in lower case, i.e. differing only in letter case) with a newer name/description;
- about 1% invalid rows: an empty name or an empty SKU (never a repeated SKU, so
  the expected counts do not depend on how validation and dedup interleave).

``generate`` returns the counts a correct import must report, computed while writing.
500,000 rows make ~84 MB in a few seconds.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HEADER = "name,sku,description\r\n"
FORMAT_VERSION = 1  # bump when the output changes, so cached files are regenerated

REPEAT_RATE = 0.07
CASE_REPEAT_SHARE = 0.33  # of the repeats: the same SKU in another letter case
INVALID_RATE = 0.01
MULTILINE_RATE = 0.16

ADJECTIVES = [
    "Adjustable", "Compact", "Deluxe", "Ergonomic", "Foldable", "Heavy-Duty", "Industrial", "Lightweight",
    "Modular", "Portable", "Premium", "Rugged", "Slim", "Smart", "Stackable", "Vintage", "Wireless",
    "Classic", "Professional", "Eco", "Ultra", "Mini", "Large", "Round", "Square", "Quiet", "Rapid",
    "Waterproof", "Insulated", "Reinforced",
]
MATERIALS = [
    "Steel", "Oak", "Walnut", "Bamboo", "Aluminium", "Brass", "Ceramic", "Cotton", "Glass", "Leather",
    "Linen", "Marble", "Nylon", "Pine", "Copper", "Titanium", "Wool", "Rubber", "Carbon", "Cork",
]
NOUNS = [
    "Desk", "Chair", "Lamp", "Shelf", "Cabinet", "Stool", "Bench", "Table", "Drawer", "Hook", "Bracket",
    "Hinge", "Screwdriver", "Hammer", "Wrench", "Kettle", "Mug", "Bottle", "Backpack", "Organizer",
    "Charger", "Cable", "Speaker", "Headset", "Monitor Stand", "Keyboard", "Mouse Pad", "Planter",
    "Clock", "Mirror", "Rug", "Blanket", "Pillow", "Towel", "Basket", "Tray", "Vase", "Frame",
]
SUFFIXES = [", set of 2", ", set of 4", ", black", ", white", ", large", ", small", ' 12"', ' 24"',
            " (refurbished)", " – café edition", " Mk II", " Pro", " XL", " v2"]
PREFIXES = ["ACM", "BRT", "CLX", "DRV", "ELM", "FOX", "GRN", "HLX", "IRO", "JET", "KAI", "LUM", "MRX", "NOR",
            "OPT", "PLX", "QTR", "RVN", "STL", "TRK", "UNO", "VLT", "WAV", "XEN", "YAR", "ZEN"]
COLOURS = ["", "", "", "-BK", "-WH", "-GR", "-RD", "-BL", "-XL", "-S"]

# Sentences of a description (unescaped; the writer doubles the quotes).
SENTENCES = [
    "Made from sustainably sourced materials, finished by hand.",
    "Fits most standard setups, no tools required.",
    "Dimensions: 40 x 30 x 12 cm, weight 1.2 kg.",
    'Includes a 12" mounting rail, 4 screws and a quick-start guide.',
    "Dishwasher safe, stain resistant, easy to clean.",
    "Rated for indoor and outdoor use, UV stable.",
    'Customers call it "the last one you will ever buy".',
    "Ships flat-packed; assembly takes about 15 minutes.",
    "Two-year warranty, free returns within 30 days.",
    "Available in several colours, matte or gloss.",
    "Certified to EN 71-3, BPA free.",
    "Load capacity up to 120 kg, tested to 3x that.",
    "Soft-close mechanism, whisper quiet.",
    "Compatible with the 2023 and 2024 ranges.",
    "Pairs in seconds, battery lasts up to 30 hours.",
    "Temperature range -20 °C to +60 °C.",
    'Note: the "Pro" variant adds a second port, a carry case and a longer cable.',
    "Hand wash only, do not tumble dry.",
    "Designed in Copenhagen, made in Portugal.",
    "Recycled packaging, plastic free.",
    "Anti-slip feet protect floors, even on tiles.",
    "Powder-coated finish resists scratches, chips and fading.",
    "Silent motor, under 30 dB at full speed.",
    "Sold individually; see the set for a better price per piece.",
    "Crème finish, naïve pattern, déjà-vu guaranteed.",
    "Tested by our team for 6 months in real kitchens, offices and workshops.",
    "Replacement parts available for 10 years.",
    "Colour may vary slightly from the photos, as each piece is unique.",
    "Stackable up to 6 high, saving space when not in use.",
    'Screen size 24", 1080p, 75 Hz, with a "flicker free" backlight.',
]
BULLETS = [
    "- solid construction", "- easy assembly", "- 2 year warranty", "- fits 60 cm shelves",
    '- 3/4" thread', "- washable cover, 30 °C", "- no tools needed", "- spare parts, 10 years",
    '- "eco" label, grade A', "- weight: 2.5 kg",
]


@dataclass
class Expected:
    """What the file holds, and so what an import of it must report."""

    rows: int            # data rows (the header not counted)
    invalid: int         # rows with an empty name or SKU
    duplicates: int      # valid rows superseded by a later valid row with the same SKU (any case)
    case_repeats: int    # of the repeats: those written in another letter case
    multiline: int       # rows whose description spans several lines
    unique: int          # distinct SKUs (case-insensitive) among the valid rows: products after import
    bytes: int
    seed: int
    format_version: int = FORMAT_VERSION


def _escape(text: str) -> str:
    return text.replace('"', '""')


def _name_cell(name: str) -> str:
    if "," in name or '"' in name:
        return '"' + _escape(name) + '"'
    return name


def generate(path: Path, rows: int, seed: int = 20251123) -> Expected:
    """Write ``rows`` data rows to ``path`` (through a temporary file) and return the expected counts."""
    rng = random.Random(seed)
    rand = rng.random  # one primitive, scaled by hand: much cheaper than choice()/randrange()
    names = [f"{a} {m} {n}" for a in ADJECTIVES for m in MATERIALS for n in NOUNS]
    sentences = [_escape(s) for s in SENTENCES]
    bullets = [_escape(b) for b in BULLETS]
    n_names, n_suffixes, n_sent, n_bullets = len(names), len(SUFFIXES), len(sentences), len(bullets)

    valid_skus: list[str] = []   # spellings of first occurrences of valid SKUs, for repeats
    seen: set[str] = set()       # lower-cased valid SKUs
    invalid = duplicates = case_repeats = multiline = 0
    next_id = 1

    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="", buffering=1 << 20) as out:
        out.write(HEADER)
        chunk: list[str] = []
        for _ in range(rows):
            # name
            name = names[int(rand() * n_names)]
            if rand() < 0.25:
                name += SUFFIXES[int(rand() * n_suffixes)]

            # description: 1-5 sentences, sometimes a bulleted list over several lines
            r = rand()
            if r < MULTILINE_RATE:
                multiline += 1
                lines = [sentences[int(rand() * n_sent)], "Features:"]
                lines += [bullets[int(rand() * n_bullets)] for _ in range(1 + int(rand() * 4))]
                description = "\r\n".join(lines)
            elif r < 0.28:
                description = sentences[int(rand() * n_sent)]
            elif r < 0.70:
                description = sentences[int(rand() * n_sent)] + " " + sentences[int(rand() * n_sent)]
            else:
                description = " ".join([sentences[int(rand() * n_sent)] for _ in range(3 + int(rand() * 3))])

            # sku
            r = rand()
            if r < INVALID_RATE:
                invalid += 1
                sku = f"{PREFIXES[next_id % 26]}-{next_id:07d}"
                next_id += 1
                if r < INVALID_RATE / 2:
                    chunk.append(f',{sku},"{description}"\r\n')          # empty name
                elif r < INVALID_RATE * 0.8:
                    chunk.append(f'{_name_cell(name)},,"{description}"\r\n')  # empty sku (NULL for COPY)
                else:
                    chunk.append(f'{_name_cell(name)},"","{description}"\r\n')  # empty quoted sku
            else:
                if r < INVALID_RATE + REPEAT_RATE and valid_skus:
                    sku = valid_skus[int(rand() * len(valid_skus))]
                    if rand() < CASE_REPEAT_SHARE:
                        sku = sku.lower()
                        case_repeats += 1
                    duplicates += 1
                else:
                    sku = f"{PREFIXES[next_id % 26]}-{next_id:07d}{COLOURS[next_id % 10]}"
                    next_id += 1
                    valid_skus.append(sku)
                    seen.add(sku.lower())
                chunk.append(f'{_name_cell(name)},{sku},"{description}"\r\n')
            if len(chunk) >= 5000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
    tmp.replace(path)
    return Expected(rows=rows, invalid=invalid, duplicates=duplicates, case_repeats=case_repeats,
                    multiline=multiline, unique=len(seen), bytes=path.stat().st_size, seed=seed)


def _fingerprint(rows: int, seed: int) -> str:
    source = Path(__file__).read_bytes()
    return hashlib.sha256(source + f"{rows}:{seed}".encode()).hexdigest()[:16]


def ensure_file(directory: Path, rows: int, seed: int = 20251123) -> tuple[Path, Expected, float | None]:
    """The CSV for ``rows`` rows in ``directory``, generated unless an identical one is there.

    Returns (path, expected counts, generation seconds or None when reused).
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"products-{rows}.csv"
    meta = directory / f"products-{rows}.json"
    fingerprint = _fingerprint(rows, seed)
    if path.exists() and meta.exists():
        try:
            saved = json.loads(meta.read_text())
            if saved.get("fingerprint") == fingerprint and saved["expected"]["bytes"] == path.stat().st_size:
                return path, Expected(**saved["expected"]), None
        except (ValueError, KeyError, TypeError):
            pass
    started = time.perf_counter()
    expected = generate(path, rows, seed)
    seconds = time.perf_counter() - started
    meta.write_text(json.dumps({"fingerprint": fingerprint, "expected": asdict(expected)}, indent=2))
    return path, expected, seconds


if __name__ == "__main__":
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(".var/bench")
    file, exp, took = ensure_file(target, n)
    print(file, exp, "reused" if took is None else f"{took:.2f}s")
