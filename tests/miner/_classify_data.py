"""A tiny, hand-written labelled-paragraph dataset for the paragraph-classifier tests (three papers)."""

from __future__ import annotations

import json
from pathlib import Path

SYNTHESIS = [
    "CdO (0.2 mmol), oleic acid (0.8 mmol) and 1-octadecene (10 mL) were degassed at 100 °C for 30 min and heated "
    "to 280 °C under argon. TOP-Se (1 M, 1 mL) was swiftly injected and the mixture was kept at 260 °C for 3 min.",
    "Gold seeds were prepared by adding 0.25 mL of 10 mM HAuCl4 to 10 mL of 0.1 M CTAB, followed by 0.6 mL of "
    "ice-cold 10 mM NaBH4 under vigorous stirring. The solution was kept at 27 °C for 2 h before use.",
    "PbO (0.9 g) was dissolved in oleic acid (3 mL) and ODE (20 mL) at 150 °C under vacuum for 1 h. Then (TMS)2S "
    "(0.2 mL) in ODE (10 mL) was injected at 120 °C and the flask was cooled in a water bath.",
    "All chemicals were purchased from Sigma-Aldrich and used as received without further purification: cadmium "
    "oxide (99.99%), selenium powder (99.99%), oleic acid (90%) and 1-octadecene (90%).",
    "The nanocrystals were precipitated with ethanol (20 mL), centrifuged at 6000 rpm for 5 min, washed twice "
    "with acetone and redispersed in hexane (5 mL). The product was dried under vacuum at 60 °C overnight.",
    "AgNO3 (0.1 mmol) and PVP (0.5 g) were dissolved in ethylene glycol (10 mL) and heated to 160 °C for 1 h; "
    "the resulting silver nanocubes were collected by centrifugation and washed with water.",
]
CHARACTERIZATION = [
    "Transmission electron microscopy (TEM) images were recorded on a JEOL 2100 microscope operating at 200 kV. "
    "Samples were prepared by drop-casting a dilute hexane dispersion onto carbon-coated copper grids.",
    "UV-vis absorption spectra were measured with a Cary 5000 spectrophotometer and photoluminescence spectra "
    "with a Horiba Fluorolog spectrometer using 400 nm excitation.",
    "Powder X-ray diffraction patterns were collected on a Bruker D8 Advance diffractometer with Cu Kα radiation "
    "(λ = 0.154 nm) at 40 kV and 40 mA, scanning 2θ from 20° to 80°.",
    "X-ray photoelectron spectroscopy was performed on a Thermo ESCALAB 250 instrument with monochromatic Al Kα "
    "radiation; binding energies were calibrated to the C 1s peak at 284.8 eV.",
    "Dynamic light scattering measurements were carried out on a Malvern Zetasizer at 25 °C; each sample was "
    "measured three times and the hydrodynamic diameters were averaged.",
    "Thermogravimetric analysis was recorded on a TA Instruments Q600 analyzer under nitrogen at a heating rate "
    "of 10 °C min−1 from room temperature to 800 °C.",
]
OTHER = [
    "Colloidal quantum dots have attracted wide interest because their optical properties can be tuned by size, "
    "which makes them attractive for light-emitting diodes, lasers and biological imaging.",
    "As shown in Fig. 2, the first excitonic peak shifts to longer wavelength as the particles grow, which "
    "indicates quantum confinement; the narrow width suggests a narrow size distribution.",
    "In conclusion, we have demonstrated a simple route to monodisperse nanocrystals whose emission can be "
    "tuned across the visible range; future work will address their stability.",
    "Fig. 3 TEM images of the nanocrystals obtained after (a) 1 min, (b) 5 min and (c) 10 min of growth.",
    "The results indicate that the ligand density controls the growth rate, in agreement with previous reports "
    "on the role of oleic acid in the nucleation of CdSe (ref. 12).",
    "Density functional theory calculations were used to model the binding energy of the ligands on the "
    "facets; the computed energies are compared with experiment in Table 2.",
]


def rows() -> list[dict]:
    """18 labelled paragraphs spread over three papers (each paper holds every label)."""
    out = []
    for label, texts in (("synthesis", SYNTHESIS), ("characterization", CHARACTERIZATION), ("other", OTHER)):
        for i, text in enumerate(texts):
            out.append({"id": f"{label}-{i}", "doc": f"paper-{i % 3}", "section": None, "text": text,
                        "label": label})
    return out


def write_jsonl(path: Path, records: list[dict] | None = None) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in (records or rows())), encoding="utf-8")
    return path
