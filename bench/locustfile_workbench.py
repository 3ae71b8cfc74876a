"""Locust users of bench/load_workbench.py (run that, not this file): call agents working the workbench as the
browser does, a manager moving tasks between them, and the two trivial views the ratios are taken against.

Each agent loops: the queue page, "next" (a 302 to the task it is handed), the call screen (the form and its
CSRF token), then saves the call (the form post, 302). Requests go as through the TLS proxy of production
(X-Forwarded-Proto: https, an Origin header on posts); the session cookies were made by the runner.
Settings come from the JSON file named by LOAD_CONFIG; every hand-out is appended to LOAD_HANDOUTS.
"""

import json
import os
import random
import re
import time

from locust import HttpUser, between, constant, events, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TASK_PATH = re.compile(r"/workbench/tasks/(\d+)/")
WAIT = between(*CONFIG["wait"]) if CONFIG["wait"][1] > 0 else constant(0)
HANDOUTS: list[dict] = []


class Browser(HttpUser):
    """A signed-in browser behind the TLS proxy: session cookie set by hand (the cookies are Secure)."""

    abstract = True
    wait_time = WAIT
    session_key = ""

    def on_start(self):
        self.client.headers.update({"X-Forwarded-Proto": "https", "Accept-Language": "zh-CN"})
        if self.session_key:
            self.client.cookies.set(CONFIG["session_cookie"], self.session_key)

    def csrf_headers(self, referer: str) -> dict:
        return {"Origin": CONFIG["origin"], "Referer": CONFIG["origin"] + referer}

    def fix_cookies(self):
        # Django marks cookies Secure (production settings); this client speaks plain HTTP to gunicorn like
        # the proxy does, so keep sending them.
        for cookie in self.client.cookies:
            cookie.secure = False


class Agent(Browser):
    """One call agent (care specialist) with a session of their own."""

    weight = 1

    def on_start(self):
        self.me = CONFIG["agents"].pop(0)
        self.session_key = self.me["session"]
        super().on_start()
        if CONFIG["wait"][1] > 0:
            # At a human pace agents are somewhere in their call when the run starts, not all at the queue.
            time.sleep(random.uniform(0, CONFIG["wait"][1]))

    @task
    def work_one_call(self):
        self.client.get("/workbench/", name="queue")
        self.fix_cookies()
        with self.client.get("/workbench/next/", name="next", allow_redirects=False, catch_response=True) as r:
            location = r.headers.get("Location", "")
            found = TASK_PATH.search(location)
            if r.status_code != 302:
                r.failure(f"next answered {r.status_code}")
                return
            r.success()
        if not found:
            return  # nothing to call now: the queue again
        task_id = int(found.group(1))
        HANDOUTS.append({"task": task_id, "agent": self.me["username"]})
        page = self.client.get(f"/workbench/tasks/{task_id}/", name="call screen")
        token = CSRF_INPUT.search(page.text or "")
        if token is None:
            return
        self.fix_cookies()
        data = {"csrfmiddlewaretoken": token.group(1), "next": "on", "comment": "负载测试"}
        if random.random() < CONFIG["satisfied_share"]:
            data.update(outcome="satisfied", **CONFIG["answers"])
        else:
            data.update(outcome="not_reached", not_reached_as="no_answer")
        with self.client.post(
            f"/workbench/tasks/{task_id}/",
            data=data,
            name="save call",
            allow_redirects=False,
            headers=self.csrf_headers(f"/workbench/tasks/{task_id}/"),
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"save answered {r.status_code}")


class Manager(Browser):
    """The service manager, moving a few of the store's open tasks to another agent every few seconds."""

    weight = 0
    fixed_count = 1
    wait_time = between(2, 4)

    def on_start(self):
        self.session_key = CONFIG["manager"]["session"]
        super().on_start()

    @task
    def move_tasks(self):
        page = self.client.get("/workbench/?team=on", name="team queue")
        self.fix_cookies()
        token = CSRF_INPUT.search(page.text or "")
        ids = re.findall(r'name="tasks" value="(\d+)"', page.text or "")
        if token is None or not ids:
            return
        with self.client.post(
            "/workbench/reassign/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "tasks": random.sample(ids, min(5, len(ids))),
                "to_user": random.choice(CONFIG["agent_ids"]),
            },
            name="reassign",
            allow_redirects=False,
            headers=self.csrf_headers("/workbench/?team=on"),
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"reassign answered {r.status_code}")


class Anonymous(HttpUser):
    """The trivial page measured alone on the same server for the ratio: the anonymous login page."""

    weight = 1
    wait_time = constant(0)

    def on_start(self):
        self.client.headers.update({"X-Forwarded-Proto": "https"})

    @task
    def login_page(self):
        self.client.get("/login/", name="trivial: login page")


class SignedInPing(Browser):
    """The signed-in trivial view, measured alone for the second ratio: the workbench keep-alive, which goes the
    agents' way (session, user, roles checked by the workbench's guard) and answers a few bytes of JSON."""

    weight = 1
    wait_time = constant(0)
    taken = 0

    def on_start(self):
        agents = CONFIG["agents"]
        self.session_key = agents[SignedInPing.taken % len(agents)]["session"]
        SignedInPing.taken += 1
        super().on_start()

    @task
    def ping(self):
        self.client.get("/workbench/ping/", name="trivial: signed-in ping")
        self.fix_cookies()


@events.quitting.add_listener
def _write_handouts(environment, **kwargs):
    path = os.environ.get("LOAD_HANDOUTS")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(HANDOUTS, out)
