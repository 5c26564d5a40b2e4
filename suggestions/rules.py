"""Who may read and answer suggestions. Name and phone are private: only the village's
committee, its township and district see the inbox and the detail page (not reviewers); the
city administrator reads what the district reads, read-only (`reads`, never in a write rule)."""

import rules

from villages.rules import (
    is_city_admin_of,
    is_district_admin_of,
    is_township_cadre_of,
    is_village_committee_of,
)

oversees = is_township_cadre_of | is_district_admin_of
works_here = is_village_committee_of | is_township_cadre_of
reads = oversees | is_city_admin_of

# The committee answers its own village's; the township and district oversee.
rules.add_perm("suggestions.view_suggestion", reads | is_village_committee_of)
rules.add_perm("suggestions.answer_suggestion", works_here)
rules.add_perm("suggestions.record_suggestions", works_here)
rules.add_perm("suggestions.view_suggestion_backlog", reads)
# A township's standard replies: the township keeps them, its village committees use them.
rules.add_perm("suggestions.change_reply_templates", is_township_cadre_of)
# The candidate pool: the committee drafts from it; the township and district read it (with
# the reasons for what was not chosen); reviewers and the public see only the published
# board's "also asked for".
rules.add_perm("suggestions.view_candidates", reads | is_village_committee_of)
rules.add_perm("suggestions.change_candidates", is_village_committee_of)
