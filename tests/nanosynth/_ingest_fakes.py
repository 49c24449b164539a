"""A small fake extraction pipeline with the interface of ``miner.pipeline.Pipeline`` and a corpus helper.

Document format (plain text): first line = title; an optional ``KEY: <paper key>`` line (several files may then
share one paper, to provoke write races); paragraphs separated by blank lines; each paragraph containing
"synthesis" yields one recipe. Bytes starting with ``BROKEN`` raise ReaderError, empty input raises ReaderError,
``CRASH`` raises a ValueError (an unexpected bug), ``FLAKY`` fails unless the pipeline is built with
``flaky=False``, ``KILLME`` ends the process, ``SLOW`` keeps working in Python for a minute, ``HANG`` blocks in
native code for an hour; PDF bytes go through the real PDF reader (and its stream limit).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from nanosynth.schema.errors import ExtractionError, ReaderError
from nanosynth.schema.records import (
    ChemicalUseCreate,
    OutcomeCreate,
    PaperCreate,
    ParagraphCreate,
    ProvenanceCreate,
    RecipeCreate,
    StepCreate,
)


@dataclass
class Processed:
    paper: PaperCreate
    recipes: list[RecipeCreate] = field(default_factory=list)


class FakePipeline:
    """Deterministic stand-in for the extraction pipeline."""

    def __init__(self, version: str = "fake@1", delay_s: float = 0.0, flaky: bool = True,
                 init_log: str | None = None):
        self._version = version
        self.delay_s = delay_s
        self.flaky = flaky
        self.init_log = init_log
        self.initialized = 0

    @property
    def version(self) -> str:
        return self._version

    def initialize(self) -> FakePipeline:
        self.initialized += 1
        if self.init_log:
            with open(self.init_log, "a") as fh:
                fh.write(f"{os.getpid()}\n")
        return self

    def process(self, data: bytes, source: str) -> Processed:
        assert self.initialized, "process() called before initialize()"
        if self.delay_s:
            time.sleep(self.delay_s)
        if not data.strip():
            raise ReaderError(f"{source} is empty: nothing to read")
        if data.startswith(b"BROKEN"):
            raise ReaderError(f"{source} is corrupt: the file is truncated")
        if b"KILLME" in data:   # a native crash that takes the whole worker process down
            os._exit(17)
        if b"SLOW" in data:     # pure-Python work that never ends in reasonable time
            end = time.monotonic() + 60
            while time.monotonic() < end:
                time.sleep(0.01)
        if b"HANG" in data:     # stuck inside native code (cannot be interrupted from Python)
            time.sleep(3600)
        if data.startswith(b"%PDF"):
            from nanosynth.miner.readers import read_document

            data = read_document(data, source).text.encode() or b"empty PDF"
        if b"CRASH" in data:
            raise ValueError("unexpected token in layout analysis")
        if b"FLAKY" in data and self.flaky:
            raise ExtractionError("NER model timed out on this document")
        text = data.decode("utf-8")
        lines = text.strip().splitlines()
        key = f"sha256:{hashlib.sha256(data).hexdigest()}"
        for line in lines:
            if line.startswith("KEY:"):
                key = line.split(":", 1)[1].strip()
        paras = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
        paper = PaperCreate(key=key, title=lines[0][:200], source_kind="text",
                            paragraphs=[ParagraphCreate(order=i, text=p, label="synthesis" if "synthesis" in p
                                                        else "other") for i, p in enumerate(paras)])
        extractor = f"fake-extractor@{self._version}"
        recipes = []
        for i, para in enumerate(paras):
            if "synthesis" not in para:
                continue
            prov = ProvenanceCreate(extractor=extractor, paragraph_order=i, char_start=0, char_end=len(para),
                                    confidence=0.9)
            recipes.append(RecipeCreate(
                source_key=f"{key}#p{i}#r0", source_kind="literature", paper_key=key, method="hot_injection",
                target_composition="CdSe", provenance=prov,
                chemicals=[ChemicalUseCreate(name_raw="CdO", amount_raw="0.2 mmol", amount_mmol=0.2,
                                             provenance=prov),
                           ChemicalUseCreate(name_raw="oleic acid", amount_raw="1 mL", amount_ml=1.0)],
                steps=[StepCreate(order=0, action="inject", temperature_c=300.0, provenance=prov),
                       StepCreate(order=1, action="grow", temperature_c=270.0, time_s=120.0)],
                outcomes=[OutcomeCreate(property="size_nm", value=3.0 + (len(para) % 10) / 10, method="TEM",
                                        provenance=prov)],
            ))
        return Processed(paper=paper, recipes=recipes)


def good_text(i: int, key: str | None = None) -> str:
    head = f"CdSe quantum dots study {i}\n" + (f"KEY: {key}\n" if key else "")
    return (head + "\nIntroduction about nanocrystals.\n\n"
            f"Typical synthesis {i}: CdO (0.2 mmol) and oleic acid were heated to 300 C, TOP-Se injected.\n\n"
            f"A second synthesis {i} at 270 C gave larger dots.\n")


def write_corpus(root: Path, n_good: int = 8, broken: int = 1, empty: int = 1, crash: int = 0, flaky: int = 0,
                 extra_files: bool = True) -> Path:
    """Text documents under ``root`` (two recipes per good document)."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n_good):
        sub = root / ("a" if i % 2 else "b")
        sub.mkdir(exist_ok=True)
        (sub / f"paper{i:03d}.txt").write_text(good_text(i))
    for i in range(broken):
        (root / f"broken{i}.txt").write_bytes(b"BROKEN" + os.urandom(64))
    for i in range(empty):
        (root / f"empty{i}.txt").write_bytes(b"   \n" * (i + 1))
    for i in range(crash):
        (root / f"crash{i}.txt").write_text(f"Crash doc {i}\n\nCRASH here {i}\n")
    for i in range(flaky):
        (root / f"flaky{i}.txt").write_text(f"Flaky doc {i}\n\nFLAKY synthesis {i} at 250 C\n")
    if extra_files:
        (root / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 20)
        (root / ".hidden.txt").write_text("not a paper")
    return root


