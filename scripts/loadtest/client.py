"""The benchmark's side of HTTP: one request, a signed-in session to send with it, and a page
loaded by a few threads back to back with every latency kept."""

import http.client
import itertools
import re
import threading
import time

from .common import HOST

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
AMOUNT = re.compile(r'name="(amount_\d+)"[^>]*?value="([^"]*)"')
REPAYMENT = re.compile(r'name="(repay_\d+)"[^>]*?value="([^"]*)"')


def request(method, port, path, *, headers=None, body=None, timeout=30, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, response.headers, data
    finally:
        if own:
            conn.close()


def session_cookie(user):
    """A signed-in session made the way django.contrib.auth.login makes one."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
    from django.contrib.sessions.backends.db import SessionStore

    # The backend that signs people in, not a guard in front of it (django-axes comes first).
    backend = next(path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user"))
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.set_expiry(3600)
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class Page:
    def __init__(self, name, path, cookie=None, check=None, concurrency=None):
        self.name, self.path, self.cookie, self.check = name, path, cookie, check
        self.concurrency = concurrency  # None: the run's --concurrency
        self.latencies, self.errors, self.samples, self.elapsed = [], 0, [], 0.0
        self.alone = []  # latencies with one client and an otherwise idle server
        self.cpu = None  # CpuMeter.delta over the main load

    @property
    def headers(self):
        return {"Cookie": self.cookie} if self.cookie else {}

    def verify(self, port):
        """One request before the load: the page answers 200 and is the page we mean; on any
        other answer the page is counted as an error and not loaded."""
        status, _, body = request("GET", port, self.path, headers=self.headers)
        text = body.decode("utf-8", "replace")
        problem = None
        if status != 200:
            problem = f"status {status}"
        elif self.check:
            problem = self.check(text)
        if problem:
            self.errors += 1
            self.samples.append(f"{self.path}: {problem}")
        return not problem


def load(page, port, *, seconds, concurrency, max_requests, min_requests=0):
    """`concurrency` threads, one connection each, GET the page back to back until `seconds`
    have passed (and at least `min_requests` were sent) or `max_requests` were sent. Anything but
    a 200 is an error, counted on the page. Returns the sorted latencies (s) and the wall time the
    whole run took."""
    issued = itertools.count()
    lock = threading.Lock()
    per_thread = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    samples = []
    headers = page.headers
    start = time.perf_counter()
    deadline = start + seconds

    def worker(n):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        latencies = per_thread[n]
        try:
            while True:
                sent = next(issued)  # requests started before this one, by every thread
                if sent >= max_requests or (sent >= min_requests and time.perf_counter() >= deadline):
                    break
                t0 = time.perf_counter()
                try:
                    conn.request("GET", page.path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as error:
                    status = f"{type(error).__name__}: {error}"
                    conn.close()
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    errors[n] += 1
                    with lock:
                        if len(samples) < 5:
                            samples.append(status)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    page.errors += sum(errors)
    page.samples += samples[: max(0, 5 - len(page.samples))]
    return sorted(itertools.chain.from_iterable(per_thread)), time.perf_counter() - start
