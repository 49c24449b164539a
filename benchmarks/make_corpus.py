"""Generate a synthetic corpus of nanocrystal-synthesis papers for the ingestion benchmark.

Mixes PDF (reportlab), HTML and plain text; about ``--broken-rate`` of the files are broken on purpose
(truncated PDF, random bytes, empty file, PDF without a text layer, binary junk named .html). Every paper has
its own values (amounts, temperatures, times, sizes), so no two documents share content.

    .venv/bin/python benchmarks/make_corpus.py --n 1000 --out /tmp/corpus

writes ``/tmp/corpus/docs/...`` and ``/tmp/corpus/manifest.json`` (file, format, broken, how it was broken).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import json
import random
import textwrap
from dataclasses import asdict, dataclass
from pathlib import Path

SYSTEMS = [
    # (target, method, cation precursor, anion precursor, ligand, solvent, abs range nm)
    ("CdSe", "hot-injection", "CdO", "TOP-Se", "oleic acid", "1-octadecene", (480, 620)),
    ("PbS", "hot-injection", "PbO", "(TMS)2S", "oleic acid", "1-octadecene", (800, 1500)),
    ("InP", "hot-injection", "In(OAc)3", "(TMS)3P", "myristic acid", "1-octadecene", (450, 600)),
    ("CsPbBr3", "hot-injection", "Cs2CO3", "PbBr2", "oleylamine", "1-octadecene", (480, 515)),
    ("CdS", "heat-up", "Cd(OAc)2", "sulfur", "oleic acid", "1-octadecene", (380, 460)),
    ("ZnSe", "hot-injection", "ZnO", "TOP-Se", "oleylamine", "1-octadecene", (380, 430)),
]

BROKEN_KINDS = ("truncated_pdf", "random_bytes_pdf", "empty_txt", "image_only_pdf", "binary_html")


@dataclass
class Entry:
    file: str
    format: str
    broken: bool
    broken_kind: str | None = None


def paper_text(rng: random.Random, i: int) -> tuple[str, list[tuple[str, list[str]]]]:
    target, method, cat, an, lig, solv, (lo, hi) = rng.choice(SYSTEMS)
    t_inj = rng.randrange(150, 320, 5)
    t_grow = max(100, t_inj - rng.randrange(0, 40, 5))
    n_cat = round(rng.uniform(0.05, 2.0), 2)
    n_an = round(n_cat * rng.uniform(0.5, 4), 2)
    v_lig = round(rng.uniform(0.2, 6), 1)
    v_solv = rng.choice([5, 8, 10, 12, 15, 20])
    minutes = rng.choice([0.5, 1, 2, 3, 5, 10, 15, 20, 30, 60])
    size = round(rng.uniform(2, 12), 1)
    sd = round(size * rng.uniform(0.04, 0.15), 1)
    peak = rng.randrange(lo, hi)
    fwhm = rng.randrange(18, 60)
    plqy = rng.randrange(5, 95)
    shape = rng.choice(["spherical", "cubic", "rod-shaped", "quasi-spherical"])
    title = f"{method.capitalize()} synthesis of {target} nanocrystals with tunable size (study {i})"
    sections = [
        ("Abstract", [f"We report a {method} route to {shape} {target} nanocrystals with narrow size "
                      f"distributions and emission tunable through the growth time (sample {i})."]),
        ("1. Introduction", [f"Colloidal {target} nanocrystals are studied for light emission and detection. "
                             "Separating nucleation from growth narrows the size distribution."]),
        ("2. Experimental Section", [
            f"Materials. {cat}, {an}, {lig} and {solv} were purchased from Sigma-Aldrich and used as received.",
            f"Synthesis of {target} nanocrystals. In a typical synthesis, {cat} ({n_cat} mmol), {lig} "
            f"({v_lig} mL) and {solv} ({v_solv} mL) were loaded into a 50 mL three-neck flask and degassed at "
            f"120 °C for 30 min. Under N2 the mixture was heated to {t_inj} °C and {an} ({n_an} mmol) was "
            f"swiftly injected. The temperature was set to {t_grow} °C for growth. After {minutes} min the "
            "reaction was quenched in a water bath, and the nanocrystals were precipitated with ethanol, "
            "centrifuged at 6000 rpm and redispersed in hexane.",
        ]),
        ("2.3 Characterization", ["TEM images were taken at 200 kV. UV-vis absorption and photoluminescence "
                                  "spectra were recorded in hexane."]),
        ("3. Results and Discussion", [
            f"TEM shows {shape} {target} nanocrystals with an average diameter of {size} ± {sd} nm. The first "
            f"excitonic absorption peak is at {peak} nm; the PL peak is at {peak + rng.randrange(8, 25)} nm with "
            f"a FWHM of {fwhm} nm and a PLQY of {plqy}%.",
        ]),
        ("4. Conclusions", [f"{method.capitalize()} gives uniform {target} nanocrystals."]),
    ]
    return title, sections


def as_text(title: str, sections) -> bytes:
    lines = [title, "", "A. Author, B. Author", ""]
    for heading, paras in sections:
        lines += [heading, ""] + [p + "\n" for p in paras]
    return "\n".join(lines).encode()


def as_html(title: str, sections) -> bytes:
    body = [f"<h1>{html.escape(title)}</h1>"]
    for heading, paras in sections:
        body.append(f"<section><h2>{html.escape(heading)}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in paras]
        body.append("</section>")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title></head>\n<body><article>\n" + "\n".join(body) + "\n</article></body></html>\n").encode()


def as_pdf(title: str, sections, text_layer: bool = True) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(title)  # in the document info, so that even a file without a text layer is unique
    width, height = A4
    y = height - 72

    def line(text: str, font: str = "Helvetica", size: int = 10) -> None:
        nonlocal y
        if y < 72:
            c.showPage()
            y = height - 72
        if text_layer:
            c.setFont(font, size)
            c.drawString(72, y, text)
        else:  # a "scanned" page: only filled rectangles where the text would be
            c.rect(72, y, min(450, 5 * len(text)), size * 0.7, stroke=0, fill=1)
        y -= size * 1.4

    line(title[:95], "Helvetica-Bold", 12)
    y -= 8
    for heading, paras in sections:
        y -= 6
        line(heading, "Helvetica-Bold", 11)
        for para in paras:
            for chunk in textwrap.wrap(para, 95):
                line(chunk)
            y -= 6
    c.showPage()
    c.save()
    return buf.getvalue()


def broken_bytes(kind: str, rng: random.Random, title: str, sections) -> tuple[str, bytes]:
    if kind == "truncated_pdf":  # an interrupted download: the end (xref, trailer, %%EOF) is missing
        good = as_pdf(title, sections)
        return "pdf", good[: 2 * len(good) // 3]
    if kind == "random_bytes_pdf":
        return "pdf", bytes(rng.getrandbits(8) for _ in range(2048))
    if kind == "empty_txt":  # empty or whitespace-only (distinct lengths, so that no two files are identical)
        return "txt", b" \n" * rng.randrange(0, 10_000)
    if kind == "image_only_pdf":
        return "pdf", as_pdf(title, sections, text_layer=False)
    if kind == "binary_html":
        return "html", b"\x00\x01\x02\xff\xfe" + bytes(rng.getrandbits(8) for _ in range(1024))
    raise ValueError(kind)


def make_corpus(out: Path, n: int = 1000, broken_rate: float = 0.05, seed: int = 7,
                mix: tuple[float, float, float] = (0.4, 0.3, 0.3)) -> list[Entry]:
    """Write ``n`` documents under ``out/docs`` and the manifest ``out/manifest.json``; return the entries."""
    rng = random.Random(seed)
    docs = out / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    n_broken = round(n * broken_rate)
    broken_at = set(rng.sample(range(n), n_broken))
    entries: list[Entry] = []
    for i in range(n):
        title, sections = paper_text(rng, i)
        sub = docs / f"batch{i // 100:02d}"
        sub.mkdir(exist_ok=True)
        if i in broken_at:
            kind = BROKEN_KINDS[len([e for e in entries if e.broken]) % len(BROKEN_KINDS)]
            fmt, data = broken_bytes(kind, rng, title, sections)
            entry = Entry(f"{sub.name}/paper{i:05d}.{fmt}", fmt, True, kind)
        else:
            fmt = rng.choices(["pdf", "html", "txt"], weights=mix)[0]
            data = {"pdf": as_pdf, "html": as_html, "txt": as_text}[fmt](title, sections)
            entry = Entry(f"{sub.name}/paper{i:05d}.{fmt}", fmt, False)
        (docs / entry.file).write_bytes(data)
        entries.append(entry)
    (out / "manifest.json").write_text(json.dumps([asdict(e) for e in entries], indent=1))
    digests = {hashlib.sha256((docs / e.file).read_bytes()).hexdigest() for e in entries}
    if len(digests) != len(entries):
        raise RuntimeError(f"{len(entries) - len(digests)} generated documents are identical; change --seed")
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="number of documents")
    parser.add_argument("--out", type=Path, required=True, help="output folder (docs/ + manifest.json)")
    parser.add_argument("--broken-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    entries = make_corpus(args.out, args.n, args.broken_rate, args.seed)
    formats = {f: sum(e.format == f and not e.broken for e in entries) for f in ("pdf", "html", "txt")}
    print(f"wrote {len(entries)} documents to {args.out / 'docs'}: {formats}, "
          f"{sum(e.broken for e in entries)} broken")


if __name__ == "__main__":
    main()
