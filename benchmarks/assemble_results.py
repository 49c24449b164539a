"""Assemble benchmarks/RESULTS.md from the per-area fragments in benchmarks/results/ (run after any benchmark)."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [("readers.md", "Readers (issue 3)"), ("classifier.md", "Paragraph classifier (issue 3)"),
         ("ner.md", "Entity recognition (issue 4)"), ("extract.md", "Recipe extraction (issue 4)"),
         ("realpapers.md", "Real papers end to end (issue 13)"), ("extract_speed.md", "Extraction speed (issue 13)"),
         ("ingest.md", "Ingestion jobs (issue 5)"), ("ingest_scaleout.md", "Ingestion scale-out on full papers (issue 15)"),
         ("ingest_limits.md", "Per-document ingestion limits (issue 15)"), ("models.md", "Property models (issue 6)"),
         ("models_offgrid.md", "Property models between and beyond the grid, from the whole database (issue 14)"),
         ("lab.md", "Lab: digital twin and campaigns (issue 7)"),
         ("lab_calibration.md", "Lab: temperature-offset calibration (issue 17)")]

HEADER = """# Benchmark results

Measured figures with the commands that produced them. Each section is kept in `benchmarks/results/<area>.md`
next to the script that measures it; this file is assembled from them by `python benchmarks/assemble_results.py`.
Machine: 2 CPU cores, no GPU; most figures were taken while the cores were shared with other jobs, so speeds are
pessimistic (each section says so where it matters).

"""


def _demote(lines: list[str]) -> list[str]:
    """Headings one level down (``#`` → ``##``), leaving lines inside fenced code blocks alone."""
    out, fenced = [], False
    for line in lines:
        if line.lstrip().startswith("```"):
            fenced = not fenced
        out.append("#" + line if line.startswith("#") and not fenced else line)
    return out


def main() -> None:
    parts = [HEADER, "## Contents\n"]
    present = [(name, title) for name, title in ORDER if (HERE / "results" / name).is_file()]
    parts += [f"- [{title}](results/{name})" for name, title in present]
    parts.append("")
    for name, _title in present:
        text = (HERE / "results" / name).read_text(encoding="utf-8").strip()
        text = "\n".join(_demote(text.splitlines()))
        text = text.replace("](figures/", "](results/figures/")
        parts += ["---", "", text, ""]
    (HERE / "RESULTS.md").write_text("\n".join(parts), encoding="utf-8")


if __name__ == "__main__":
    main()
