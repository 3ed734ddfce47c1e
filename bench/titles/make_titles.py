#!/usr/bin/env python3
"""Builds the word-mark evaluation sets (a fitting split and a held-out split) from
third-party sources, with a variant generator of its own (not bench/dataset's).

    python3 bench/titles/make_titles.py --npm NPM_DIR --out OUT [--seed 11]

NPM_DIR holds the pinned npm packages (bench/titles/run.sh installs them), the Python
packages come from the venv running this script (versions in bench/titles/versions.txt).

Marks (registered word marks), per source:
- `iconify`: brand names from the icon names of npm `@iconify-json/logos` (CC0 set of
  logos), leaving out every brand that npm `simple-icons` also has (bench/dataset's marks
  come from simple-icons, so no held-out mark was ever fitted on). Split in two by a hash
  of the name: one half for fitting, the other held out.
- `surname`: family names of Faker's locales (PyPI `Faker`), as brand names often are:
  en_US and de_DE names for fitting; fr_FR, it_IT and es_ES names only held out.
- `zh`: Chinese company short names of Faker's zh_CN locale (split by hash); and `zh_tw`,
  zh_TW names (traditional characters), only held out.

Titles: each mark in ordinary listing titles of npm `@faker-js/faker` (commerce product
names), as variants a counterfeiter writes (see KINDS below); pinyin comes from PyPI
`pypinyin`, traditional forms from `opencc-python-reimplemented`, look-alike letters from
`confusable-homoglyphs` (the Unicode confusables data). Negatives (at least five per
positive): ordinary listing titles, ordinary English words within one or two edits of a
registered mark or containing a short one (from faker's word lists), unregistered brands
(other iconify brands and surnames, none within two edits of a mark), ordinary Chinese
titles and ordinary Chinese words in pinyin.

Writes OUT/{fit,heldout}/{marks.csv,titles.csv,title_labels.csv}: the CLI contract of
`takedown eval titles` (right_id,text / title) and labels (title,expected,kind,source).
"""
import argparse
import csv
import hashlib
import json
import pathlib
import random
import subprocess
import unicodedata

import opencc
from confusable_homoglyphs import confusables
from faker import Faker
from pypinyin import Style, lazy_pinyin

LATIN_KINDS = ["exact", "case", "plural", "fused", "homoglyph", "ascii_lookalike", "leet",
               "diacritics", "spacing", "misspelling"]
CJK_KINDS = ["cjk_exact", "cjk_traditional", "cjk_same_pinyin", "pinyin", "pinyin_spaced",
             "pinyin_tones", "pinyin_tone_numbers", "pinyin_mixed"]

# Affixes of this generator: some sellers' words the matcher knows, many it does not.
PREFIXES = ["best", "new", "the", "my", "get", "buy", "official", "original", "real", "top",
            "cheap", "hot", "super", "planet", "daily", "i", "we", "all", "true", "pure",
            "go", "just", "love", "shop"]
SUFFIXES = ["store", "shop", "outlet", "official", "online", "factory", "mall", "club",
            "deals", "hub", "world", "direct", "premium", "sale", "warehouse", "depot",
            "nation", "mania", "lovers", "hq", "kingdom", "paradise", "bazaar", "now", "24",
            "365", "2024", "2025", "usa", "uk", "de", "express", "plus", "pro", "x"]
LEET = {"a": ["4", "@"], "e": ["3"], "i": ["1", "!"], "o": ["0"], "s": ["5", "$"],
        "t": ["7"], "g": ["9"], "b": ["8"], "l": ["1"]}
ACCENTS = {"a": "àáâäãå", "e": "èéêë", "i": "ìíîï", "o": "òóôöõ", "u": "ùúûü", "n": "ñ",
           "c": "ç", "y": "ýÿ", "s": "šś", "z": "žź", "r": "ř"}
ASCII_LOOKALIKE = [("m", "rn"), ("w", "vv"), ("I", "l"), ("l", "I"), ("O", "0"), ("o", "0"),
                   ("d", "cl")]
KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
SEPARATORS = [" ", "_", ".", "-", "·", "*", " - "]


def stable_half(name):
    return hashlib.sha1(name.encode()).digest()[0] % 2


def fold(s):
    d = unicodedata.normalize("NFKD", s.lower())
    return "".join(c for c in d if c.isalnum() and not unicodedata.combining(c))


def dl(a, b):
    """Damerau-Levenshtein (optimal string alignment) distance."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def faker_js(npm, seed):
    """Product names and word lists of @faker-js/faker, drawn under a fixed seed."""
    script = f"""
