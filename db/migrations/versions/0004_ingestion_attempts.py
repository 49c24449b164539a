"""ingestion attempts

Each ingestion record counts the consecutive runs that claimed its document without finishing it (the process
died or was killed while extracting it), so that a document that keeps killing or hanging its worker is recorded
failed after ``[ingest] max_attempts`` instead of being re-queued forever. Existing rows start at 0.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ingestion_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('ingestion_record', schema=None) as batch_op:
        batch_op.drop_column('attempts')
