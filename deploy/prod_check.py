"""The flow deploy/prod-check drives through nginx once gunicorn, the worker and beat run.

Each step prints its name, its result and its time in seconds; the first failure stops the
run with a non-zero exit (deploy/prod-check then stops every process). Requests go through
nginx as a browser would (HTTPS, cookies, CSRF token from the page, Referer); the database is
read only to find what to ask for (the demo village's project) and to see that background
work was done. Not a pytest module: run by deploy/prod-check, which sets the environment.
"""

import datetime
import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_celery_beat.models import ClockedSchedule, PeriodicTask  # noqa: E402
from PIL import Image  # noqa: E402

from notices.models import Delivery, Notice, NoticeRun, period_of  # noqa: E402
from pledges.models import Photo, PledgeList, Project  # noqa: E402
from residents.models import ViolationReport  # noqa: E402
from suggestions.models import Suggestion  # noqa: E402
from villages.models import Membership, Village  # noqa: E402

WORK = Path(os.environ["PROD_CHECK_WORK"])
HTTPS = f"https://127.0.0.1:{os.environ['PROD_CHECK_HTTPS_PORT']}"
HTTP = f"http://127.0.0.1:{os.environ['PROD_CHECK_HTTP_PORT']}"
APP = f"http://127.0.0.1:{os.environ['PROD_CHECK_APP_PORT']}"  # gunicorn, behind nginx
CA = str(WORK / "ssl" / "fullchain.pem")
PASSWORD = "demo-pass-2026"  # demo/places.py
STRANGER = "127.0.0.2"  # another client: loopback answers every 127.x address


class _Fields(HTMLParser):
    """The hidden inputs of a page (the CSRF token, a form's one-time token)."""

    def __init__(self):
        super().__init__()
        self.hidden = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.hidden[attrs["name"]] = attrs.get("value") or ""


