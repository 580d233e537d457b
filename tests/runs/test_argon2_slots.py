"""argon2 verifications are bounded per process (rxtwin.runs.accounts.ARGON2_AT_ONCE): a
burst of logins or of tokens seen for the first time waits its turn instead of taking
every core, so the app keeps answering other requests meanwhile."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import rxtwin.runs.accounts as accounts
from rxtwin.runs.accounts import ARGON2_AT_ONCE, add_user, authenticate_password, issue_token
from rxtwin.runs.consortium import register_organisation
from rxtwin.store import Store

PASSWORD = "a long enough password"


class _CountingHasher:
    """Wraps the real hasher; records how many verifications ran at the same time."""

    def __init__(self, real):
        self.real = real
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def hash(self, secret: str) -> str:
        return self.real.hash(secret)

    def verify(self, stored: str, secret: str) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.05)  # long enough for the others to pile up if unbounded
            return self.real.verify(stored, secret)
        finally:
            with self.lock:
                self.running -= 1


def test_no_more_than_argon2_at_once_verifications_run_together(tmp_path, monkeypatch):
    with Store.open(str(tmp_path / "s.sqlite")) as store:
        register_organisation(store, "acme")
        add_user(store, "alice", "acme", "member", PASSWORD)
        tokens = [issue_token(store, "alice").token for _ in range(4)]
        counting = _CountingHasher(accounts._HASHER)
        monkeypatch.setattr(accounts, "_HASHER", counting)
        callers = ARGON2_AT_ONCE + 8  # more than the slots, whatever the machine
        with ThreadPoolExecutor(max_workers=callers + len(tokens)) as pool:
            logins = [pool.submit(authenticate_password, store, "alice", PASSWORD)
                      for _ in range(callers)]
            first_uses = [pool.submit(accounts.authenticate_token, store, token)
                          for token in tokens]
            assert all(f.result() is not None for f in logins + first_uses)
        assert counting.most == ARGON2_AT_ONCE >= 1
