"""The residents' layer of the demo: standard replies for the demo district's townships, and in
龙江村 a challenge answered and one open, a prohibition found broken and a report waiting, and
a follower. Small on purpose: it shows each flow once, written out rather than drawn."""

from django.utils import timezone

from pledges.models import PledgeList, Project
from residents.models import Challenge, Follow, ViolationReport
from suggestions.models import ReplyTemplate
from villages.models import Township, Village

REPLIES = [
    ("纳入明年清单", "您的建议很好，已纳入明年的民生实事清单，届时将在公示栏公布。"),
    ("已转交乡镇", "此事需要乡镇统筹解决，已转交镇里办理，办理结果将另行答复。"),
    ("政策不允许", "经研究，此事不符合现行政策规定，暂不能办理，感谢您的关心。"),
]


def seed(*, year: int) -> str | None:
    """Returns the line to print, or None when it wrote nothing for 龙江村: no such village,
    a second run (standard replies already there), or no published list for `year` (then it
    writes only the standard replies)."""
    village = Village.objects.filter(name="龙江村").select_related("township").first()
    if village is None or ReplyTemplate.objects.exists():
        return None
    townships = Township.objects.filter(district=village.township.district_id)
    ReplyTemplate.objects.bulk_create(
        ReplyTemplate(township=township, title=title, text=text)
        for township in townships
        for title, text in REPLIES
    )
    pledge_list = PledgeList.objects.published().filter(village=village, year=year).first()
    if pledge_list is None:
        return None
    now = timezone.now()
    verified = list(pledge_list.projects.filter(status=Project.Status.VERIFIED)[:2])
    if verified:
        Challenge.objects.create(
            project=verified[0],
            text="路灯装了，但是有三盏晚上不亮。",
            status=Challenge.Status.DISMISSED,
            answer="经现场核查，三盏路灯为光控开关故障，已于次日修复，项目确已完成。",
            decided_at=now,
        )
    if len(verified) > 1:
        Challenge.objects.create(
            project=verified[1],
            text="工程还没有验收，现场还有施工材料。",
            contact="13800000001",
        )
    prohibitions = list(pledge_list.prohibitions.order_by("number")[:3])
    if len(prohibitions) == 3:
        ViolationReport.objects.create(
            prohibition=prohibitions[1],
            text="村里的小工程没有公开招标就直接给了熟人。",
            status=ViolationReport.Status.CONFIRMED,
            answer="经镇纪委核查属实，已责令重新公开比选，并对相关人员批评教育。",
            decided_at=now,
        )
        ViolationReport.objects.create(
            prohibition=prohibitions[2],
            text="听说有人拿集体的钱请客吃饭。",
            contact="13800000002",
        )
    Follow.objects.create(village=village, channel=Follow.Channel.SMS, address="13800000003")
    return "Residents: standard replies, 2 challenges, 2 reports, 1 follower."
