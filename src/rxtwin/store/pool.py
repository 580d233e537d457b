"""The consortium pool in the store: organisations, versioned submissions, released
statistics, privacy ledgers and a hash-chained audit log.

:class:`ConsortiumPool` wraps an open :class:`~rxtwin.store.Store` and keeps types and
tables only: submissions arrive as validated :class:`~rxtwin.model.consortium.Submission`
documents, releases and ledgers as plain JSON records that the orchestration layer builds
(``rxtwin.runs.consortium``); nothing here applies a disclosure rule or draws noise.

Every read and write of pooled data appends one entry to the audit log, in the same
transaction as the read or write: who (``actor``), what (``action``, ``target``,
``detail``), when (``at``, UTC) and the previous entry's hash. An entry's ``hash`` is the
SHA-256 of the canonical JSON of its other fields, so :meth:`ConsortiumPool.verify_audit_log`
finds an entry that was edited, deleted or moved.

Tenancy: an organisation reads its own raw submissions only
(:meth:`ConsortiumPool.list_submissions` and :meth:`ConsortiumPool.get_submission` filter
by the asking organisation); the whole pool (:meth:`ConsortiumPool.pool_submissions`) is for
the consortium's disclosure-controlled releases.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select

from rxtwin.model.consortium import Submission
from rxtwin.model.scenario import canonical_json
from rxtwin.store._schema import (
    consortium_audit,
    consortium_ledgers,
    consortium_organisations,
    consortium_releases,
    consortium_submissions,
)
from rxtwin.store._store import Store, _canonical, _check_name, _now
from rxtwin.store.errors import StoreInputError, UnknownItemError

__all__ = [
    "ACTOR_MAX_CHARS",
    "CONSORTIUM_ACTOR",
    "GENESIS_HASH",
    "AuditCheck",
    "AuditEntry",
    "ConsortiumPool",
    "ReleaseRecord",
    "SubmissionRecord",
    "audit_actor",
    "audit_entry_hash",
]

T = TypeVar("T")

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first audit entry."""
CONSORTIUM_ACTOR = "consortium"
"""The actor name of the consortium itself (releases over the whole pool); no organisation
may take it."""
_ORG_RULE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}$")
ACTOR_MAX_CHARS = 100
"""Width of the audit log's ``actor`` column [characters]."""


def _check_org(organisation_id: object) -> str:
    if not isinstance(organisation_id, str) or not _ORG_RULE.match(organisation_id):
        raise StoreInputError(
            f"organisation id {organisation_id!r} is not allowed: use 1-100 letters, digits, "
            "'_', '-' or '.', not starting with '.' or '-'")
    return organisation_id


REFUSAL_TEXT_MAX_CHARS = 500
"""Longest target or reason a refused attempt's audit entry keeps [characters]
(assumption: room for a key, a query's description or a one-line reason; a hostile
value must not fill the log)."""


def audit_actor(organisation_id: str, user_id: str | None = None) -> str:
    """Who acts, as the audit log records it: ``ORG/USER`` when a user of the organisation
    acts (the web app), else the organisation (the CLI, run by the consortium's operator
    on the organisation's behalf).

    Raises
    ------
    StoreInputError
        The user id is empty or has a ``/``, or ``ORG/USER`` is longer than the audit log's
        :data:`ACTOR_MAX_CHARS`.
    """
    if user_id is None:
        return organisation_id
    if not isinstance(user_id, str) or not user_id or "/" in user_id:
        raise StoreInputError(f"user id {user_id!r} cannot be recorded in the audit log: "
                              "it must be non-empty text without '/'")
    actor = f"{organisation_id}/{user_id}"
    if len(actor) > ACTOR_MAX_CHARS:
        raise StoreInputError(f"organisation and user {actor!r} are {len(actor)} characters "
                              f"together; the audit log records at most {ACTOR_MAX_CHARS}")
    return actor


