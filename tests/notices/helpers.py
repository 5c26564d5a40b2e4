"""Builders and real local servers for the notices tests: a group-robot webhook and a small
SMTP server, both on 127.0.0.1, so channels are tested over real sockets."""

import datetime
import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from notices.models import VillageNoticeSettings, period_end, period_of
from pledges.models import PledgeList, ProgressUpdate, Project
from suggestions.models import Suggestion
from tests.factories import PledgeListFactory, ProjectFactory, VillageFactory

TODAY = timezone.localdate()
PERIOD = period_of(TODAY)  # notices for this month: its deadlines are the month's last day


def village_with_work(township, *, name=None, today=TODAY, **settings) -> object:
    """A village with a published list of four projects (one overdue, one completed and
    waiting for verification, one due this month, one verified), a progress report five
    days ago and a suggestion unanswered for 20 days (overdue)."""
    village = VillageFactory(township=township, **({"name": name} if name else {}))
    pledge_list = PledgeListFactory(
        village=village, year=today.year, status=PledgeList.Status.PUBLISHED
    )
    overdue = ProjectFactory(
        pledge_list=pledge_list,
        planned_start=None,
        number=1,
        title="修建灌溉水渠",
        status=Project.Status.IN_PROGRESS,
        percent_done=40,
        planned_finish=today - datetime.timedelta(days=10),
    )
    ProjectFactory(
        pledge_list=pledge_list,
        planned_start=None,
        number=2,
        title="开办老年食堂",
        status=Project.Status.COMPLETED,
        percent_done=100,
        planned_finish=today + datetime.timedelta(days=60),
    )
    ProjectFactory(
        pledge_list=pledge_list,
        planned_start=None,
        number=3,
        title="安装太阳能路灯",
        status=Project.Status.PLANNED,
        planned_finish=period_end(period_of(today)),
    )
    ProjectFactory(
        pledge_list=pledge_list,
        planned_start=None,
        number=4,
        title="建设垃圾收集点",
        status=Project.Status.VERIFIED,
        percent_done=100,
        planned_finish=today - datetime.timedelta(days=30),
    )
    ProgressUpdate.objects.create(
        project=overdue,
        date=today - datetime.timedelta(days=5),
        percent_done=40,
        note="已挖渠800米",
    )
    Suggestion.objects.create(
        village=village,
        year=today.year,
        text="村口到小学的路没有路灯",
        received=today - datetime.timedelta(days=20),
    )
    if settings:
        VillageNoticeSettings.objects.create(village=village, **settings)
    return village


class RobotServer:
    """Stands in for WeChat Work / DingTalk: records each POST; the path decides the answer:
    /ok → errcode 0, /fail → HTTP 500, /slow → answers after `slow_seconds`, /limited → the
    DingTalk rate-limit errcode. `healthy = True` makes every path answer ok."""

    def __init__(self, slow_seconds: float = 2.0):
        self.requests: list[dict] = []
        self.slow_seconds = slow_seconds
        self.healthy = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                parts = urlsplit(self.path)
                server.requests.append(
                    {"path": parts.path, "query": parse_qs(parts.query), "json": body}
                )
                if server.healthy or parts.path.startswith("/ok"):
                    return self._answer(200, {"errcode": 0, "errmsg": "ok"})
                if parts.path.startswith("/fail"):
                    return self._answer(500, {"errcode": -1})
                if parts.path.startswith("/slow"):
                    time.sleep(server.slow_seconds)
                    return self._answer(200, {"errcode": 0, "errmsg": "ok"})
                if parts.path.startswith("/limited"):
                    return self._answer(
                        200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times"}
                    )
                return self._answer(404, {})

            def _answer(self, status, data):
                payload = json.dumps(data).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str = "/ok") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}?access_token=t"

    def hits(self, path: str) -> list[dict]:
        return [request for request in self.requests if request["path"] == path]


class SMTPServer:
    """A minimal SMTP server that accepts every message, after `delay` seconds each, and
    records the recipients of each: the mail side of a worker is tested over a socket."""

    def __init__(self, delay: float = 0.0):
        self.messages: list[dict] = []
        self.delay = delay
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self._send("220 localhost ESMTP test")
                recipients, in_data, data = [], False, []
                for raw in self.rfile:
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    if in_data:
                        if line == ".":
                            in_data = False
                            time.sleep(server.delay)
                            server.messages.append({"to": recipients, "data": "\n".join(data)})
                            recipients, data = [], []
                            self._send("250 OK")
                        else:
                            data.append(line)
                        continue
                    verb = line.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self._send("250 localhost")
                    elif verb == "RCPT":
                        recipients.append(line.split(":", 1)[1].strip(" <>"))
                        self._send("250 OK")
                    elif verb == "DATA":
                        in_data = True
                        self._send("354 End data with <CR><LF>.<CR><LF>")
                    elif verb == "QUIT":
                        self._send("221 Bye")
                        return
                    else:  # MAIL, RSET, NOOP
                        self._send("250 OK")

            def _send(self, text):
                self.wfile.write((text + "\r\n").encode())

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def wait_for(condition, timeout: float = 30.0, interval: float = 0.1):
    """Poll until `condition()` is true; fail with its last value after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout}s (last value: {value!r})")
        time.sleep(interval)


def aware(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