const {{faker}} = require('@faker-js/faker');
faker.seed({seed});
const names = Array.from({{length: 6000}}, () => faker.commerce.productName());
const w = faker.definitions.word;
console.log(JSON.stringify({{names, departments: faker.definitions.commerce.department,
  words: [].concat(w.adjective, w.noun, w.verb, w.adverb)}}));
"""
    out = subprocess.run(["node", "-e", script], cwd=npm, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def iconify_brands(npm):
    icons = json.loads((npm / "node_modules/@iconify-json/logos/icons.json").read_text())
    simple = json.loads((npm / "node_modules/simple-icons/data/simple-icons.json").read_text())
    taken = {fold(i["title"]) for i in simple} | {fold(i["slug"]) for i in simple}
    names = set()
    for key in icons["icons"]:
        if key.endswith(("-icon", "-wordmark", "-dark", "-light")):
            continue
        words = key.split("-")
        if len(words) > 2 or not all(w.isalpha() for w in words):
            continue
        name = " ".join(w.capitalize() for w in words)
        if not 4 <= len(fold(name)) <= 14 or fold(name) in taken:
            continue
        names.add(name)
    return sorted(names)


def surnames(locales, n, seed):
    out = set()
    for loc in locales:
        f = Faker(loc)
        f.seed_instance(seed)
        for _ in range(n * 6):
            s = f.last_name()
            if s.isalpha() and s.isascii() and 4 <= len(s) <= 12:
                out.add(s)
    return sorted(out)


def chinese(locale, n, seed):
    f = Faker(locale)
    f.seed_instance(seed)
    out = set()
    for _ in range(n * 20):
        p = f.company_prefix()
        if 2 <= len(p) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in p):
            out.add(p)
    return sorted(out)


class Titles:
    def __init__(self, rng, fk):
        self.rng = rng
        self.names = fk["names"]
        self.departments = fk["departments"]

    def context(self, mark):
        r = self.rng
        name = r.choice(self.names)
        return r.choice([f"{mark} {name}", f"{name} by {mark}", f"{name} - {mark}",
                         f"{mark} {name} {r.choice(self.departments)}",
                         f"New {mark} {name.lower()}", f"{name} ({mark})"])

    def ordinary(self):
        r = self.rng
        name = r.choice(self.names)
        return r.choice([name, f"{name} - {r.choice(self.departments)}",
                         f"{name}, {r.randint(2, 12)} pack", f"New {name.lower()}"])


def case_style(rng, word):
    return rng.choice([word, word.upper(), word.lower(), word.title()])


def make_latin_variant(rng, kind, mark):
    word = mark.replace(" ", "")
    if kind == "exact":
        return mark
    if kind == "case":
        return rng.choice([mark.upper(), mark.lower(), mark.swapcase()])
    if kind == "plural":
        base = case_style(rng, mark)
        end = "es" if fold(mark)[-1] in "sxz" else "s"
        return base + rng.choice([end, "'s", "’s", end])
    if kind == "fused":
        core = rng.choice([word.upper(), word, word.lower()])
        pre = rng.choice(PREFIXES + [""])
        suf = rng.choice(SUFFIXES + ([] if pre else SUFFIXES))
        if not pre and not suf:
            suf = "store"
        style = rng.random()
        if style < 0.4:
            return pre.lower() + core + suf.lower()
        if style < 0.7:
            return pre.capitalize() + word.capitalize() + suf.capitalize()
        return (pre + word + suf).lower()
    if kind == "homoglyph":
        letters = [i for i, c in enumerate(word) if c.isalpha()]
        chars = list(word)
        for i in rng.sample(letters, min(len(letters), rng.randint(1, 2))):
            found = confusables.is_confusable(chars[i], preferred_aliases=[], greedy=True)
            options = [g["c"] for f in (found or []) for g in f["homoglyphs"]
                       if "CYRILLIC" not in g["n"] and len(g["c"]) == 1]
            if options:
                chars[i] = rng.choice(options)
        out = "".join(chars)
        return out if out != word else None
    if kind == "ascii_lookalike":
        options = [(a, b) for a, b in ASCII_LOOKALIKE if a in word or a in word.upper()]
        if not options:
            return None
        a, b = rng.choice(options)
        w = word.upper() if a.isupper() else word.lower()
        return w.replace(a, b, 1) if a in w else None
    if kind == "leet":
        spots = [i for i, c in enumerate(word.lower()) if c in LEET]
        if not spots:
            return None
        chars = list(word)
        for i in rng.sample(spots, max(1, len(spots) // 2)):
            chars[i] = rng.choice(LEET[word[i].lower()])
        return "".join(chars)
    if kind == "diacritics":
        spots = [i for i, c in enumerate(word.lower()) if c in ACCENTS]
        if not spots:
            return None
        chars = list(word.lower())
        for i in rng.sample(spots, max(1, len(spots) // 3)):
            chars[i] = rng.choice(ACCENTS[chars[i]])
        return "".join(chars)
    if kind == "spacing":
        return rng.choice(SEPARATORS).join(case_style(rng, word))
    if kind == "misspelling":
        w = word.lower()
        if len(w) < 6:
            return None
        i = rng.randrange(1, len(w) - 1)
        op = rng.choice(["neighbour", "drop", "swap", "double"])
        if op == "neighbour":
            row = next((r for r in KEYBOARD if w[i] in r), None)
            if not row:
                return None
            j = row.index(w[i])
            return w[:i] + rng.choice([row[k] for k in (j - 1, j + 1) if 0 <= k < len(row)]) + w[i + 1:]
        if op == "drop":
            return w[:i] + w[i + 1:]
        if op == "swap" and w[i] != w[i + 1]:
            return w[:i] + w[i + 1] + w[i] + w[i + 2:]
        return w[:i] + w[i] + w[i:]
    raise ValueError(kind)


def make_cjk_variant(rng, kind, mark, s2t, homophones):
    if kind == "cjk_exact":
        return mark
    if kind == "cjk_traditional":
        t = s2t.convert(mark)
        return t if t != mark else None
    if kind == "cjk_same_pinyin":
        i = rng.randrange(len(mark))
        options = [c for c in homophones.get(lazy_pinyin(mark[i])[0], []) if c != mark[i]]
        return mark[:i] + rng.choice(options) + mark[i + 1:] if options else None
    syllables = lazy_pinyin(mark)
    if kind == "pinyin":
        return case_style(rng, "".join(syllables).capitalize())
    if kind == "pinyin_spaced":
        return rng.choice([" ", "-"]).join(s.capitalize() for s in syllables)
    if kind == "pinyin_tones":
        toned = lazy_pinyin(mark, style=Style.TONE)
        return rng.choice(["", " "]).join(toned).capitalize()
    if kind == "pinyin_tone_numbers":
        return "".join(lazy_pinyin(mark, style=Style.TONE3))
    if kind == "pinyin_mixed":
        i = rng.randrange(len(mark))
        return "".join(syllables[j] if j == i else c for j, c in enumerate(mark))
    raise ValueError(kind)


def cn_context(rng, fake_zh, mark):
    w = fake_zh.word
    return rng.choice([f"{mark}{w()}{w()}", f"{w()} {mark} {w()}", f"正品{mark} {w()}",
                       f"{mark} {w()}{w()} 包邮"])


def build(split, rng, marks_latin, marks_cjk, unregistered, fk, near_pool, s2t, homophones,
          fake_zh, out):
    titles = Titles(rng, fk)
    rows = []
    registered = []
    for source, name in marks_latin:
        right = f"tm-{source}-{fold(name)}"
        registered.append((right, name))
        for kind in LATIN_KINDS:
            v = make_latin_variant(rng, kind, name)
            if v and fold(v) != "" and (kind in ("exact", "case") or v != name):
                rows.append((titles.context(v), right, kind, source))
    for source, name in marks_cjk:
        right = f"tm-{source}-{name}"
        registered.append((right, name))
        for kind in CJK_KINDS:
            v = make_cjk_variant(rng, kind, name, s2t, homophones)
            if not v:
                continue
            if kind.startswith("pinyin"):
                rows.append((titles.context(v), right, kind, source))
            else:
                rows.append((cn_context(rng, fake_zh, v), right, kind, source))
    positives = len(rows)

    folded_marks = [fold(m) for _, m in registered if m.isascii()]
    mark_tokens = [m.lower().split() for _, m in registered if m.isascii()]

    def mentions_mark(title):
        tokens = [t for t in "".join(c if c.isalnum() else " " for c in title.lower()).split()]
        joined = "".join(tokens)
        for mt in mark_tokens:
            n = len(mt)
            if any(tokens[i:i + n] == mt for i in range(len(tokens))):
                return True
        return any(m in joined for m in folded_marks if len(m) >= 6) or \
            any(m in "".join(c for c in title if "\u4e00" <= c <= "\u9fff")
                for _, m in registered if not m.isascii())

    negatives = []
    # ordinary words near a mark: within 1-2 edits, or containing a short mark.
    near = []
    for w in near_pool:
        fw = fold(w)
        for m in folded_marks:
            if fw == m or fw in (m + "s", m + "es"):
                continue
            if (abs(len(fw) - len(m)) <= 2 and len(m) >= 4 and dl(fw, m) <= 2) or \
                    (3 <= len(m) <= 4 and m in fw and len(fw) > len(m)):
                near.append(w)
                break
    rng.shuffle(near)
    for w in near[:1500]:
        t = titles.context(w)
        if not mentions_mark(t):
            negatives.append((t, "", "near_word", "faker_words"))
    for source, name in unregistered:
        fn = fold(name)
        if any(dl(fn, m) <= 2 or m in fn or fn in m for m in folded_marks):
            continue
        t = titles.context(name)
        if not mentions_mark(t):
            negatives.append((t, "", "unregistered_brand", source))
    target = 5 * positives + 300
    tries = 0
    while len(negatives) < target and tries < target * 5:
        tries += 1
        r = rng.random()
        if r < 0.7:
            t, kind, source = titles.ordinary(), "ordinary_listing", "faker_commerce"
        elif r < 0.85:
            t = "".join(fake_zh.word() for _ in range(rng.randint(2, 4)))
            kind, source = "cjk_ordinary", "faker_zh"
        else:
            words = [fake_zh.word() for _ in range(rng.randint(1, 2))]
            latin = " ".join("".join(lazy_pinyin(w)).capitalize() for w in words)
            t, kind, source = titles.context(latin), "pinyin_ordinary", "faker_zh"
        if not mentions_mark(t):
            negatives.append((t, "", kind, source))
    # One label per title: a title drawn twice keeps its first label.
    seen = set()
    unique = []
    for row in rows + negatives:
        if row[0] not in seen:
            seen.add(row[0])
            unique.append(row)
    d = out / split
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "marks.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["right_id", "text"])
        w.writerows(registered)
    with open(d / "titles.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["title"])
        w.writerows([[t] for t, *_ in unique])
    with open(d / "title_labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["title", "expected", "kind", "source"])
        w.writerows(unique)
    n_pos = sum(1 for r in unique if r[1])
    print(f"{split}: {len(registered)} marks, {n_pos} positive and {len(unique) - n_pos} "
          f"negative titles")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--npm", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    npm, out = pathlib.Path(args.npm), pathlib.Path(args.out)
    rng = random.Random(args.seed)
    fk = faker_js(npm, args.seed)
    s2t = opencc.OpenCC("s2t")
    fake_zh = Faker("zh_CN")
    fake_zh.seed_instance(args.seed)
    # Homophones among the characters of Faker's Chinese words (common characters).
    common_chars = sorted({c for _ in range(3000) for c in fake_zh.word()
                           if "\u4e00" <= c <= "\u9fff"})
    homophones = {}
    for c in common_chars:
        homophones.setdefault(lazy_pinyin(c)[0], []).append(c)

    brands = iconify_brands(npm)
    rng.shuffle(brands)
    fit_brands = [b for b in brands if stable_half(b) == 0]
    held_brands = [b for b in brands if stable_half(b) == 1]
    fit_names = surnames(["en_US", "de_DE"], 60, args.seed)
    held_names = surnames(["fr_FR", "it_IT", "es_ES"], 40, args.seed)
    fit_names = [n for n in fit_names if n not in held_names]
    rng.shuffle(fit_names)
    rng.shuffle(held_names)
    zh = chinese("zh_CN", 80, args.seed)
    rng.shuffle(zh)
    zh_tw = chinese("zh_TW", 40, args.seed)
    rng.shuffle(zh_tw)
    fit_zh = [z for z in zh if stable_half(z) == 0][:30]
    held_zh = [z for z in zh if stable_half(z) == 1][:30]

    near_pool = sorted(set(fk["words"]) | {w for n in fk["names"] for w in n.split()})
    plans = {
        "fit": ([("iconify", b) for b in fit_brands[:100]]
                + [("surname", n) for n in fit_names[:60]],
                [("zh", z) for z in fit_zh],
                [("iconify", b) for b in fit_brands[100:250]]
                + [("surname", n) for n in fit_names[60:160]]),
        "heldout": ([("iconify", b) for b in held_brands[:100]]
                    + [("surname_heldout", n) for n in held_names[:60]],
                    [("zh", z) for z in held_zh] + [("zh_tw", z) for z in zh_tw[:20]],
                    [("iconify", b) for b in held_brands[100:250]]
                    + [("surname_heldout", n) for n in held_names[60:160]]),
    }
    for split, (latin, cjk, unregistered) in plans.items():
        build(split, random.Random(f"{args.seed}-{split}"), latin, cjk, unregistered, fk,
              near_pool, s2t, homophones, fake_zh, out)


if __name__ == "__main__":
    main()