class _From(HTTPAdapter):
    """Connections from another local address, as another client would come."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def browser(address: str = "127.0.0.1") -> requests.Session:
    session = requests.Session()
    session.verify = CA
    session.trust_env = False  # REQUESTS_CA_BUNDLE and proxies of the environment: not here
    session.headers["User-Agent"] = "prod-check"
    if address != "127.0.0.1":
        session.mount("https://", _From(address))
    return session


def submit(session, path: str, data: dict, files=None, headers=None, page=None):
    """GET the form's page, POST `data` with its hidden fields, as a browser: no redirects
    followed."""
    page_url = HTTPS + (page or path)
    got = session.get(page_url)
    assert got.status_code == 200, f"GET {page or path}: {got.status_code}"
    fields = _Fields()
    fields.feed(got.text)
    headers = {"Referer": page_url, **(headers or {})}
    return session.post(
        HTTPS + path,
        data={**fields.hidden, **data},
        files=files,
        headers=headers,
        allow_redirects=False,
    )


def log_in(username: str, address: str = "127.0.0.1") -> requests.Session:
    session = browser(address)
    answer = submit(session, "/accounts/login/", {"username": username, "password": PASSWORD})
    assert answer.status_code == 302, f"log-in of {username}: {answer.status_code}"
    return session


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def wait_for(what: str, check: Callable[[], bool], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {seconds:.0f} s")


def spoofed(address: str) -> dict:
    """Headers a client may send to pass for someone else: nginx must overwrite them."""
    return {"X-Real-IP": address, "X-Forwarded-For": address}


# --- what the steps share ---
demo = {}


def _demo() -> None:
    membership = Membership.objects.select_related("village__township").get(
        user__username="village", role=Membership.Role.VILLAGE_COMMITTEE
    )
    demo["village"] = village = membership.village
    demo["list"] = PledgeList.objects.get(
        village=village, year=timezone.localdate().year, status=PledgeList.Status.PUBLISHED
    )


# --- the steps ---


def healthz_plain_http():
    answer = browser().get(f"{HTTP}/healthz/", timeout=10)
    assert answer.status_code == 200, answer.status_code
    body = answer.json()
    assert body["status"] == "ok" and set(body["checks"].values()) == {"ok"}, body


def http_moves_to_https():
    answer = browser().get(f"{HTTP}/board/", allow_redirects=False, timeout=10)
    assert answer.status_code == 301, answer.status_code
    assert answer.headers["Location"] == "https://127.0.0.1/board/", answer.headers["Location"]


def board_and_static_file():
    session = browser()
    page = session.get(f"{HTTPS}/board/")
    assert page.status_code == 200, page.status_code
    assert "max-age=31536000" in page.headers.get("Strict-Transport-Security", ""), page.headers
    styles = re.findall(r'href="(/static/[^"]+\.css)"', page.text)
    assert styles, "no stylesheet on the board"
    assert re.search(r"\.[0-9a-f]{12}\.css$", styles[0]), f"not a hashed name: {styles[0]}"
    css = session.get(HTTPS + styles[0], headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200, css.status_code
    cache = css.headers.get("Cache-Control", "")
    assert "immutable" in cache and "max-age=315360000" in cache, cache
    assert css.headers.get("Expires", "").endswith("2037 23:55:55 GMT"), css.headers
    assert css.headers.get("Content-Encoding") == "gzip", css.headers
    return f"{styles[0]} · {cache}"


def suggestion_csrf_and_address_limit():
    path = f"/suggest/{demo['village'].code}/"
    before = Suggestion.objects.count()
    without_token = browser().post(
        HTTPS + path, data={"text": "没有令牌的建议"}, headers={"Referer": HTTPS + path}
    )
    assert without_token.status_code == 403, f"no CSRF token: {without_token.status_code}"
    data = {"text": "建议在村口安装路灯，晚上太黑。", "category": "other"}
    # SUGGESTION_ADDRESS_RATE=3/h (deploy/prod-check): three new browsers from one address,
    # each claiming another address in X-Real-IP and X-Forwarded-For...
    for number in range(3):
        sent = submit(browser(), path, data, headers=spoofed(f"10.9.8.{number}"))
        assert sent.status_code == 302, f"suggestion {number + 1}: {sent.status_code}"
        assert "/suggest/thanks/" in sent.headers["Location"], sent.headers["Location"]
    # ...and the fourth is refused: the limit counted nginx's address, not the client's.
    fourth = submit(browser(), path, data, headers=spoofed("10.9.8.99"))
    assert fourth.status_code == 429, f"a forged X-Real-IP passed the limit: {fourth.status_code}"
    # Another client address still gets through.
    other = submit(browser(STRANGER), path, data)
    assert other.status_code == 302, f"from {STRANGER}: {other.status_code}"
    assert Suggestion.objects.count() == before + 4, Suggestion.objects.count() - before
    return "3 stored, 4th refused (429) despite forged X-Real-IP, other address stored"


def login_lockout_by_address():
    session = browser()
    wrong = {"username": "reviewer", "password": "not-the-password"}
    for number in range(settings.AXES_FAILURE_LIMIT - 1):
        answer = submit(session, "/accounts/login/", wrong, headers=spoofed(f"10.7.{number}.1"))
        assert answer.status_code == 200, f"wrong password {number + 1}: {answer.status_code}"
    submit(session, "/accounts/login/", wrong, headers=spoofed("10.7.99.1"))
    right = {"username": "reviewer", "password": PASSWORD}
    locked = submit(browser(), "/accounts/login/", right, headers=spoofed("10.7.100.1"))
    assert locked.status_code == 429, f"not locked out: {locked.status_code}"
    log_in("reviewer", STRANGER)  # the same account from another address is not locked
    return f"{settings.AXES_FAILURE_LIMIT} failures lock reviewer + address; other address logs in"


def committee_uploads_progress_photo():
    committee = demo["committee"] = log_in("village")
    project = (
        Project.objects.filter(pledge_list=demo["list"], status=Project.Status.IN_PROGRESS)
        .order_by("number")
        .first()
    )
    assert project is not None, "the demo village has no project in progress"
    path = f"/pledges/projects/{project.pk}/progress/"
    data = {"percent_done": "60", "note": "路灯已安装一半。"}
    photo = {"photos": ("site.jpg", jpeg(), "image/jpeg")}
    sent = submit(committee, path, data, files=photo)
    assert sent.status_code == 302, f"progress report: {sent.status_code}"
    stored = Photo.objects.filter(update__project=project).latest("created")
    demo["photo"] = stored.image.name
    return stored.image.name


def photo_served_by_nginx_after_the_check():
    name = demo["photo"]
    on_disk = (Path(settings.MEDIA_ROOT) / name).read_bytes()
    mine = demo["committee"].get(f"{HTTPS}/media/{name}")
    assert mine.status_code == 200, mine.status_code
    assert mine.content == on_disk, "the committee got other bytes than the stored photo"
    assert mine.headers["Content-Type"] == "image/jpeg", mine.headers
    # The app's caching answer (a published list's photo is public) survives the redirect.
    assert mine.headers.get("Cache-Control") == "public, max-age=86400", mine.headers
    assert "X-Accel-Redirect" not in mine.headers, "nginx passed X-Accel-Redirect on"
    # gunicorn itself answers with the redirect and no bytes: nginx sent the file.
    app = browser().get(
        f"{APP}/media/{name}",
        cookies={"sessionid": demo["committee"].cookies["sessionid"]},
        headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"},
        timeout=10,
    )
    assert app.status_code == 200 and app.content == b"", (app.status_code, len(app.content))
    assert app.headers["X-Accel-Redirect"] == f"/protected-media/{name}", app.headers
    # The list is published: its photos are on the public board for anyone.
    public = browser().get(f"{HTTPS}/media/{name}")
    assert public.status_code == 200 and public.content == on_disk, public.status_code
    internal = browser().get(f"{HTTPS}/protected-media/{name}")
    assert internal.status_code == 404, f"/protected-media/ reachable: {internal.status_code}"
    return f"{len(on_disk)} bytes via X-Accel-Redirect; /protected-media/ itself 404"


def resident_photo_only_for_the_township():
    prohibition = demo["list"].prohibitions.order_by("number").first()
    board = f"/board/{demo['village'].code}/{demo['list'].year}"
    path = f"{board}/prohibitions/{prohibition.number}/report/"
    before = set(ViolationReport.objects.values_list("pk", flat=True))
    sent = submit(
        browser(),
        path,
        {"text": "村干部收了礼金，我看见了。"},
        files={"photo": ("p.jpg", jpeg(), "image/jpeg")},
    )
    new = ViolationReport.objects.exclude(pk__in=before).exclude(image="")
    # The resident sees the "sent" page itself (no redirect).
    assert sent.status_code == 200 and new.count() == 1, f"report: {sent.status_code}"
    name = new.get().image.name
    url = f"{HTTPS}/media/{name}"
    township = demo["township"] = log_in("township")
    seen = township.get(url)
    assert seen.status_code == 200, f"township: {seen.status_code}"
    assert seen.content == (Path(settings.MEDIA_ROOT) / name).read_bytes()
    refused = {
        "the village committee": demo["committee"].get(url).status_code,
        "a reviewer": log_in("reviewer", STRANGER).get(url).status_code,
    }
    assert set(refused.values()) == {403}, refused
    anonymous = browser().get(url, allow_redirects=False)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.headers["Location"]
    for attempt in [
        "/media/residents/..%2F..%2F..%2Fetc%2Fpasswd",
        "/media/progress/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/protected-media/../../etc/passwd",
    ]:
        answer = township.get(HTTPS + attempt, allow_redirects=False)
        assert answer.status_code in (400, 404), f"{attempt}: {answer.status_code}"
        assert "root:" not in answer.text, f"{attempt} showed /etc/passwd"
    return "township 200; committee 403, reviewer 403, anonymous → log-in; traversal 404"


def _delivered(period: str, villages: int, **where) -> bool:
    """Every village has its notice for `period`, and each is in its inbox."""
    notices = Notice.objects.filter(period=period, **where)
    inbox = Delivery.objects.filter(notice__in=notices, channel=Delivery.Channel.INBOX)
    return (
        notices.count() == villages
        and inbox.filter(status=Delivery.Status.SENT).count() == villages
    )


def monthly_notice_by_beat_and_worker():
    period = period_of(timezone.localdate())
    villages = Village.objects.count()
    assert not Notice.objects.filter(period=period).exists(), f"{period} already has notices"
    # A one-off schedule a few seconds ahead: beat (DatabaseScheduler) sees the new row and
    # sends the same task the monthly crontab sends (config/settings.py PERIODIC_TASKS).
    clocked = ClockedSchedule.objects.create(
        clocked_time=timezone.now() + datetime.timedelta(seconds=3)
    )
    PeriodicTask.objects.create(
        name="prod-check: this month's notices now",
        task="notices.tasks.fire_monthly_notices",
        clocked=clocked,
        one_off=True,
        kwargs='{"move_to_working_day": false}',
    )
    wait_for(
        f"{villages} notices for {period} in the inboxes", lambda: _delivered(period, villages)
    )
    notice = Notice.objects.get(period=period, village=demo["village"])
    inbox = demo["committee"].get(f"{HTTPS}/notices/{notice.pk}/")
    assert inbox.status_code == 200, f"the committee's notice: {inbox.status_code}"
    return f"{villages} villages' notices for {period}; the committee opens its own"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def worker_killed_and_restarted():
    pidfile = WORK / "pids" / "worker.pid"
    pid = int(pidfile.read_text())
    os.killpg(pid, signal.SIGKILL)  # the worker and its pool processes, no warm shutdown
    wait_for("the worker to die", lambda: not _alive(pid), 10)
    # Work asked for while no worker runs: the township sends a past month's notices.
    township = demo["village"].township
    period = period_of(timezone.localdate().replace(day=1) - datetime.timedelta(days=40))
    assert not Notice.objects.filter(period=period, village__township=township).exists()
    path = f"/notices/townships/{township.code}/send/"
    page = f"/notices/townships/{township.code}/?period={period}"
    sent = submit(
        demo["township"], path, {"period": period, "village": "", "confirmed": "1"}, page=page
    )
    assert sent.status_code == 302, f"send: {sent.status_code}"
    run = NoticeRun.objects.get(period=period, township=township)
    queued = redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery")
    assert queued >= 1 and run.completed_at is None, (queued, run.completed_at)
    # The same command again (deploy/systemd/pledges-worker.service, as deploy/prod-check ran it).
    command = (WORK / "worker.cmd").read_text().split()
    with open(WORK / "logs" / "worker-restarted.out", "ab") as out:
        worker = subprocess.Popen(command, stdout=out, stderr=out, start_new_session=True)
    pidfile.write_text(str(worker.pid))
    villages = township.villages.count()
    wait_for(
        f"{villages} notices for {period} after the restart",
        lambda: _delivered(period, villages, village__township=township),
        60,
    )
    return f"{queued} task(s) waited in Redis; {villages} notices for {period} after restart"


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL shows the same activity snapshot until cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def pool_process_killed_mid_task():
    """A pool process is SIGKILLed while it runs a task: the task goes back to the queue and
    runs again (acks_late + CELERY_TASK_REJECT_ON_WORKER_LOST; with acks_late alone it would
    be failed and lost until the notices' sweeper, ten minutes later). To catch the process
    mid-task, this holds a lock on the notice run the task updates first."""
    worker = int((WORK / "pids" / "worker.pid").read_text())
    wait_for("the worker's pool processes", lambda: len(_children(worker)) >= 2, 30)
    pool = _children(worker)
    for child in pool:  # frozen until the lock is held: the task cannot start before
        os.kill(child, signal.SIGSTOP)
    township = demo["village"].township
    villages = township.villages.count()
    period = period_of(timezone.localdate().replace(day=1) - datetime.timedelta(days=70))
    path = f"/notices/townships/{township.code}/send/"
    page = f"/notices/townships/{township.code}/?period={period}"
    data = {"period": period, "village": "", "confirmed": "1"}
    assert submit(demo["township"], path, data, page=page).status_code == 302
    with transaction.atomic():
        NoticeRun.objects.select_for_update().get(period=period, township=township)
        for child in pool:
            os.kill(child, signal.SIGCONT)
        wait_for("a pool process to wait inside the task", _waiting_for_a_lock, 20)
        for child in pool:
            os.kill(child, signal.SIGKILL)
        wait_for("the pool processes to die", lambda: not any(map(_alive, pool)), 10)
    wait_for(
        f"{villages} notices for {period} after the pool processes died",
        lambda: _delivered(period, villages, village__township=township),
        60,
    )
    assert _alive(worker), "the worker itself died"
    return f"{len(pool)} pool processes killed mid-task; {villages} notices for {period} written"


def healthz_through_https():
    answer = browser().get(f"{HTTPS}/healthz/")
    assert answer.status_code == 200, answer.status_code
    assert set(answer.json()["checks"].values()) == {"ok"}, answer.json()
    for name in ("web", "beat"):
        pid = int((WORK / "pids" / f"{name}.pid").read_text())
        assert _alive(pid), f"{name} is not running"


STEPS = [
    ("/healthz/ over plain HTTP (load balancer probe)", healthz_plain_http),
    ("HTTP → HTTPS redirect", http_moves_to_https),
    ("board over HTTPS, hashed static file cached a year, gzip", board_and_static_file),
    ("suggestion: CSRF, rate limit by nginx's client address", suggestion_csrf_and_address_limit),
    ("log-in lockout by account + nginx's client address", login_lockout_by_address),
    ("committee logs in, uploads a progress photo", committee_uploads_progress_photo),
    ("photo: app checks, nginx sends it (X-Accel-Redirect)", photo_served_by_nginx_after_the_check),
    ("resident's report photo: township yes, others no", resident_photo_only_for_the_township),
    ("monthly notice sent by beat and the worker", monthly_notice_by_beat_and_worker),
    ("worker SIGKILLed, work queued meanwhile, restarted", worker_killed_and_restarted),
    ("pool process SIGKILLed mid-task, the task runs again", pool_process_killed_mid_task),
    ("/healthz/ through nginx over HTTPS", healthz_through_https),
]


def main() -> int:
    _demo()
    for name, run in STEPS:
        started = time.monotonic()
        try:
            detail = run()
        except Exception as error:  # any failure ends the run, said plainly
            print(f"{name:<58} FAIL {time.monotonic() - started:6.1f} s", flush=True)
            print(f"    {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            return 1
        print(f"{name:<58} ok   {time.monotonic() - started:6.1f} s", flush=True)
        if detail:
            print(f"    {detail}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
