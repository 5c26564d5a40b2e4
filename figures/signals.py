"""What the figures app tells the apps above. Sent with `lib.signals.announce`, once the
transaction commits."""

from django.dispatch import Signal

# The daily recount changed the overdue counts of these villages' rows: a page built from
# them earlier (the board's cached pages) shows yesterday's count. Arguments: village_ids.
overdue_recounted = Signal()
