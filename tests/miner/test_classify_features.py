import numpy as np

from nanosynth.miner.classify.features import CUE_FEATURE_NAMES, cue_features, normalize_text

PROCEDURE = ("CdO (0.2 mmol) and oleic acid (2 mL) were heated to 280 °C under Ar for 30 min. "
             "Then TOP-Se (1 mL) was injected and the solution was cooled.")
RESULT = "As shown in Fig. 2, the absorption peak shifts to the red, which indicates quantum confinement [12]."


def _row(text):
    return dict(zip(CUE_FEATURE_NAMES, cue_features([text])[0], strict=True))


def test_normalize_text_maps_digits_and_whitespace():
    assert normalize_text("  0.25 mmol\n\tCdO  at 280 °C ") == "0.00 mmol cdo at 000 °c"


def test_cue_features_shape_and_range():
    X = cue_features([PROCEDURE, RESULT, ""])
    assert X.shape == (3, len(CUE_FEATURE_NAMES))
    assert np.all(X >= 0) and np.all(X <= 3.0 + 1e-9)
    assert not X[2].any()  # an empty text has no cues at all


def test_procedure_cues_beat_result_cues():
    proc, res = _row(PROCEDURE), _row(RESULT)
    assert proc["amount:log_count"] > 0 and res["amount:log_count"] == 0
    assert proc["temperature:log_count"] > 0
    assert proc["sentences:procedure"] == 1.0 and proc["sentences:first_is_procedure"] == 1.0
    assert res["sentences:result"] == 1.0 and res["sentences:procedure"] == 0.0
    assert res["citation:log_count"] > 0 and res["discourse:log_count"] > proc["discourse:log_count"]


def test_caption_and_analytical_data_cues():
    caption = _row("Fig. 4 Raman spectra of the annealed samples.")
    nmr = _row("Yield, 58%; 1H NMR (500 MHz, DMSO-d6) δ 8.82 (d, J = 2.3 Hz, 1H), 2.41 (s, 3H) ppm.")
    assert caption["caption_opening"] == 1.0
    assert nmr["analytical_data:log_count"] >= np.log1p(4)
    assert nmr["instrument:log_count"] > 0
