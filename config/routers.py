"""The database router, installed only with DATABASE_REPLICA_URL (settings.py).

Every write, and every read that board/replica.py does not hand to the replica, goes to the
primary ("default"). The board decides which of its reads may go to the replica and when
(board/replica.py says why that keeps cached pages as new as their data stamps); this only
wires that into Django.
"""

from board import replica


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return replica.alias_for_read()

    def db_for_write(self, model, **hints):
        return None  # the primary

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A standby is read-only: it gets the schema by streaming.
        return False if db == replica.ALIAS else None
