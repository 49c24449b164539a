"""ingestion record per source

Every input source gets its own ingestion record: two files with identical bytes used to share one record (unique
on content hash and pipeline version), so the second file had no record and ``ingest status`` did not show it.
Records are now unique on (content hash, source, pipeline version); the second file is recorded ``duplicate``,
pointing at the paper stored once for the first. Downgrading keeps the oldest record of each (content hash,
pipeline version) and deletes the others (the ``duplicate`` records), since the old constraint allows one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ingestion_record', schema=None) as batch_op:
        batch_op.drop_constraint('uq_ingestion_doc_version', type_='unique')
        batch_op.create_unique_constraint('uq_ingestion_doc_source_version',
                                          ['content_hash', 'source', 'pipeline_version'])


def downgrade() -> None:
    op.execute(sa.text(
        "DELETE FROM ingestion_record WHERE id NOT IN (SELECT min(id) FROM ingestion_record "
        "GROUP BY content_hash, pipeline_version)"))
    with op.batch_alter_table('ingestion_record', schema=None) as batch_op:
        batch_op.drop_constraint('uq_ingestion_doc_source_version', type_='unique')
        batch_op.create_unique_constraint('uq_ingestion_doc_version', ['content_hash', 'pipeline_version'])