def audit_entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an audit entry without its ``hash``.

    Parameters
    ----------
    entry : mapping
        ``seq``, ``at``, ``actor``, ``action``, ``target``, ``detail`` (a JSON object) and
        ``prev_hash``.
    """
    fields = {k: entry[k] for k in ("seq", "at", "actor", "action", "target", "detail",
                                    "prev_hash")}
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the audit log (``detail`` is a JSON object)."""

    seq: int
    at: str
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditCheck:
    """What :meth:`ConsortiumPool.verify_audit_log` found.

    Attributes
    ----------
    ok : bool
        No problem found.
    n_entries : int
        Entries checked.
    head_hash : str
        Hash of the last entry (:data:`GENESIS_HASH` for an empty log): keep it elsewhere
        to detect later removal of entries from the end.
    problems : tuple of str
        Each broken link or hash, in words (the first few).
    """

    ok: bool
    n_entries: int
    head_hash: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class SubmissionRecord:
    """One stored version of a submission."""

    submission: Submission
    version: int
    body_hash: str
    created_at: datetime

    @property
    def key(self) -> str:
        """The submission's key (``organisation/unit_kind/unit_id/period_yr``)."""
        return self.submission.key


@dataclass(frozen=True)
class ReleaseRecord:
    """One version of a released statistic (``body`` as stored: cells, rules, suppression)."""

    name: str
    version: int
    field: str
    statistic: str
    method: str
    body: dict[str, Any]
    requested_by: str
    created_at: datetime


_MAX_PROBLEMS = 20


