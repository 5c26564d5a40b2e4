"""What happens to pledge lists that other apps react to. Apps above pledges connect to these
(residents tells followers, the board forgets its stamps); pledges never calls them."""

from django.dispatch import Signal

# A project was verified and struck off (销号); sent once the transaction commits.
# Arguments: project.
project_verified = Signal()

# Rows of these villages' lists were written without model signals (the Excel import in
# bulk mode, seeding, opening a year); sent at once, in the write's transaction if any.
# Arguments: village_ids (a list or a queryset of ids); years (optional: the only years
# written, when the sender knows them).
written_in_bulk = Signal()
