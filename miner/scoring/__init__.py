"""Scorers of the miner's stages (never imported by run-time code).

* :mod:`~nanosynth.miner.scoring.classifier`: per-class precision, recall and F1 of a paragraph classifier;
* :mod:`~nanosynth.miner.scoring.entities`: exact-span entity counts and micro-F1;
* :mod:`~nanosynth.miner.scoring.ner`: a NER model on the MSPTC (BRAT) or AuNP corpus;
* :mod:`~nanosynth.miner.scoring.linking`: the linking heuristics against the MSPTC gold links.
"""
