"""The Python API: ``nanosynth.open`` (the database as DataFrames) and ``nanosynth.extract`` (papers → recipes).

>>> import nanosynth
>>> db = nanosynth.open()                                                   # doctest: +SKIP
>>> cdse = db.recipes(composition="CdSe", size_nm=(3, 5), source="literature")  # doctest: +SKIP
>>> db.provenance(int(cdse.recipe_id[0]))[["field", "value", "unit", "sentence"]]  # doctest: +SKIP
>>> db.values(source="mined", field="temperature")[["field", "value", "sentence"]]  # doctest: +SKIP

The database is found as the CLI finds it (``NANOSYNTH_DATABASE_URL``, ``nanosynth.toml``, else
``./nanosynth.db``) and opened only if it exists and is migrated: nothing is created.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from nanosynth.schema.enums import OutcomeProperty

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

Range = tuple[float | None, float | None]
_PROPERTIES = {p.value for p in OutcomeProperty}


class Database:
    """An open nanosynth database; every query returns a pandas DataFrame.

    Use :func:`open` to get one; ``close()`` (or a ``with`` block) releases its connections.
    """

    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"nanosynth.Database({self.url!r})"

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def filter(self, *, composition: str | Sequence[str] | None = None, method: str | None = None,
               source: str | Sequence[str] | None = None, include: Sequence[str] = (),
               dataset: str | Sequence[str] | None = None, chemical: str | None = None, role: str | None = None,
               limit: int | None = None, **ranges: Range):
        """The :class:`~nanosynth.db.queries.RecipeFilter` of :meth:`recipes` (same arguments)."""
        from nanosynth.db.queries import RecipeFilter
        from nanosynth.schema.errors import NanosynthError

        unknown = sorted(set(ranges) - _PROPERTIES)
        if unknown:
            raise NanosynthError(f"unknown range {unknown}: ranges are outcome properties "
                                 f"({', '.join(sorted(_PROPERTIES))}), e.g. size_nm=(3, 5)")
        return RecipeFilter(composition=composition, method=method, source=source, include=tuple(include),
                            dataset=dataset, chemical=chemical, role=role, limit=limit,
                            property_ranges={k: tuple(v) for k, v in ranges.items()})

    def recipes(self, *, composition: str | Sequence[str] | None = None, method: str | None = None,
                source: str | Sequence[str] | None = None, include: Sequence[str] = (),
                dataset: str | Sequence[str] | None = None, chemical: str | None = None, role: str | None = None,
                limit: int | None = None, **ranges: Range) -> pd.DataFrame:
        """One row per recipe; column names carry their unit (``growth_temperature_c``, ``size_nm``, ``time_s``).

        Parameters
        ----------
        composition, method, dataset:
            Keep recipes with this target composition / synthesis method / curated dataset.
        source:
            ``curated``, ``mined``, ``lab``, ``simulated`` or ``literature`` (curated and mined), or a list.
        include:
            ``("simulated",)`` to keep the digital twin's recipes, left out by default.
        chemical, role:
            A chemical name (substring) and optionally its role (``ligand``, ``precursor`` ...).
        **ranges:
            Outcome ranges, e.g. ``size_nm=(3, 5)``, ``abs_peak_nm=(500, None)``.

        Raises
        ------
        NanosynthError
            On an unknown source, inclusion or range name (the message lists the valid ones).
        """
        from nanosynth.db.engine import session_scope
        from nanosynth.db.queries import recipes_wide

        flt = self.filter(composition=composition, method=method, source=source, include=include,
                          dataset=dataset, chemical=chemical, role=role, limit=limit, **ranges)
        with session_scope(self.engine) as session:
            return recipes_wide(session, flt)

    def values(self, field: str | None = None, **filters: Any) -> pd.DataFrame:
        """Every value of the recipes matching ``filters`` (the arguments of :meth:`recipes`) with its evidence.

        ``field`` keeps values whose field name contains it (``"temperature"``, ``"size_nm"``, ``"ligand"``).
        Columns as in :meth:`provenance`, plus ``recipe_id`` and ``source``.
        """
        from nanosynth.db.engine import session_scope
        from nanosynth.db.provenance import provenance_frame

        with session_scope(self.engine) as session:
            frame = provenance_frame(session, self.filter(**filters))
        if field:
            frame = frame[frame["field"].str.contains(field, case=False, regex=False)].reset_index(drop=True)
        return frame

    def provenance(self, recipe_id: int) -> pd.DataFrame:
        """Every value of one recipe with its evidence, one row per value.

        Columns include ``field``, ``value``, ``unit``, ``doi``, ``section``, ``sentence``, ``span_start`` /
        ``span_end`` (offsets of the value in ``sentence``), ``extractor`` and ``confidence``; a curated value
        names its dataset and row (``curated_dataset``, ``row_number``) instead.

        Raises
        ------
        DatabaseError
            When there is no recipe with this id.
        """
        from nanosynth.db.engine import session_scope
        from nanosynth.db.provenance import recipe_provenance

        with session_scope(self.engine) as session:
            return recipe_provenance(session, int(recipe_id))


def open(url: str | None = None, *, config: Path | str | None = None) -> Database:  # noqa: A001 (nanosynth.open)
    """Open an existing, migrated nanosynth database.

    Parameters
    ----------
    url:
        SQLAlchemy URL; None resolves it as the CLI does (``NANOSYNTH_DATABASE_URL``, the ``database_url`` of
        ``nanosynth.toml`` or ``$NANOSYNTH_CONFIG``, else ``./nanosynth.db``).
    config:
        A TOML settings file to read instead of the default one.

    Raises
    ------
    DatabaseError
        When the database does not exist (nothing is created) or its schema is missing or outdated; the message
        names the command that fixes it.
    """
    from nanosynth.config import load_settings
    from nanosynth.db.engine import open_database

    resolved = url or load_settings(Path(config) if config else None).database_url
    return Database(open_database(resolved))


def extract(paths: Path | str | Iterable[Path | str], *, classifier_model: str = "default",
            ner_model: str | None = "fast") -> dict[str, Any] | list[dict[str, Any]]:
    """Recipes with evidence from paper files: the objects ``nanosynth extract --json`` prints.

    One path gives one dict (``{"source", "synthesis", "reason", "recipes": [...]}``); a list of paths gives a
    list of them, in order. The models are loaded once; no database is used.

    Raises
    ------
    ArtifactNotFoundError, ModelError, ConfigError
        When the models cannot be loaded.
    """
    from nanosynth.extraction import iter_extract
    from nanosynth.miner.pipeline import PipelineConfig

    single = isinstance(paths, str | Path)
    config = PipelineConfig(classifier_model=classifier_model,
                            ner_model=None if ner_model in (None, "none") else ner_model)
    docs = [doc.to_json() for doc in iter_extract([paths] if single else list(paths), config=config)]
    return docs[0] if single else docs
