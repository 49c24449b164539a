"""paragraph section type

Stored paragraphs keep the coarse type of their section (experimental, results, ...), so a paper re-extracted
from the database groups its recipes as the first extraction from the file did. Rows written before this
revision keep NULL (re-ingest those papers to fill it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('paragraph', schema=None) as batch_op:
        batch_op.add_column(sa.Column('section_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('paragraph', schema=None) as batch_op:
        batch_op.drop_column('section_type')