class ConsortiumPool:
    """The consortium's tables in one store; every method is one transaction.

    Parameters
    ----------
    store : Store
        An open store (schema version 2 or later).
    """

    def __init__(self, store: Store):
        self.store = store

    # ------------------------------------------------------------------ audit
    def _audit(self, conn: Connection, actor: str, action: str, target: str,
               detail: Mapping[str, Any] | None = None) -> None:
        """Append one entry to the chain, inside the caller's transaction.

        Two writers that append at once compute the same ``seq``; the second insert breaks
        the primary key and its transaction is retried (``retry_conflicts``), re-reading
        the head of the chain.
        """
        head = conn.execute(
            select(consortium_audit.c.seq, consortium_audit.c.hash)
            .order_by(consortium_audit.c.seq.desc()).limit(1).with_for_update()
        ).first()
        seq, prev = (1, GENESIS_HASH) if head is None else (head[0] + 1, head[1])
        entry = {"seq": seq, "at": datetime.now(UTC).isoformat(timespec="microseconds"),
                 "actor": actor, "action": action, "target": target,
                 "detail": dict(detail or {}), "prev_hash": prev}
        _canonical(entry["detail"], "audit detail")
        conn.execute(consortium_audit.insert().values(
            seq=seq, at=entry["at"], actor=actor, action=action, target=target,
            detail=canonical_json(entry["detail"]), prev_hash=prev,
            hash=audit_entry_hash(entry)))

    def record_refusal(self, organisation_id: str, action: str, target: str, reason: str,
                       *, user_id: str | None = None) -> None:
        """Append a refused attempt to the audit log: action ``ACTION.refused`` (e.g.
        ``submission.write.refused``, ``privacy.spend.refused``), the target as asked and
        the reason (both cut to :data:`REFUSAL_TEXT_MAX_CHARS`), so that probing, such as a
        document naming another organisation or queries past a budget, leaves a trace.

        Raises
        ------
        StoreInputError
            A malformed organisation or user id (:func:`audit_actor`).
        """
        _check_org(organisation_id)
        actor = audit_actor(organisation_id, user_id)
        detail = {"reason": str(reason)[:REFUSAL_TEXT_MAX_CHARS]}

        def work(conn: Connection) -> None:
            self._audit(conn, actor, f"{action}.refused", str(target)[:REFUSAL_TEXT_MAX_CHARS],
                        detail)

        self.store._write(work, retry_conflicts=True)

    def audit_entries(self) -> list[AuditEntry]:
        """Every audit entry, in chain order (``seq``)."""
        with self.store._read() as conn:
            rows = conn.execute(select(consortium_audit)
                                .order_by(consortium_audit.c.seq)).mappings().all()
        return [AuditEntry(seq=r["seq"], at=r["at"], actor=r["actor"], action=r["action"],
                           target=r["target"], detail=json.loads(r["detail"]),
                           prev_hash=r["prev_hash"], hash=r["hash"]) for r in rows]

    def verify_audit_log(self) -> AuditCheck:
        """Check the chain: sequence numbers 1, 2, ... without gaps, each ``prev_hash`` the
        hash of the entry before, each ``hash`` recomputed from the entry.

        An edited entry fails its own hash; a deleted one leaves a gap in ``seq`` and a
        broken link; entries moved (their ``seq`` swapped) fail their hashes and links.
        Removing entries from the end leaves a valid shorter chain: compare ``head_hash``
        with one kept elsewhere.
        """
        problems: list[str] = []
        with self.store._read() as conn:
            rows = conn.execute(select(consortium_audit)
                                .order_by(consortium_audit.c.seq)).mappings().all()
        prev = GENESIS_HASH
        for expected_seq, row in enumerate(rows, start=1):
            seq = row["seq"]
            if seq != expected_seq:
                problems.append(f"entry {seq}: expected sequence number {expected_seq} "
                                "(an entry is missing or was moved)")
            if row["prev_hash"] != prev:
                problems.append(f"entry {seq}: prev_hash does not match the hash of the "
                                "entry before it (an entry was deleted, inserted or moved)")
            try:
                detail = json.loads(row["detail"])
            except json.JSONDecodeError:
                detail = row["detail"]
            recomputed = audit_entry_hash({**row, "detail": detail})
            if recomputed != row["hash"]:
                problems.append(f"entry {seq}: its content does not match its hash "
                                "(the entry was edited)")
            prev = row["hash"]
        return AuditCheck(ok=not problems, n_entries=len(rows), head_hash=prev,
                          problems=tuple(problems[:_MAX_PROBLEMS]))

    # ------------------------------------------------------------------ organisations
    def add_organisation(self, organisation_id: str, *, name: str | None = None,
                         ledger: Mapping[str, Any] | None = None,
                         actor: str = CONSORTIUM_ACTOR) -> None:
        """Register an organisation (a tenant), with its privacy ledger if given.

        Parameters
        ----------
        organisation_id : str
            The id its submissions carry.
        name : str, optional
            Display name (default: the id).
        ledger : mapping, optional
            ``PrivacyLedger.to_dict()`` of its privacy budget; without one the organisation
            cannot ask differentially private queries.

        Raises
        ------
        StoreInputError
            The id is malformed, reserved or already registered.
        """
        _check_org(organisation_id)
        if organisation_id == CONSORTIUM_ACTOR:
            raise StoreInputError(f"organisation id {CONSORTIUM_ACTOR!r} is reserved")
        ledger_json = None if ledger is None else _canonical(dict(ledger), "privacy ledger")

        def work(conn: Connection) -> None:
            if self._org_exists(conn, organisation_id):
                raise StoreInputError(f"organisation {organisation_id!r} is already registered")
            now = _now()
            conn.execute(consortium_organisations.insert().values(
                id=organisation_id, name=name or organisation_id, created_at=now))
            if ledger_json is not None:
                conn.execute(consortium_ledgers.insert().values(
                    organisation_id=organisation_id, ledger=ledger_json, updated_at=now))
            self._audit(conn, actor, "organisation.add", organisation_id,
                        {"privacy_ledger": ledger is not None})

        self.store._write(work, retry_conflicts=True)

    def list_organisations(self) -> list[str]:
        """Ids of the registered organisations, sorted."""
        with self.store._read() as conn:
            rows = conn.execute(select(consortium_organisations.c.id)
                                .order_by(consortium_organisations.c.id))
            return [row[0] for row in rows]

    def organisation_registered(self, organisation_id: str) -> bool:
        """Whether the organisation is registered in the pool (a malformed id is not)."""
        if not isinstance(organisation_id, str) or not _ORG_RULE.match(organisation_id):
            return False
        with self.store._read() as conn:
            return self._org_exists(conn, organisation_id)

    def _org_exists(self, conn: Connection, organisation_id: str) -> bool:
        return conn.execute(select(consortium_organisations.c.id).where(
            consortium_organisations.c.id == organisation_id)).first() is not None

    def _require_org(self, conn: Connection, organisation_id: str) -> None:
        if not self._org_exists(conn, organisation_id):
            raise UnknownItemError(
                f"organisation {organisation_id!r} is not registered in the consortium pool "
                f"of {self.store.display_url}")

    # ------------------------------------------------------------------ submissions
    def put_submission(self, submission: Submission, *, organisation_id: str,
                       user_id: str | None = None) -> tuple[int, bool]:
        """Store a validated submission as the next version of its key.

        Parameters
        ----------
        submission : Submission
            Validated; its ``organisation_id`` must be the submitting organisation.
        organisation_id : str
            Who submits.
        user_id : str, optional
            The organisation's user who submits (the audit's actor is then ``ORG/USER``,
            :func:`audit_actor`).

        Returns
        -------
        (int, bool)
            Its version: 1 for a new key, the next number for new content under a known
            key, the latest version unchanged when the content equals it (nothing is
            written but the audit entry); and whether a new version was written. Old
            versions are never overwritten.

        Raises
        ------
        StoreInputError
            The submission names another organisation.
        UnknownItemError
            The organisation is not registered.
        """
        if not isinstance(submission, Submission):
            raise StoreInputError(f"a submission must be a validated Submission, got "
                                  f"{type(submission).__name__}")
        _check_org(organisation_id)
        actor = audit_actor(organisation_id, user_id)
        if submission.organisation_id != organisation_id:
            raise StoreInputError(
                f"the submission is of organisation {submission.organisation_id!r} but is "
                f"submitted by {organisation_id!r}; an organisation submits its own data only")
        body = _canonical(submission.model_dump(mode="json"), "submission")
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        table = consortium_submissions

        def work(conn: Connection) -> tuple[int, bool]:
            self._require_org(conn, organisation_id)
            where = (table.c.organisation_id == organisation_id,
                     table.c.unit_kind == submission.unit_kind,
                     table.c.unit_id == submission.unit_id,
                     table.c.period_yr == submission.period_yr)
            latest = conn.execute(select(table.c.version, table.c.body_hash).where(*where)
                                  .order_by(table.c.version.desc()).limit(1)).first()
            if latest is not None and latest[1] == digest:
                version, written = latest[0], False
            else:
                version, written = (1 if latest is None else latest[0] + 1), True
                conn.execute(table.insert().values(
                    organisation_id=organisation_id, unit_kind=submission.unit_kind,
                    unit_id=submission.unit_id, period_yr=submission.period_yr,
                    version=version, body=body, body_hash=digest, created_at=_now()))
            self._audit(conn, actor, "submission.write", submission.key,
                        {"version": version, "body_hash": digest, "new_version": written})
            return version, written

        return self.store._write(work, retry_conflicts=True)

    def list_submissions(self, organisation_id: str,
                         user_id: str | None = None) -> list[SubmissionRecord]:
        """Every version of the organisation's own submissions (audited as a read by it, or
        by its user ``user_id``).

        Returns only rows whose ``organisation_id`` is the asking organisation, by key and
        version.
        """
        _check_org(organisation_id)
        actor = audit_actor(organisation_id, user_id)
        table = consortium_submissions

        def work(conn: Connection) -> list[SubmissionRecord]:
            self._require_org(conn, organisation_id)
            rows = conn.execute(select(table).where(table.c.organisation_id == organisation_id)
                                .order_by(table.c.unit_kind, table.c.unit_id,
                                          table.c.period_yr, table.c.version)).mappings().all()
            self._audit(conn, actor, "submission.list", organisation_id,
                        {"rows": len(rows)})
            return [_submission_record(row) for row in rows]

        return self.store._write(work, retry_conflicts=True)

    def get_submission(self, organisation_id: str, key: str, version: int | None = None,
                       user_id: str | None = None) -> SubmissionRecord:
        """One of the organisation's own submissions by key (latest version by default);
        audited as a read by the organisation, or by its user ``user_id``.

        Raises
        ------
        UnknownItemError
            The organisation has no such submission. Another organisation's submission
            gets the same answer, after the same one query (it is filtered out by the
            asking organisation), so that its existence is not revealed.
        """
        _check_org(organisation_id)
        actor = audit_actor(organisation_id, user_id)
        parts = key.split("/") if isinstance(key, str) else []
        table = consortium_submissions

        def work(conn: Connection) -> SubmissionRecord:
            self._require_org(conn, organisation_id)
            row = None
            if len(parts) == 4 and parts[3].isdigit() and len(parts[3]) <= 9:
                query = select(table).where(
                    table.c.organisation_id == organisation_id,
                    table.c.organisation_id == parts[0],
                    table.c.unit_kind == parts[1], table.c.unit_id == parts[2],
                    table.c.period_yr == int(parts[3]))
                if version is not None:
                    query = query.where(table.c.version == version)
                row = conn.execute(query.order_by(table.c.version.desc()).limit(1)
                                   ).mappings().first()
            self._audit(conn, actor, "submission.read", str(key),
                        {"version": version, "found": row is not None})
            if row is None:
                return None  # type: ignore[return-value]
            return _submission_record(row)

        found = self.store._write(work, retry_conflicts=True)
        if found is None:
            shown = "" if version is None else f" version {version}"
            raise UnknownItemError(f"organisation {organisation_id!r} has no submission "
                                   f"{key!r}{shown}")
        return found

    def pool_submissions(self, *, actor: str = CONSORTIUM_ACTOR,
                         purpose: str = "release") -> list[SubmissionRecord]:
        """The latest version of every submission of every organisation (audited).

        For the consortium's disclosure-controlled releases only; raw rows must not be shown
        to an organisation.
        """
        table = consortium_submissions
        latest = (select(table.c.organisation_id, table.c.unit_kind, table.c.unit_id,
                         table.c.period_yr, func.max(table.c.version).label("version"))
                  .group_by(table.c.organisation_id, table.c.unit_kind, table.c.unit_id,
                            table.c.period_yr).subquery())

        def work(conn: Connection) -> list[SubmissionRecord]:
            rows = conn.execute(select(table).join(latest, (
                (table.c.organisation_id == latest.c.organisation_id)
                & (table.c.unit_kind == latest.c.unit_kind)
                & (table.c.unit_id == latest.c.unit_id)
                & (table.c.period_yr == latest.c.period_yr)
                & (table.c.version == latest.c.version))).order_by(
                    table.c.organisation_id, table.c.unit_kind, table.c.unit_id,
                    table.c.period_yr)).mappings().all()
            self._audit(conn, actor, "pool.read", purpose,
                        {"submissions": [f"{r['organisation_id']}/{r['unit_kind']}/"
                                         f"{r['unit_id']}/{r['period_yr']}@{r['version']}"
                                         for r in rows]})
            return [_submission_record(row) for row in rows]

        return self.store._write(work, retry_conflicts=True)

    # ------------------------------------------------------------------ releases
    def put_release(self, name: str, *, field: str, statistic: str, method: str,
                    body: Mapping[str, Any], records: list[Mapping[str, Any]],
                    requested_by: str = CONSORTIUM_ACTOR, actor: str | None = None) -> int:
        """Store a released statistic as the next version of ``name``; return the version.

        ``body`` is what may be published (cells with their values or distributions, the
        rules applied, the suppression pattern); ``records`` what the consortium keeps
        privately (contributors per cell, for the differencing guard of later releases).
        ``actor`` is the audit log's (default ``requested_by``; ``ORG/USER`` when a user
        of the requesting organisation asked, :func:`audit_actor`).
        """
        _check_name(name, "statistic name")
        if method not in ("rules", "dp"):
            raise StoreInputError(f"release method {method!r} must be 'rules' or 'dp'")
        body_json = _canonical(dict(body), f"release {name!r}")
        records_json = _canonical([dict(r) for r in records], f"records of release {name!r}")
        table = consortium_releases

        def work(conn: Connection) -> int:
            latest = conn.execute(select(func.max(table.c.version))
                                  .where(table.c.name == name)).scalar()
            version = (latest or 0) + 1
            conn.execute(table.insert().values(
                name=name, version=version, field=field, statistic=statistic, method=method,
                body=body_json, records=records_json, requested_by=requested_by,
                created_at=_now()))
            self._audit(conn, actor or requested_by, "release.write", f"{name}@{version}",
                        {"field": field, "statistic": statistic, "method": method})
            return version

        return self.store._write(work, retry_conflicts=True)

    def get_release(self, name: str, version: int | None = None, *,
                    actor: str = CONSORTIUM_ACTOR) -> ReleaseRecord:
        """A released statistic (the latest version by default); audited as a read.

        Raises
        ------
        UnknownItemError
            No release of that name (and version); the message lists the versions there are.
        """
        table = consortium_releases

        def work(conn: Connection) -> tuple[ReleaseRecord | None, list[int]]:
            query = select(table).where(table.c.name == name)
            if version is not None:
                query = query.where(table.c.version == version)
            row = conn.execute(query.order_by(table.c.version.desc()).limit(1)
                               ).mappings().first()
            versions = [] if row is not None else [v for (v,) in conn.execute(
                select(table.c.version).where(table.c.name == name).order_by(table.c.version))]
            self._audit(conn, actor, "release.read",
                        name if version is None else f"{name}@{version}",
                        {"found": row is not None})
            return (None if row is None else _release_record(row)), versions

        found, versions = self.store._write(work, retry_conflicts=True)
        if found is None:
            shown = name if version is None else f"{name}@{version}"
            known = (f"versions of {name!r}: {', '.join(map(str, versions))}" if versions
                     else "no statistic of that name has been released")
            raise UnknownItemError(f"no released statistic {shown!r} in the consortium pool "
                                   f"({known})")
        return found

    def list_releases(self) -> list[ReleaseRecord]:
        """Every released statistic, by name and version (public: not audited)."""
        with self.store._read() as conn:
            rows = conn.execute(select(consortium_releases).order_by(
                consortium_releases.c.name, consortium_releases.c.version)).mappings().all()
        return [_release_record(row) for row in rows]

    def release_records(self, field: str) -> list[dict[str, Any]]:
        """The private per-cell records of every earlier release of ``field`` (for the
        differencing guard), oldest first."""
        with self.store._read() as conn:
            rows = conn.execute(select(consortium_releases.c.records)
                                .where(consortium_releases.c.field == field)
                                .order_by(consortium_releases.c.created_at)).all()
        return [record for (text,) in rows for record in json.loads(text)]

    # ------------------------------------------------------------------ privacy ledgers
    def get_privacy_ledger(self, organisation_id: str) -> dict[str, Any]:
        """The organisation's ledger as stored (``PrivacyLedger.to_dict`` form).

        Raises
        ------
        UnknownItemError
            The organisation is unknown or has no privacy budget.
        """
        with self.store._read() as conn:
            self._require_org(conn, organisation_id)
            text = conn.execute(select(consortium_ledgers.c.ledger).where(
                consortium_ledgers.c.organisation_id == organisation_id)).scalar()
        if text is None:
            raise UnknownItemError(f"organisation {organisation_id!r} has no privacy budget; "
                                   "register it with one to ask private queries")
        return json.loads(text)

    def spend_privacy_budget(
        self, organisation_id: str,
        spend: Callable[[dict[str, Any]], tuple[Mapping[str, Any], T]],
        *, target: str, user_id: str | None = None,
    ) -> T:
        """Spend from an organisation's privacy budget in one transaction.

        The ledger row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write
        transactions take the database lock up front), ``spend(ledger)`` returns the new
        ledger and a result, the new ledger and an audit entry are written, and the
        transaction commits. Two concurrent spenders are serialised: the second sees the
        first one's charge, so they cannot both spend the last of the budget. If ``spend``
        raises (for instance because the budget would be overrun) nothing is written.

        ``spend`` may run again when the transaction is retried (a momentary lock or a
        race on the audit log); only the committed attempt's result is returned. The audit
        entry's actor is the organisation, or ``ORG/USER`` with ``user_id``.
        """
        _check_org(organisation_id)
        actor = audit_actor(organisation_id, user_id)

        def work(conn: Connection) -> T:
            self._require_org(conn, organisation_id)
            text = conn.execute(select(consortium_ledgers.c.ledger).where(
                consortium_ledgers.c.organisation_id == organisation_id).with_for_update()
            ).scalar()
            if text is None:
                raise UnknownItemError(f"organisation {organisation_id!r} has no privacy "
                                       "budget; register it with one to ask private queries")
            before = json.loads(text)
            after, result = spend(before)
            conn.execute(consortium_ledgers.update().where(
                consortium_ledgers.c.organisation_id == organisation_id).values(
                ledger=_canonical(dict(after), "privacy ledger"), updated_at=_now()))
            self._audit(conn, actor, "privacy.spend", target,
                        {"entries_before": len(before.get("entries", [])),
                         "entries_after": len(after.get("entries", []))})
            return result

        return self.store._write(work, retry_conflicts=True)


def _submission_record(row: Mapping[str, Any]) -> SubmissionRecord:
    return SubmissionRecord(submission=Submission.model_validate(json.loads(row["body"])),
                            version=row["version"], body_hash=row["body_hash"],
                            created_at=row["created_at"])


def _release_record(row: Mapping[str, Any]) -> ReleaseRecord:
    return ReleaseRecord(name=row["name"], version=row["version"], field=row["field"],
                         statistic=row["statistic"], method=row["method"],
                         body=json.loads(row["body"]), requested_by=row["requested_by"],
                         created_at=row["created_at"])
