"""Campaigns and their experiments (``campaign`` and ``experiment`` tables): every read and write.

The campaign runner (:mod:`nanosynth.lab.campaign`) commits each transition of an experiment at once, so each
function here works inside the caller's session and leaves committing to :func:`nanosynth.db.engine.session_scope`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from nanosynth.schema.enums import CampaignStatus
from nanosynth.schema.errors import DatabaseError
from nanosynth.schema.tables import Campaign, Experiment, utcnow

#: Statuses after which a campaign is over (``finished_at`` is set).
_FINAL = {CampaignStatus.DONE, CampaignStatus.STOPPED, CampaignStatus.FAILED}


def add_campaign(session: Session, values: dict[str, Any]) -> int:
    """Insert a campaign row from its column values; returns its id."""
    row = Campaign.model_validate(values)
    session.add(row)
    session.flush()
    return int(row.id)


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign row.

    Raises
    ------
    DatabaseError
        When the campaign does not exist.
    """
    camp = session.get(Campaign, campaign_id)
    if camp is None:
        raise DatabaseError(f"campaign {campaign_id} does not exist: list campaigns with 'nanosynth lab list'")
    return camp


def list_campaigns(session: Session) -> list[tuple[Campaign, int]]:
    """Every campaign with its number of experiments, by id."""
    counts = dict(session.execute(select(Experiment.campaign_id, func.count()).group_by(Experiment.campaign_id)).all())
    return [(camp, int(counts.get(camp.id, 0))) for camp in session.exec(select(Campaign).order_by(Campaign.id))]


def set_campaign_status(session: Session, campaign_id: int, status: CampaignStatus, note: str | None = None) -> None:
    """Change a campaign's status (with a note kept in its config); final statuses set ``finished_at``."""
    camp = get_campaign(session, campaign_id)
    camp.status = status.value
    if note:
        camp.config = {**camp.config, "last_note": note}
    if status in _FINAL:
        camp.finished_at = utcnow()
    session.add(camp)


def set_campaign_config(session: Session, campaign_id: int, config: dict[str, Any]) -> None:
    """Replace a campaign's stored settings (e.g. a budget extended on resume)."""
    camp = get_campaign(session, campaign_id)
    camp.config = config
    session.add(camp)


def list_experiments(session: Session, campaign_id: int, status: str | None = None) -> list[Experiment]:
    """The experiments of a campaign (only those in ``status`` when given), by sequence number."""
    stmt = select(Experiment).where(Experiment.campaign_id == campaign_id)
    if status is not None:
        stmt = stmt.where(Experiment.status == status)
    return list(session.exec(stmt.order_by(Experiment.seq)).all())


def add_experiments(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert planned experiments from their column values."""
    for values in rows:
        session.add(Experiment.model_validate(values))
    session.flush()


def update_experiment(session: Session, experiment_id: int, **values: Any) -> Experiment:
    """Set columns of one experiment; returns the refreshed row."""
    exp = session.get(Experiment, experiment_id)
    if exp is None:
        raise DatabaseError(f"experiment {experiment_id} does not exist")
    for key, value in values.items():
        setattr(exp, key, value)
    session.add(exp)
    session.flush()
    session.refresh(exp)
    return exp
