"""Training loops of the miner's models (never imported by run-time code).

* :mod:`~nanosynth.miner.training.classifier`: paragraph classifier, model selection by grouped CV, calibration;
* :mod:`~nanosynth.miner.training.ner`: spaCy NER (MSPTC) and the shared NER training loop;
* :mod:`~nanosynth.miner.training.transformer`: fine-tuning of the MiniLM token classifier;
* :mod:`~nanosynth.miner.training.aunp`: the AuNP outcome NER and its cross-validation;
* :mod:`~nanosynth.miner.training.augment`: Unicode augmentation of training paragraphs.
"""
