"""models.plots writes PNG figures without touching pyplot: no backend switch, no figure left open."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd

from nanosynth.models.plots import importance_plot, parity_plot, transfer_plot


def test_plots_are_written_without_pyplot_state(tmp_path):
    import matplotlib.pyplot as plt

    before = matplotlib.get_backend()
    y = np.array([2.0, 3.0, 4.0])
    parity = parity_plot(y, y + 0.1, tmp_path / "parity.png", lower=y - 1, upper=y + 1, unit="size (nm)")
    per_feature = pd.DataFrame({"feature": ["a", "b"], "mean_abs_shap": [0.3, 0.1], "class": ["x", "y"]})
    per_class = pd.DataFrame({"class": ["x", "y"], "share": [0.75, 0.25]})
    importance = importance_plot(per_feature, per_class, tmp_path / "imp.png", unit="nm")
    table = pd.DataFrame({"composition": ["CdSe"] * 2, "setting": ["transfer"] * 2, "n_added": [0, 5],
                          "mae": [1.0, 0.5]})
    transfer = transfer_plot(table, tmp_path / "transfer.png")
    for path in (parity, importance, transfer):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.get_backend() == before and plt.get_fignums() == []
