"""How the demo writes rows: a few hundred villages at a time, in batched INSERTs, so
`seed_demo --villages 30000` stays within minutes and bounded memory.

Rows with history get their first history row as save() would have written it
(django-simple-history's `bulk_create_with_history`); ballot ratings, which are many and have
no history, go in as plain INSERTs.
"""

from collections.abc import Iterator

from django.db import connection, models, reset_queries
from simple_history.utils import bulk_create_with_history

CHUNK = 500  # villages per round: memory stays flat at any --villages
BATCH = 1000  # rows per INSERT: well under PostgreSQL's 65,535 parameters per query
CHANGE_REASON = "演示数据"


def in_chunks(rows: list) -> Iterator[list]:
    """`rows` a CHUNK at a time, forgetting each round's SQL once it is done."""
    for first in range(0, len(rows), CHUNK):
        yield rows[first : first + CHUNK]
        reset_queries()  # with DEBUG on, Django keeps every INSERT's SQL until told not to


def create_with_history(objs: list, model: type[models.Model]) -> list:
    """The rows and the first history row of each, as save() would have written it."""
    return bulk_create_with_history(
        objs, model, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )


def insert(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """Plain INSERTs for the millions of ratings of a province-sized seed: about five times
    faster than bulk_create, which builds a model instance per row and reads back ids that
    nothing here needs. Only for rows with no history and no save() logic to skip."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        for first in range(0, len(rows), 10 * BATCH):
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", rows[first : first + 10 * BATCH]
            )
