"""Extraction speed on one core: plain paragraphs through the pipeline, and ``nanosynth extract`` end to end.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 taskset -c 0 .venv/bin/python benchmarks/bench_extract_speed.py \
        [--paragraphs ../shared/data/paragraphs/dev.jsonl] [--limit 300] [--paper samples/papers/cdse_hot_injection.txt]
        [--repeat 3]

Prints

1. paragraphs/s of :meth:`nanosynth.miner.pipeline.Pipeline.process` with the default models (loaded once, before
   timing) over the paragraphs of ``--paragraphs``, each given as a plain-text document (read + classify +
   extract); goal ≥ 200 paragraphs/s;
2. the wall time of ``nanosynth extract PAPER --json`` in a fresh process pinned to core 0 (``taskset -c 0``,
   ``OMP_NUM_THREADS=1``), including interpreter start and model loading; median and best of ``--repeat`` runs;
   goal < 5 s.
Machine-readable last line: ``extract_speed: paragraphs_per_s X cli_wall_s X``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _paragraph_speed(path: Path, limit: int) -> float:
    from nanosynth.miner.pipeline import Pipeline, PipelineConfig

    texts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if len(texts) >= limit:
                break
            texts.append(json.loads(line)["text"])
    pipe = Pipeline(PipelineConfig()).initialize()
    started = time.perf_counter()
    recipes, stages = 0, {"read": 0.0, "classify": 0.0, "extract": 0.0}
    for i, text in enumerate(texts):
        result = pipe.process(text.encode("utf-8"), f"paragraph-{i}.txt")
        recipes += len(result.recipes)
        for stage in stages:
            stages[stage] += result.timings.get(stage, 0.0)
    elapsed = time.perf_counter() - started
    rate = len(texts) / elapsed
    split = ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in stages.items())
    print(f"paragraphs: {len(texts)} in {elapsed:.2f} s = {rate:.0f} paragraphs/s ({recipes} recipes; {split})")
    return rate


def _cli_wall_time(paper: Path, repeat: int) -> float:
    command = [str(Path(sys.executable).with_name("nanosynth")), "extract", str(paper), "--json"]
    if shutil.which("taskset"):
        command = ["taskset", "-c", "0", *command]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0 or len(done.stdout.splitlines()) != 1:
            raise SystemExit(f"nanosynth extract failed ({done.returncode}): {done.stderr[-2000:]}")
    print(f"nanosynth extract {paper.name} --json: median {statistics.median(times):.2f} s, best {min(times):.2f} s "
          f"over {repeat} runs ({', '.join(f'{t:.2f}' for t in times)})")
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=Path, default=REPO.parent / "shared/data/paragraphs/dev.jsonl")
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--paper", type=Path, default=REPO / "samples/papers/cdse_hot_injection.txt")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rate = float("nan")
    if args.paragraphs.is_file():
        rate = _paragraph_speed(args.paragraphs, args.limit)
    else:
        print(f"skipped paragraph speed: {args.paragraphs} not found")
    wall = _cli_wall_time(args.paper, args.repeat)
    print(f"extract_speed: paragraphs_per_s {rate:.0f} cli_wall_s {wall:.2f}")


if __name__ == "__main__":
    main()
