"""Who may do what with notices. Townships and villages reach their place directly; a Notice
through its `village` (villages.rules.place_ids)."""

import rules

from villages.rules import (
    is_city_admin_of,
    is_district_admin_of,
    is_township_cadre_of,
    is_village_committee_of,
)

oversees = is_township_cadre_of | is_district_admin_of
# The city administrator reads what the district reads and sends nothing.
reads = oversees | is_city_admin_of

# The township's notices page, previews, failures, a village's channels: the township's
# cadres; the district administrator may look.
rules.add_perm("notices.view_township_notices", reads)
# Sending, resending, editing the template and the channels: the township's cadres only.
rules.add_perm("notices.send_notices", is_township_cadre_of)
rules.add_perm("notices.change_notice_settings", is_township_cadre_of)
# A notice: the village committee it went to (reading marks it read), and those above.
rules.add_perm("notices.view_notice", is_village_committee_of | reads)
rules.add_perm("notices.read_notice", is_village_committee_of)
