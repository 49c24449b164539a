"""A small database for the query, provenance, API and explorer tests, written by the tests themselves.

One paper (DOI 10.1000/xmpl.1) is both mined (two paragraphs, every value with its span) and in a curated dataset;
a second curated recipe (PbS) has no mined twin; a campaign on the digital twin added one simulated CdSe recipe.
"""

from __future__ import annotations

from nanosynth.db.campaigns import add_campaign, add_experiments, list_experiments
from nanosynth.db.engine import session_scope
from nanosynth.db.write import add_recipes, write_document
from nanosynth.lab.records import experiment_recipe
from nanosynth.schema.records import PaperCreate, RecipeCreate

DOI = "10.1000/xmpl.1"
PROCEDURE = ("CdSe nanocrystals were made by hot injection. CdO (0.2 mmol) and oleic acid (1.2 mmol) in ODE "
             "(8 mL) were heated to 300 °C. Se in TOP was injected and the dots grew at 260 °C for 5 min.")
RESULTS = "The CdSe dots are 3.9 nm across. They absorb at 560 nm."
MINED_TEMPERATURE = "260 °C"


def _span(text: str, value: str, order: int, confidence: float = 0.9) -> dict:
    start = text.index(value)
    return {"paragraph_order": order, "char_start": start, "char_end": start + len(value),
            "extractor": "test-miner@1", "confidence": confidence, "citation": DOI}


def mined_records() -> tuple[PaperCreate, list[RecipeCreate]]:
    """The mined paper and its one recipe, every value pointing at its span."""
    paper = PaperCreate(key=f"doi:{DOI}", doi=DOI, title="CdSe dots for tests", source_kind="text", paragraphs=[
        {"order": 0, "section": "Experimental", "section_type": "experimental", "text": PROCEDURE},
        {"order": 1, "section": "Results", "section_type": "results", "text": RESULTS}])
    recipe = RecipeCreate.model_validate({
        "source_key": f"doi:{DOI}#0", "source_kind": "literature", "paper_key": f"doi:{DOI}", "method": "hot_injection",
        "target_composition": "CdSe",
        "chemicals": [{"name_raw": "CdO", "role": "cation_precursor", "amount_raw": "0.2 mmol", "amount_value": 0.2,
                       "amount_unit": "mmol", "amount_mmol": 0.2, "provenance": _span(PROCEDURE, "0.2 mmol", 0)},
                      {"name_raw": "oleic acid", "role": "ligand", "amount_raw": "1.2 mmol", "amount_value": 1.2,
                       "amount_unit": "mmol", "amount_mmol": 1.2, "provenance": _span(PROCEDURE, "1.2 mmol", 0)}],
        "steps": [{"order": 0, "action": "grow", "temperature_c": 260.0, "time_s": 300.0,
                   "provenance": _span(PROCEDURE, MINED_TEMPERATURE, 0, 0.8)}],
        "outcomes": [{"property": "size_nm", "value": 3.9, "value_raw": "3.9 nm", "method": "TEM",
                      "provenance": _span(RESULTS, "3.9 nm", 1)},
                     {"property": "abs_peak_nm", "value": 560.0, "value_raw": "560 nm",
                      "provenance": _span(RESULTS, "560 nm", 1)}]})
    return paper, [recipe]


def curated_records() -> list[RecipeCreate]:
    """Two curated rows: the mined paper's recipe as a curator wrote it, and a PbS recipe of another paper."""
    def row(n: int, doi: str, comp: str, temp: float, minutes: float, size: float, ligand: str,
            extra_steps: tuple = (), extra_outcomes: tuple = ()) -> RecipeCreate:
        return RecipeCreate.model_validate({
            "source_key": f"xmpl-curated:{n}", "source_kind": "curated_dataset", "dataset": "xmpl-curated",
            "paper": {"key": f"doi:{doi}", "doi": doi, "source_kind": "dataset_citation", "citation": doi},
            "paper_key": f"doi:{doi}", "method": "hot_injection", "target_composition": comp,
            "provenance": {"extractor": "xmpl-importer@1", "dataset": "xmpl-curated", "row_number": n,
                           "confidence": 1.0, "citation": doi},
            "chemicals": [{"name_raw": ligand, "role": "ligand", "amount_raw": "1 mmol", "amount_value": 1.0,
                           "amount_unit": "mmol", "amount_mmol": 1.0}],
            "steps": [*extra_steps, {"order": len(extra_steps), "action": "grow", "temperature_c": temp,
                                     "time_s": minutes * 60}],
            "outcomes": [{"property": "size_nm", "value": size}, *extra_outcomes]})
    # agrees on growth temperature (±5 °C), time and size (±10 %); absorption peak 575 vs 560 nm disagrees;
    # the injection temperature was not mined
    return [row(1, DOI, "CdSe", 262.0, 5.0, 4.1, "oleic acid",
                extra_steps=({"order": 0, "action": "inject", "temperature_c": 300.0},),
                extra_outcomes=({"property": "abs_peak_nm", "value": 575.0},)),
            row(2, "10.1000/xmpl.2", "PbS", 120.0, 1.0, 6.5, "oleylamine")]


def simulated_campaign(session) -> int:
    """A campaign on the digital twin with two finished experiments; the first has its (simulated) recipe."""
    cid = add_campaign(session, {"name": "twin test", "status": "done",
                                 "adapter": "nanosynth.lab.adapters.simulated:SimulatedReactor",
                                 "target": {"targets": {"abs_peak_nm": 550.0}, "tolerance": 3.0, "minimize": []}})
    params = {"temperature_c": 250.0, "cd_mm": 10.0, "se_mm": 10.0, "oa_cd_ratio": 5.0, "time_s": 120.0}
    add_experiments(session, [
        {"campaign_id": cid, "seq": seq, "status": "done", "parameters": params,
         "predicted": {"outcomes": {"abs_peak_nm": {"mean": peak - 4, "std": 2.0}}, "source": "prior_seed"},
         "result": {"status": "done", "outcomes": {"abs_peak_nm": peak}}}
        for seq, peak in ((0, 540.0), (1, 549.0))])
    exp = list_experiments(session, cid)[0]
    rec = experiment_recipe(cid, exp.seq, exp.id, params, {"abs_peak_nm": 540.0, "size_nm": 3.4},
                            "nanosynth digital twin", simulated=True)
    add_recipes(session, [rec])
    return cid


def fill(engine) -> dict:
    """Write the whole test database; returns the ids a test needs."""
    paper, mined = mined_records()
    with session_scope(engine) as s:
        write_document(s, paper, mined)
    with session_scope(engine) as s:
        add_recipes(s, curated_records())
        campaign_id = simulated_campaign(s)
    from sqlalchemy import text

    with engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT source_key, id FROM recipe")).all())
    return {"mined": ids[f"doi:{DOI}#0"], "curated": ids["xmpl-curated:1"], "pbs": ids["xmpl-curated:2"],
            "simulated": ids[f"campaign:{campaign_id}:exp0"], "campaign": campaign_id}
