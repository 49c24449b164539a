"""Run the explorer: open the database (nothing is created), serve it with uvicorn on loopback by default."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

#: Default address: loopback only (other machines cannot connect unless ``--host`` says so).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def serve(url: str | None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          on_ready=None) -> None:
    """Serve the explorer on the database at ``url`` until interrupted (Ctrl-C).

    Parameters
    ----------
    url:
        Database URL (as resolved by the settings); opened with :func:`nanosynth.db.engine.open_database`.
    host, port:
        Where to listen (loopback by default).
    on_ready:
        Called with the base URL once the database is open, before serving (the CLI prints it).

    Raises
    ------
    DatabaseError
        When the database does not exist or is not migrated (before anything listens).
    """
    import uvicorn

    from nanosynth.db.engine import open_database
    from nanosynth.web.app import create_app

    engine = open_database(url)
    try:
        app = create_app(engine)
        if on_ready is not None:
            on_ready(f"http://{host}:{port}/")
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        engine.dispose()
