"""Persistence in ``<data dir>/lookout.db``: SQLite via sqlite-utils, one writer, many readers.

* :mod:`~lookout.store.db`: opening the file (permissions, pragmas, writer vs read-only reader);
* :mod:`~lookout.store.schema`: numbered migrations;
* :mod:`~lookout.store.writer`: the recorder's batched writer;
* :mod:`~lookout.store.retention`: age and size limits;
* :mod:`~lookout.store.queries`: reads for the CLI, the app and reports;
* :mod:`~lookout.store.export`: streaming CSV / JSON Lines export.
"""
