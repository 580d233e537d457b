"""`rxtwin consortium ...`: the consortium's pool of confidential submissions.

Thin: each command opens the store named by ``--db`` (default: env ``RXTWIN_DB``, else
``rxtwin.sqlite`` in the current folder), calls one function of
:mod:`rxtwin.runs.consortium` and prints the result. Rejected input prints one line per
problem on stderr and exits with code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rxtwin.cli.common import fail, user_errors
from rxtwin.store import Store, default_db_url

app = typer.Typer(help="The consortium's pool: register, submit, list, release, audit.",
                  no_args_is_help=True, add_completion=False)
audit_app = typer.Typer(help="The audit log of every read and write of pooled data.",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")

DbOption = Annotated[str, typer.Option(
    "--db", default_factory=default_db_url,
    show_default="env RXTWIN_DB, else ./rxtwin.sqlite",
    help="Store holding the pool: a SQLite file path or a postgresql:// URL.")]
OrgOption = Annotated[str, typer.Option("--org", help="The organisation (tenant) acting.")]


@app.command("register")
@user_errors
def register(
    organisation: Annotated[str, typer.Argument(help="Id the organisation's submissions carry.")],
    db: DbOption,
    name: Annotated[str | None, typer.Option(help="Display name (default: the id).")] = None,
    epsilon_total: Annotated[float | None, typer.Option(
        help="Privacy budget for differentially private releases it asks (no default: the "
             "consortium's policy).")] = None,
) -> None:
    """Admit an organisation to the pool, with its privacy budget if given."""
    from rxtwin.runs.consortium import register_organisation

    with Store.open(db) as store:
        register_organisation(store, organisation, name=name, epsilon_total=epsilon_total)
    budget = "" if epsilon_total is None else f" with a privacy budget of epsilon {epsilon_total:g}"
    typer.echo(f"registered organisation {organisation}{budget}")


@app.command("submit")
@user_errors
def submit(
    file: Annotated[Path, typer.Argument(help="Submission file (YAML or JSON).")],
    org: OrgOption,
    db: DbOption,
) -> None:
    """Validate a submission file and store it as the next version of its key."""
    from rxtwin.runs.consortium import submit_file

    with Store.open(db) as store:
        result = submit_file(store, file, org)
    what = "stored as version" if result.new else "unchanged, still version"
    typer.echo(f"{result.key}: {what} {result.version}")


@app.command("list")
@user_errors
def list_submissions(org: OrgOption, db: DbOption) -> None:
    """List the organisation's own submissions, every version (never another's)."""
    from rxtwin.runs.consortium import list_own_submissions

    with Store.open(db) as store:
        records = list_own_submissions(store, org)
    if not records:
        typer.echo(f"organisation {org} has no submissions")
    for record in records:
        figures = record.submission.model_dump(
            exclude={"schema_version", "organisation_id", "unit_kind", "unit_id",
                     "period_yr", "dosage_form", "region"}, exclude_none=True, mode="json")
        shown = ", ".join(f"{k}={v}" for k, v in figures.items())
        typer.echo(f"{record.key}  v{record.version}  "
                      f"{record.created_at:%Y-%m-%d %H:%M:%S}  {shown}")


@app.command("release")
@user_errors
def release(
    statistic: Annotated[str, typer.Argument(
        help="sum, mean, median, quantile, triangular or table (rules: a table of sums "
             "with totals and complementary suppression); sum, mean or count (DP).")],
    field: Annotated[str, typer.Option("--field", help="The pooled figure, e.g. changeover_h.")],
    db: DbOption,
    group_by: Annotated[list[str] | None, typer.Option(
        "--group-by", help="Group column (repeat): dosage_form, region, unit_kind, "
                           "period_yr.")] = None,
    name: Annotated[str | None, typer.Option(
        help="Name of the statistic (default FIELD.STATISTIC[.by.GROUPS][.dp]).")] = None,
    quantile: Annotated[float, typer.Option(help="The quantile, for 'quantile'.")] = 0.5,
    dp_epsilon: Annotated[float | None, typer.Option(
        "--dp-epsilon", help="Release with differential privacy, spending this epsilon "
                             "from --org's budget.")] = None,
    org: Annotated[str | None, typer.Option(
        "--org", help="The organisation asking (DP only).")] = None,
    bounds: Annotated[str | None, typer.Option(
        help="Declared bounds LOW,HIGH of the figure per submission (DP only).")] = None,
    rules: Annotated[Path | None, typer.Option(
        help="Disclosure rules file (default: the bundled disclosure_defaults.yaml).")] = None,
) -> None:
    """Release a statistic per group under the disclosure rules or DP; print what was
    suppressed and why.

    Runs over the latest version of every organisation's submission and stores the
    statistic as the next version of its name.
    """
    from rxtwin.runs.consortium import load_disclosure_rules, release_statistic

    parsed = None
    if bounds is not None:
        try:
            low, high = (float(b) for b in bounds.split(","))
        except ValueError:
            raise fail(f"--bounds {bounds!r} must be two numbers LOW,HIGH") from None
        parsed = (low, high)
    with Store.open(db) as store:
        released = release_statistic(
            store, statistic, field, group_by or [], name=name,
            rules=None if rules is None else load_disclosure_rules(rules), quantile=quantile,
            dp_epsilon=dp_epsilon, organisation_id=org, bounds=parsed)
    body = released.body
    typer.echo(f"released {released.name}@{released.version} ({body['method']}): "
                  f"{body['statistic']} of {body['field']}")
    for cell in body["cells"]:
        group = ", ".join(f"{k}={v}" for k, v in cell["group"].items()) or "whole pool"
        if not cell["released"]:
            shown = "suppressed"
        elif "distribution" in cell:
            shown = ", ".join(f"{k} {v:.6g}" if isinstance(v, float) else f"{k} {v}"
                              for k, v in cell["distribution"].items())
        else:
            shown = f"{cell['value']:.6g}"
        typer.echo(f"  {group}: {shown}")
    for cell in released.suppressed:
        group = ", ".join(f"{k}={v}" for k, v in cell["group"].items()) or "whole pool"
        typer.echo(f"suppressed {group}: {cell['reason']}")


@audit_app.command("verify")
@user_errors
def audit_verify(db: DbOption) -> None:
    """Check the audit log's hash chain; exit 1 if an entry was edited, deleted or moved."""
    from rxtwin.runs.consortium import verify_audit

    with Store.open(db, create=False) as store:
        check = verify_audit(store)
    if not check.ok:
        for problem in check.problems:
            typer.echo(f"audit: {problem}", err=True)
        typer.echo(f"audit log BROKEN ({check.n_entries} entries checked)", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit log intact: {check.n_entries} entries, head {check.head_hash}")
