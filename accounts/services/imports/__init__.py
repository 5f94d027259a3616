"""CSV import of accounts and contacts: validate the whole file, then write it all or nothing.

- ``reading``: the file's shape — size, encoding, CSV syntax, header, control characters;
- ``columns``: the column → parser table of each kind, read from the model fields;
- ``parsers``: the cell parsers those columns use (built from a field's type and limits);
- ``writing``: the bulk upserts of checked rows;
- ``service``: the use cases — ``import_start``, ``import_job_run``, ``import_rows``.
"""

from accounts.services.imports.columns import COLUMNS, REQUIRED, TABLES, Column
from accounts.services.imports.reading import (
    ImportRejected,
    ParsedFile,
    import_count_rows,
    import_decode,
    import_parse,
    import_size_check,
)
from accounts.services.imports.service import (
    TEMPLATE_ROWS,
    import_check_role,
    import_job_run,
    import_rows,
    import_start,
    import_template_csv,
    import_upload_read,
)
from accounts.services.imports.writing import ImportResult

__all__ = [
    "COLUMNS",
    "REQUIRED",
    "TABLES",
    "TEMPLATE_ROWS",
    "Column",
    "ImportRejected",
    "ImportResult",
    "ParsedFile",
    "import_check_role",
    "import_count_rows",
    "import_decode",
    "import_job_run",
    "import_parse",
    "import_rows",
    "import_size_check",
    "import_start",
    "import_template_csv",
    "import_upload_read",
]
