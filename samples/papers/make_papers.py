"""Regenerate the sample papers (text, HTML, PDF) from ``papers.json``.

Run from the repository root: ``.venv/bin/python samples/papers/make_papers.py``. The outputs are committed
(small files), so tests and ``make demo`` do not need reportlab at run time. The expected extraction of each
paper is hand-written in ``expected/<id>.json`` (not generated).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_text(paper: dict, path: Path) -> None:
    lines = [paper["title"], "", ", ".join(paper["authors"]), "", f"{paper['journal']} ({paper['year']})",
             f"DOI: {paper['doi']}", f"Published {paper['year']}", ""]
    for heading, paragraphs in paper["sections"]:
        lines += [heading, ""]
        for para in paragraphs:
            lines += [para, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_html(paper: dict, path: Path) -> None:
    meta = [("citation_title", paper["title"]), ("citation_doi", paper["doi"]),
            ("citation_journal_title", paper["journal"]), ("citation_publication_date", str(paper["year"]))]
    meta += [("citation_author", a) for a in paper["authors"]]
    head = "\n".join(f'<meta name="{k}" content="{html.escape(v)}">' for k, v in meta)
    body = [f"<h1>{html.escape(paper['title'])}</h1>"]
    for heading, paragraphs in paper["sections"]:
        body.append(f"<section><h2>{html.escape(heading)}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in paragraphs]
        body.append("</section>")
    path.write_text(f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n{head}\n"
                    f"<title>{html.escape(paper['title'])}</title></head>\n<body><article>\n"
                    + "\n".join(body) + "\n</article></body></html>\n", encoding="utf-8")


def write_pdf(paper: dict, path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    font = "Helvetica"
    for candidate in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",):  # °, ±, μ need a unicode font
        if Path(candidate).is_file():
            pdfmetrics.registerFont(TTFont("DejaVuSans", candidate))
            font = "DejaVuSans"
    for name in ("Title", "Heading2", "BodyText", "Normal"):
        styles[name].fontName = font
    doc = SimpleDocTemplate(str(path), pagesize=A4, title=paper["title"], author=", ".join(paper["authors"]),
                            subject=f"doi:{paper['doi']}", invariant=1)
    story = [Paragraph(html.escape(paper["title"]), styles["Title"]),
             Paragraph(html.escape(", ".join(paper["authors"])), styles["Normal"]),
             Paragraph(html.escape(f"{paper['journal']} ({paper['year']}) DOI: {paper['doi']}"), styles["Normal"]),
             Spacer(1, 12)]
    for heading, paragraphs in paper["sections"]:
        story.append(Paragraph(html.escape(heading), styles["Heading2"]))
        story += [Paragraph(html.escape(p), styles["BodyText"]) for p in paragraphs]
    doc.build(story)


def main() -> None:
    papers = json.loads((HERE / "papers.json").read_text(encoding="utf-8"))
    for paper in papers:
        write_text(paper, HERE / f"{paper['id']}.txt")
        write_html(paper, HERE / f"{paper['id']}.html")
        write_pdf(paper, HERE / f"{paper['id']}.pdf")
        print(paper["id"])


if __name__ == "__main__":
    main()
