"""Per-document limits of an ingestion job: size, time, attempts, and inflated size of one PDF stream.

They are settings (the ``[ingest]`` table of ``nanosynth.toml``, or ``NANOSYNTH_INGEST__<NAME>`` environment
variables), passed to :func:`nanosynth.ingest.run_ingest` as one :class:`DocumentLimits` and recorded in the job
summary.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MB = 1024 * 1024


class DocumentLimits(BaseModel):
    """Limits applied to every document of an ingestion job (the ``[ingest]`` table of ``nanosynth.toml``).

    Attributes
    ----------
    max_file_mb:
        Larger files are refused unread and recorded failed (a 4 MB text already takes minutes to extract).
    time_limit_s:
        A document still being extracted after this long is stopped in its worker and recorded failed
        ("timed out after N s"); the job goes on.
    max_attempts:
        A document whose worker died (crash, memory, hang) is retried alone, and a document left ``running`` by
        a dead run is re-queued by the next run, at most this many times in all; then it is recorded failed.
    pdf_stream_mb:
        Largest inflated size of one PDF stream; a decompression bomb is refused once it reaches this size,
        never inflated in full.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_file_mb: float = Field(default=50.0, gt=0)
    time_limit_s: float = Field(default=600.0, gt=0)
    max_attempts: int = Field(default=3, ge=1)
    pdf_stream_mb: float = Field(default=128.0, gt=0)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MB)

    @property
    def pdf_stream_bytes(self) -> int:
        return int(self.pdf_stream_mb * MB)

    def describe(self) -> str:
        """One line for logs and summaries."""
        return (f"max_file_mb={self.max_file_mb:g}, time_limit_s={self.time_limit_s:g}, "
                f"max_attempts={self.max_attempts}, pdf_stream_mb={self.pdf_stream_mb:g}")


def setting_hint(name: str) -> str:
    """How to raise one limit: the TOML key and the environment variable."""
    return f"raise [ingest] {name} in nanosynth.toml or NANOSYNTH_INGEST__{name.upper()}"
