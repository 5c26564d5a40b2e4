"""Who may move pledge lists in and out as Excel files."""

import rules

from villages.rules import is_township_cadre_of, is_village_committee_of

# A township's cadres import their villages' lists (the district through the admin).
rules.add_perm("imports.import_pledge_lists", is_township_cadre_of)
# Exports of a place: anyone who may view it; residents' names and phones only for the
# village's committee and its township.
rules.add_perm("imports.export_private_suggestions", is_township_cadre_of | is_village_committee_of)
