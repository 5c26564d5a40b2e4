"""Who may read the security event log: site administrators, and district administrators
(the events of their districts' accounts, see SecurityEvent.objects.visible_to)."""

import rules

from villages.models import Membership


@rules.predicate
def is_district_admin(user) -> bool:
    return bool(Membership.objects.scope_for(user).district_ids)


rules.add_perm("audit.view_security_events", rules.is_superuser | is_district_admin)
