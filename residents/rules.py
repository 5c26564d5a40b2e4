"""Who may see and decide residents' challenges and reports.

A report of a broken prohibition goes to the township, never to the village committee it may
be about: the committee sees only what the board shows. Contacts are for the township."""

import rules

from villages.rules import (
    is_city_admin_of,
    is_district_admin_of,
    is_township_cadre_of,
    is_village_committee_of,
)

oversees = is_township_cadre_of | is_district_admin_of
# The city administrator reads what the district reads and decides nothing.
reads = oversees | is_city_admin_of

# Challenges: the township decides; the committee may read the ones about its projects.
rules.add_perm("residents.view_challenge", reads | is_village_committee_of)
rules.add_perm("residents.decide_challenge", is_township_cadre_of)
# Reports: the township only.
rules.add_perm("residents.view_report", reads)
rules.add_perm("residents.decide_report", is_township_cadre_of)
# The resident's contact on either.
rules.add_perm("residents.see_contact", reads)
