"""Pledge lists and what happens to them: pledge → fulfil (the township reviews, the village
reports progress, the township verifies and strikes off).

State changes live on the models (`PledgeList.approve`, `Project.verify`); writes that touch
several models live in `services.py`. Every model keeps its full history. One module per part
of the year: lists.py (the list and its items), progress.py (what the village reports),
follow_up.py (change requests and problems passed up), decision.py (how the village
decided its list: the 4+2 meetings), opening.py (the district opening a
year for every village).
"""

from .decision import DecisionMeeting, DecisionRecord
from .follow_up import ChangeRequest, Escalation
from .lists import PROJECT_STATES, UNITS, Category, PledgeList, Prohibition, Project
from .opening import OpenYearJob
from .progress import Photo, ProgressUpdate

__all__ = [
    "PROJECT_STATES",
    "UNITS",
    "Category",
    "ChangeRequest",
    "DecisionMeeting",
    "DecisionRecord",
    "Escalation",
    "OpenYearJob",
    "Photo",
    "PledgeList",
    "ProgressUpdate",
    "Prohibition",
    "Project",
]
