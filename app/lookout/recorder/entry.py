"""Entry point of the recorder process, kept light on purpose.

The engine must reference this function to spawn the recorder, and importing
the recorder proper would load Presidio and spaCy (seconds, and ~80 MB) into
the engine process too. So the heavy import happens here, in the child only.
"""

from __future__ import annotations

from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event

from lookout.core.config import Config


def recorder_main(conn: Connection, config: Config, hurry: Event) -> None:
    """Run the recorder until told to stop or until the engine goes away."""
    from lookout.recorder.process import run_recorder

    run_recorder(conn, config, hurry)