#: Content of the file outside the input folder that hostile links point to (must never be ingested).
OUTSIDE_TEXT = "Outside secret\n\nA synthesis that lives outside the input folder.\n"


def write_hostile_inputs(root: Path, outside: Path, *, limits: bool = False, killer: bool = False) -> dict[str, str]:
    """Files under ``root`` that must be recorded, never read: links leaving ``root`` (to a file and to a folder),
    a dangling link, a link loop and a named pipe; plus a link to a file inside ``root`` (fine). With ``limits``,
    also the documents over the :func:`small_limits` (:func:`write_limit_cases`; ``killer`` for Dask).

    ``outside`` is a folder outside ``root`` holding :data:`OUTSIDE_TEXT`. Returns file name -> expected reason.
    """
    root.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_text(OUTSIDE_TEXT)
    (root / "inside.txt").write_text(good_text(900))
    (root / "passwd.txt").symlink_to(outside / "secret.txt")
    (root / "relative_escape.txt").symlink_to(Path("..") / outside.name / "secret.txt")
    (root / "linked_folder").symlink_to(outside, target_is_directory=True)
    (root / "gone.txt").symlink_to(root / "deleted.txt")
    (root / "loop.txt").symlink_to(root / "loop.txt")
    (root / "alias.txt").symlink_to(root / "inside.txt")
    os.mkfifo(root / "pipe.txt")
    extra = write_limit_cases(root, killer=killer) if limits else {}
    return extra | {"passwd.txt": "symbolic link leaves the input folder",
            "relative_escape.txt": "symbolic link leaves the input folder",
            "linked_folder": "symbolic link leaves the input folder",
            "gone.txt": "dangling symbolic link", "loop.txt": "dangling symbolic link",
            "pipe.txt": "not a regular file"}


def flate_bomb_pdf(inflated_mb: int) -> bytes:
    """A PDF whose one stream inflates to ``inflated_mb`` MB (the reader fixtures' generator)."""
    path = Path(__file__).resolve().parents[1] / "fixtures" / "readers" / "make_pdfs.py"
    spec = importlib.util.spec_from_file_location("make_pdfs_readers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.flate_bomb_pdf(inflated_mb)


def small_limits():
    """Per-document limits small enough for :func:`write_limit_cases` to trip every one."""
    from nanosynth.ingest.limits import DocumentLimits

    return DocumentLimits(max_file_mb=0.05, time_limit_s=1, max_attempts=2, pdf_stream_mb=8)


def write_limit_cases(root: Path, *, killer: bool = False) -> dict[str, str]:
    """Documents over the :func:`small_limits` (issue 15, point 7): a file over the size cap, a document slower
    than the time limit, a PDF decompression bomb, and (``killer``, for Dask) one that kills its worker every time
    and one stuck in native code. Returns file name -> start of the expected recorded reason."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "huge.txt").write_text(good_text(901) + "filler line\n" * 6000)   # ~70 kB > 50 kB
    (root / "slow.txt").write_text("Slow paper\n\nSLOW synthesis at 250 C\n")
    (root / "bomb.pdf").write_bytes(flate_bomb_pdf(32))   # ~32 kB, under the size cap
    cases = {"huge.txt": "too large", "slow.txt": "timed out after 1 s",
             "bomb.pdf": "ReaderError: PDF refused: a PDF stream inflates to more than 8 MB"}
    if killer:
        (root / "killer.txt").write_text("Killer paper\n\nKILLME synthesis\n")
        (root / "hang.txt").write_text("Hanging paper\n\nHANG synthesis\n")
        cases |= {"killer.txt": "worker failure", "hang.txt": "worker failure"}
    return cases
