"""Readers of annotated corpora (training and evaluation data), never imported by run-time code.

* :mod:`~nanosynth.miner.corpora.paragraphs`: labelled paragraphs (JSON lines) and MSPTC procedures for the
  paragraph classifier;
* :mod:`~nanosynth.miner.corpora.brat`: BRAT standoff documents (MSPTC) and their conversion to gold spaCy docs;
* :mod:`~nanosynth.miner.corpora.aunp`: the gold-nanoparticle outcome corpus (JSON lines) and its DOI splits;
* :mod:`~nanosynth.miner.corpora.gold`: the gold-item type shared by NER training and scoring;
* :mod:`~nanosynth.miner.corpora.weak_paragraphs`: PcMSP / SOFC-Exp sentence runs as weighted weak examples for the
  paragraph classifier (measured in benchmarks/classifier_cv_study.py --part issue13).
"""
