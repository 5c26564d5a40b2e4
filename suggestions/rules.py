"""Who may read and answer suggestions. Name and phone are private: only the village's
committee, its township and district see the inbox and the detail page (not reviewers)."""

import rules

from villages.rules import is_district_admin_of, is_township_cadre_of, is_village_committee_of

oversees = is_township_cadre_of | is_district_admin_of
works_here = is_village_committee_of | is_township_cadre_of

# The committee answers its own village's; the township and district oversee.
rules.add_perm("suggestions.view_suggestion", oversees | is_village_committee_of)
rules.add_perm("suggestions.answer_suggestion", works_here)
rules.add_perm("suggestions.record_suggestions", works_here)
rules.add_perm("suggestions.view_suggestion_backlog", oversees)
# A township's standard replies: the township keeps them, its village committees use them.
rules.add_perm("suggestions.change_reply_templates", is_township_cadre_of)
