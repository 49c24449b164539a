"""recipe simulated flag

Recipes made by the reactor's digital twin are marked (``recipe.simulated``) so that queries leave them out
unless asked for. Existing campaign recipes whose campaign ran on the built-in simulated adapter (or whose notes
name the twin) are marked on upgrade; every other row keeps false.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_TWIN_RECIPES = sa.text(
    "UPDATE recipe SET simulated = :yes WHERE source_kind = 'campaign' AND ("
    " notes LIKE 'run on nanosynth digital twin%' OR experiment_id IN ("
    "  SELECT experiment.id FROM experiment JOIN campaign ON campaign.id = experiment.campaign_id"
    "  WHERE campaign.adapter LIKE '%adapters.simulated:%'))"
)


def upgrade() -> None:
    with op.batch_alter_table('recipe', schema=None) as batch_op:
        batch_op.add_column(sa.Column('simulated', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.get_bind().execute(_TWIN_RECIPES.bindparams(yes=True))


def downgrade() -> None:
    with op.batch_alter_table('recipe', schema=None) as batch_op:
        batch_op.drop_column('simulated')
