"""The `hotline` command: every process and every operator task starts here."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from hotline.config import ConfigError, Settings, load_settings
from ticketing.errors import HotlineError


def _fail_cleanly(function: Callable[..., Any]) -> Callable[..., Any]:
    """Expected errors become one clear line on stderr and exit code 2, not a traceback."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except HotlineError as error:
            click.echo(f"错误 [{error.code}]：{error.message}", err=True)
            sys.exit(2)
        except ConfigError as error:
            click.echo(f"configuration error: {error}", err=True)
            sys.exit(2)

    return wrapper


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _database(settings: Settings) -> Any:
    from ticketing.db import Database
    from ticketing.redis_feed import RedisEventPublisher

    publisher = RedisEventPublisher.from_url(settings.effective_redis_url)
    return Database(settings.effective_database_url, publisher=publisher)


@click.group()
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML settings file.")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None) -> None:
    """12345 政务服务便民热线 — hotline and ticketing system."""
    try:
        settings = load_settings(config_file)
    except ConfigError as error:
        raise click.ClickException(f"configuration error: {error}") from None
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    ctx.obj = {"settings": settings}


@main.command()
@click.option("--demo", is_flag=True, help="Seed the demo city when the database is empty.")
@click.pass_context
@_fail_cleanly
def up(ctx: click.Context, demo: bool) -> None:
    """Start everything (embedded redis, migrations, workers, web); Ctrl-C stops it all."""
    from hotline.processes import child_specs, ensure_port_free
    from hotline.supervisor import Supervisor

    settings = _settings(ctx)
    ensure_port_free(settings.web_host, settings.web_port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(child_specs(settings))

    def announce() -> None:
        click.echo(f"hotline up: http://{settings.web_host}:{settings.web_port}/healthz  (Ctrl-C stops)")

    sys.exit(supervisor.run(prepare=lambda: _prepare_database(settings, demo), on_ready=announce))


def _prepare_database(settings: Settings, demo: bool, *, tickets: int = 2000, seed: int = 12345) -> bool:
    """Migrations, the working-day calendar around today, the demo city when asked for (True when
    it was seeded), and the phone accounts the SIP edge accepts."""
    from dispatch.calendar_store import seed_calendar_days
    from hotline.migrate import upgrade
    from hotline.telephony_setup import sync_phone_directory
    from ticketing.models import utcnow

    upgrade(settings.effective_database_url)
    db = _database(settings)
    try:
        year = utcnow().year
        with db.session() as session:
            seed_calendar_days(session, range(year - 1, year + 2))
        seeded = demo and _seed_demo(settings, db, tickets, seed)
        if settings.telephony_workers:
            sync_phone_directory(settings, db)
        return seeded
    finally:
        db.dispose()


def _seed_demo(settings: Settings, db: Any, tickets: int, seed: int) -> bool:
    from hotline.demo import seed_demo_if_empty, seed_demo_phones

    credentials = seed_demo_if_empty(db, tickets=tickets, seed=seed)
    if not credentials:
        return False
    from dispatch.training import retrain_from_database

    # The nightly retraining is hours away; the demo should suggest from its first call.
    retrain_from_database(db, settings.suggesters_dir)
    _print_credentials(credentials + seed_demo_phones(db, credentials, settings.sip_realm))
    return True


def _print_credentials(credentials: list[tuple[str, str, str]]) -> None:
    click.echo("演示账号（密码只显示这一次）:")
    for username, role, password in credentials:
        click.echo(f"  {username:<16} {role:<12} {password}")


@main.command()
@click.pass_context
def web(ctx: click.Context) -> None:
    """Serve the web application."""
    from aiohttp import web as aioweb

    from web.app import create_app, use_threads
    from web.rate_limit import Limit, RateLimits

    settings = _settings(ctx)
    limits = RateLimits(
        public=Limit(settings.rate_public_per_minute, 60),
        public_submit=Limit(settings.rate_submit_per_hour, 3600),
        public_lookup=Limit(settings.rate_lookup_per_minute, 60),
        login=Limit(settings.rate_login_per_minute, 60),
        open311_post=Limit(settings.rate_open311_post_per_minute, 60),
        device=Limit(settings.rate_device_per_minute, 60),
        lookup_failures=Limit(settings.rate_lookup_failures_per_ticket_per_hour, 3600),
        forwarded_hops=settings.web_forwarded_hops,
    )
    app = create_app(_database(settings), settings.effective_redis_url, settings.data_dir, limits)
    use_threads(app, settings.web_threads)
    # reuse_port: `hotline up` runs web_processes of these on one port (it checks the port is free).
    aioweb.run_app(app, host=settings.web_host, port=settings.web_port, print=None, reuse_port=True)


@main.command()
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.pass_context
def worker(ctx: click.Context, burst: bool) -> None:
    """Run an RQ worker (with the scheduler) for background jobs."""
    from hotline.worker import run_worker

    run_worker(_settings(ctx), burst=burst)


@main.command()
@click.pass_context
def cron(ctx: click.Context) -> None:
    """Enqueue the periodic jobs (the supervision sweep every minute)."""
    from hotline.worker import run_cron

    run_cron(_settings(ctx))


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply all migrations."""
    from hotline.migrate import current_revision, upgrade

    url = _settings(ctx).effective_database_url
    upgrade(url)
    click.echo(f"database at revision {current_revision(url)}")


@main.group()
def demo() -> None:
    """The demo city."""


@demo.command("seed")
@click.option("--tickets", default=2000, show_default=True, help="Historical tickets to create.")
@click.option("--seed", "random_seed", default=12345, show_default=True, help="Random seed.")
@click.pass_context
@_fail_cleanly
def demo_seed(ctx: click.Context, tickets: int, random_seed: int) -> None:
    """Seed the demo city into an empty database."""
    if not _prepare_database(_settings(ctx), True, tickets=tickets, seed=random_seed):
        raise click.ClickException("the database is not empty; the demo is only seeded into an empty one")


@main.group()
def models() -> None:
    """Speech-recognition models (vosk)."""


@models.command("list")
def models_list() -> None:
    """Known models and where copies of them are installed."""
    from voice_models.install import list_models

    for status in list_models():
        spec = status.spec
        mark = "*" if spec.default else " "
        where = ", ".join(str(m.path) for m in status.installed) or "not installed"
        click.echo(f"{mark} {spec.name:<28} {spec.language:<3} {where}")


@models.command("install")
@click.argument("source")
@click.option("--name", help="Model name (defaults to the archive or folder name).")
@click.option("--sha256", help="Expected SHA-256 of the zip, for a model the manifest does not know.")
@click.option("--force", is_flag=True, help="Replace a different model installed under the same name.")
def models_install(source: str, name: str | None, sha256: str | None, force: bool) -> None:
    """Install a model from an https URL, a local zip or a local folder; verified and atomic."""
    from voice_models.archive import InstallError
    from voice_models.install import install

    try:
        result = install(source, name=name, sha256=sha256, force=force)
    except (InstallError, ValueError, FileNotFoundError) as error:
        click.echo(f"install failed: {error}", err=True)
        sys.exit(2)
    click.echo(result.describe())


@models.command("check")
@click.option("--deep", is_flag=True, help="Re-hash every file against its install record.")
def models_check(deep: bool) -> None:
    """Which model the system will use, and whether it is intact; exit 1 when no usable model."""
    from voice_models.install import check

    report = check(deep=deep)
    click.echo(report.to_text())
    sys.exit(0 if report.ok else 1)


@main.group("dispatch")
def dispatch_group() -> None:
    """Graded dispatch: SLA policy, working-day calendar, catalogue rules, supervision, classifier."""


def _with_session(ctx: click.Context, work: Callable[[Any], None]) -> None:
    db = _database(_settings(ctx))
    try:
        with db.session() as session:
            work(session)
    finally:
        db.dispose()


@dispatch_group.command("policy")
@click.argument("grade", required=False)
@click.argument("stage", required=False)
@click.argument("amount", type=int, required=False)
@click.argument(
    "unit", required=False, type=click.Choice(["clock_minutes", "working_minutes", "working_days"])
)
@click.pass_context
@_fail_cleanly
def dispatch_policy(
    ctx: click.Context, grade: str | None, stage: str | None, amount: int | None, unit: str | None
) -> None:
    """Show the SLA policy, or set one limit: GRADE STAGE AMOUNT UNIT (e.g. normal reply 5 working_days)."""
    from dispatch.policy import load_policy, set_limit

    def work(session: Any) -> None:
        if grade is not None:
            if stage is None or amount is None or unit is None:
                raise click.UsageError("give GRADE STAGE AMOUNT UNIT, or nothing to show the policy")
            set_limit(session, grade, stage, amount, unit)
            session.flush()
        policy = load_policy(session)
        for (g, st), limit in sorted(policy.limits.items()):
            click.echo(f"{g:<10} {st:<9} {limit.amount:>5} {limit.unit}")
        for key, value in sorted(policy.settings.items()):
            click.echo(f"{key:<28} {value:g}")

    _with_session(ctx, work)


@dispatch_group.command("setting")
@click.argument("key")
@click.argument("value", type=float)
@click.pass_context
@_fail_cleanly
def dispatch_setting(ctx: click.Context, key: str, value: float) -> None:
    """Set a dispatch rule number (max_extensions, return_window_working_days, warning_share, ...)."""
    from dispatch.policy import set_setting

    _with_session(ctx, lambda session: set_setting(session, key, value))
    click.echo(f"{key} = {value:g}")


@dispatch_group.command("calendar-day")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--workday/--holiday", required=True, help="Working day (e.g. 调休) or day off.")
@click.option("--name", help="e.g. 春节, 调休上班")
@click.pass_context
@_fail_cleanly
def dispatch_calendar_day(ctx: click.Context, day: Any, workday: bool, name: str | None) -> None:
    """Set one day of the working-day calendar (years chinese_calendar does not know yet, or changes)."""
    from dispatch.calendar_store import set_day

    _with_session(ctx, lambda session: set_day(session, day.date(), is_workday=workday, name=name))
    click.echo(f"{day.date()} {'working day' if workday else 'day off'} {name or ''}")


@dispatch_group.command("rule")
@click.argument("category_prefix")
@click.argument("unit_code")
@click.option("--area", "area_code", help="Only for tickets in this unit's area (org unit code).")
@click.option("--priority", default=100, show_default=True, help="Lower wins among equally specific rules.")
@click.pass_context
@_fail_cleanly
def dispatch_rule(
    ctx: click.Context, category_prefix: str, unit_code: str, area_code: str | None, priority: int
) -> None:
    """Add a dispatch catalogue rule: tickets of CATEGORY_PREFIX (2, 4 or 6 digits) go to UNIT_CODE."""
    from dispatch.routing import add_rule

    _with_session(
        ctx,
        lambda session: add_rule(session, category_prefix, unit_code, area_code=area_code, priority=priority),
    )
    click.echo(f"rule added: {category_prefix} -> {unit_code}" + (f" in {area_code}" if area_code else ""))


@dispatch_group.command("sweep")
@click.pass_context
def dispatch_sweep(ctx: click.Context) -> None:
    """Run one supervision sweep now (the cron scheduler runs it every minute)."""
    from dispatch.supervision import sweep

    db = _database(_settings(ctx))
    try:
        report = sweep(db)
    finally:
        db.dispose()
    click.echo(f"adopted {report.adopted}; fired {report.fired or 'nothing'}")


@dispatch_group.command("train")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of labelled texts; without it, train from the system's own finished tickets.",
)
@click.option("--text", "text_col", help="Column holding the request text.")
@click.option("--label", "label_col", help="Column holding the label.")
@click.option(
    "--target",
    type=click.Choice(["type", "category", "unit"]),
    default="category",
    show_default=True,
    help="What the CSV's labels are: ticket types, category codes or unit codes.",
)
@click.pass_context
def dispatch_train(
    ctx: click.Context, csv_file: Path | None, text_col: str | None, label_col: str | None, target: str
) -> None:
    """Train the classifier the suggestions use (from a CSV, or from closed tickets)."""
    from dispatch.suggestions import model_path

    settings = _settings(ctx)
    if csv_file is None:
        from dispatch.training import retrain_from_database

        db = _database(settings)
        try:
            trained = retrain_from_database(db, settings.suggesters_dir)
        finally:
            db.dispose()
        for name, examples in trained.items():
            click.echo(
                f"{name}: trained on {examples} tickets -> {model_path(settings.suggesters_dir, name)}"
            )
        if not trained:
            click.echo("nothing trained: too few finished tickets with confirmed labels")
        return
    if not text_col or not label_col:
        raise click.UsageError("--csv needs --text and --label")
    from dispatch.classifier_eval import CsvDataError, train_csv

    try:
        classifier = train_csv(csv_file, text_col, label_col)
    except CsvDataError as error:
        raise click.ClickException(str(error)) from None
    path = classifier.save(model_path(settings.suggesters_dir, target))
    meta = classifier.metadata
    click.echo(
        f"trained on {meta.n_samples} texts, {len(meta.labels)} labels, "
        f"in {meta.train_seconds:.1f} s -> {path}"
    )


@dispatch_group.command("evaluate")
@click.option(
    "--csv", "csv_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--text", "text_col", required=True, help="Column holding the request text.")
@click.option("--label", "label_col", required=True, help="Column holding the label.")
@click.option("--seed", default=42, show_default=True, help="Seed of the stratified 80/20 split.")
def dispatch_evaluate(csv_file: Path, text_col: str, label_col: str, seed: int) -> None:
    """Train on a stratified 80 % of a CSV and print accuracy and macro-F1 on the other 20 %."""
    from dispatch.classifier_eval import CsvDataError, evaluate_csv, format_report

    try:
        report = evaluate_csv(csv_file, text_col, label_col, seed=seed)
    except CsvDataError as error:
        raise click.ClickException(str(error)) from None
    click.echo(format_report(report))


@main.group()
def open311() -> None:
    """Open311 GeoReport v2 at /open311/v2/: the API keys of integrating systems."""


@open311.group("key")
def open311_key() -> None:
    """API keys: only a hash is stored, so a key is shown once, when it is created."""


@open311_key.command("create")
@click.argument("name")
@click.pass_context
@_fail_cleanly
def open311_key_create(ctx: click.Context, name: str) -> None:
    """Issue a key for NAME (the integrator); the key alone goes to stdout, so scripts can capture it."""
    from ticketing.api_keys import issue_key

    db = _database(_settings(ctx))
    try:
        with db.session() as session:
            key = issue_key(session, name)
    finally:
        db.dispose()
    click.echo(key)
    click.echo(f"已为 {name} 签发 Open311 API 密钥；密钥只显示这一次，请立即妥善保存。", err=True)


@open311_key.command("revoke")
@click.argument("name")
@click.pass_context
@_fail_cleanly
def open311_key_revoke(ctx: click.Context, name: str) -> None:
    """Revoke NAME's key: its next request is refused (403)."""
    from ticketing.api_keys import revoke_key

    db = _database(_settings(ctx))
    try:
        with db.session() as session:
            revoke_key(session, name)
    finally:
        db.dispose()
    click.echo(f"{name} revoked")


@open311_key.command("list")
@click.pass_context
def open311_key_list(ctx: click.Context) -> None:
    """Keys with their prefix, state, creation and last use (never the keys themselves)."""
    from zoneinfo import ZoneInfo

    from ticketing.api_keys import list_keys

    def moment(value: Any) -> str:  # Beijing time, as operators read every other time
        return value.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") if value else "-"

    db = _database(_settings(ctx))
    try:
        with db.read_session() as session:
            for row in list_keys(session):
                state = "revoked" if row.revoked_at else "active"
                click.echo(
                    f"{row.name:<24} {row.prefix}…  {state:<8} "
                    f"created {moment(row.created_at)}  last used {moment(row.last_used_at)}"
                )
    finally:
        db.dispose()


@main.group()
def users() -> None:
    """User accounts."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, help="agent, dispatcher, handler, supervisor, leader, admin, analyst")
@click.option("--unit", "unit_code", required=True, help="Org unit code, e.g. CITY or D01.")
@click.option("--name", "display_name", help="Display name (defaults to the username).")
@click.option("--sip-uri", help="The agent's or leader's phone, e.g. sip:8001@10.0.0.5")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
@click.pass_context
@_fail_cleanly
def users_add(
    ctx: click.Context,
    username: str,
    role: str,
    unit_code: str,
    display_name: str | None,
    sip_uri: str | None,
    password_stdin: bool,
) -> None:
    """Create a user; the password comes from stdin, so it never shows in the process list."""
    from ticketing.users import add_user

    password = sys.stdin.readline().rstrip("\r\n")
    db = _database(_settings(ctx))
    try:
        with db.session() as session:
            user = add_user(
                session,
                username,
                role=role,
                unit_code=unit_code,
                password=password,
                display_name=display_name,
                sip_uri=sip_uri,
            )
            click.echo(f"created user {user.username} ({user.role}) in unit {unit_code}")
    finally:
        db.dispose()


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """List users with their role, unit and state."""
    from ticketing.users import list_users
    from ticketing.vocabulary import Role

    db = _database(_settings(ctx))
    try:
        with db.read_session() as session:
            for user, unit in list_users(session):
                state = "active" if user.active else "disabled"
                click.echo(
                    f"{user.username:<20} {Role(user.role).label:<6} {unit.code:<12} {unit.name} {state}"
                )
    finally:
        db.dispose()


def _set_active(ctx: click.Context, username: str, active: bool) -> None:
    from ticketing.users import set_active

    db = _database(_settings(ctx))
    try:
        with db.session() as session:
            set_active(session, username, active)
    finally:
        db.dispose()
    click.echo(f"{username} {'enabled' if active else 'disabled'}")


@main.group()
def phones() -> None:
    """Agents' and leaders' SIP phone accounts (their phones register at the edge)."""


def _change_phones(ctx: click.Context, change: Callable[[Any, Settings], str]) -> None:
    """Apply `change`, then rewrite the edge's subscriber table (a running edge re-reads it)."""
    from hotline.telephony_setup import sync_phone_directory

    settings = _settings(ctx)
    db = _database(settings)
    try:
        with db.session() as session:
            message = change(session, settings)
        sync_phone_directory(settings, db)
    finally:
        db.dispose()
    click.echo(message)


@phones.command("set")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (default: generate one).")
@click.pass_context
@_fail_cleanly
def phones_set(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Give USERNAME's phone a password; a generated one is printed once."""
    from ticketing.phone_accounts import set_phone_password

    given = sys.stdin.readline().rstrip("\r\n") if password_stdin else None

    def change(session: Any, settings: Settings) -> str:
        password = set_phone_password(session, username, settings.sip_realm, given)
        where = f"{settings.sip_host}:{settings.sip_port}, realm {settings.sip_realm}"
        shown = "(as given)" if given is not None else password
        return f"phone of {username}: register as {username} at {where}, password {shown}"

    _change_phones(ctx, change)


@phones.command("remove")
@click.argument("username")
@click.pass_context
@_fail_cleanly
def phones_remove(ctx: click.Context, username: str) -> None:
    """USERNAME's phone can no longer register."""
    from ticketing.phone_accounts import remove_phone

    def change(session: Any, _settings: Settings) -> str:
        return (
            f"phone of {username} removed" if remove_phone(session, username) else f"{username} had no phone"
        )

    _change_phones(ctx, change)


@phones.command("list")
@click.pass_context
def phones_list(ctx: click.Context) -> None:
    """The phones that may register (active users only)."""
    from ticketing.phone_accounts import subscribers

    db = _database(_settings(ctx))
    try:
        with db.read_session() as session:
            for account in subscribers(session):
                click.echo(f"{account.username:<20} realm {account.realm}")
    finally:
        db.dispose()


@users.command("disable")
@click.argument("username")
@click.pass_context
@_fail_cleanly
def users_disable(ctx: click.Context, username: str) -> None:
    """Disable a user (they can no longer log in; their history stays)."""
    _set_active(ctx, username, False)


@users.command("enable")
@click.argument("username")
@click.pass_context
@_fail_cleanly
def users_enable(ctx: click.Context, username: str) -> None:
    """Enable a disabled user again."""
    _set_active(ctx, username, True)


@main.command()
@click.option("--worker", "index", type=click.IntRange(1, 999), required=True, help="Worker number K.")
@click.pass_context
@_fail_cleanly
def telephony(ctx: click.Context, index: int) -> None:
    """Run SIP telephony worker K (pjsua2 on 127.0.0.1, port telephony_base_port + K)."""
    from hotline.telephony_setup import worker_config

    settings = _settings(ctx)
    config = worker_config(settings, index)  # a bad setting stops here, before pjsua2 is loaded
    if settings.embedded_redis and not settings.redis_socket.exists():
        raise click.ClickException("no Redis: set HOTLINE_REDIS_URL or start `hotline up`")
    if config.voice_model is None and settings.telephony_transcribe:
        logging.getLogger("telephony").warning("no Chinese speech model installed: no live transcript")
    from telephony.worker import run_worker

    run_worker(config)


@main.group()
def devices() -> None:
    """好差评 rating devices (评价器): register with the admin API; simulate a fleet here."""


@devices.command("register")
@click.argument("name")
@click.option("--window", "window_id", type=int, required=True, help="Window id (GET /api/admin/halls).")
@click.option(
    "--staff", "staff_user_id", type=int, default=None, help="User id of the window's staff member."
)
@click.pass_context
@_fail_cleanly
def devices_register(ctx: click.Context, name: str, window_id: int, staff_user_id: int | None) -> None:
    """Register device NAME at a window; its token alone goes to stdout (shown this once)."""
    from ticketing.rating_devices import register_device

    issued: list[tuple[int, str]] = []

    def work(session: Any) -> None:
        device, token = register_device(session, name, window_id, staff_user_id=staff_user_id)
        issued.append((device.id, token))

    _with_session(ctx, work)
    device_id, token = issued[0]
    click.echo(token)
    click.echo(f"已登记评价器 {name}（编号 {device_id}）；令牌只显示这一次，请写入设备。", err=True)


@devices.command("revoke")
@click.argument("device_id", type=int)
@click.pass_context
@_fail_cleanly
def devices_revoke(ctx: click.Context, device_id: int) -> None:
    """Revoke a device: its token is refused (401) from its next request on."""
    from ticketing.rating_devices import revoke_device

    _with_session(ctx, lambda session: revoke_device(session, device_id))
    click.echo(f"评价器 {device_id} 已停用")


@devices.command("simulate")
@click.option("--url", default=None, help="Base URL of the web server (default: this host's web port).")
@click.option("--devices", "count", type=click.IntRange(0, 10_000), default=0, help="Register N new devices.")
@click.option("--token", "tokens", multiple=True, help="Token of an existing device (repeatable).")
@click.option("--seconds", type=click.FloatRange(min=1), default=30.0, show_default=True)
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds between a device's ratings.",
)
@click.option("--bad-share", type=click.FloatRange(0, 1), default=0.05, show_default=True)
@click.option("--replay-share", type=click.FloatRange(0, 1), default=0.05, show_default=True)
@click.option("--seed", type=int, default=12345, show_default=True)
@click.pass_context
@_fail_cleanly
def devices_simulate(
    ctx: click.Context,
    url: str | None,
    count: int,
    tokens: tuple[str, ...],
    seconds: float,
    interval: float,
    bad_share: float,
    replay_share: float,
    seed: int,
) -> None:
    """Drive a fleet of simulated devices against the device API (demos, load tests)."""
    import asyncio

    from ticketing.demo.rating_fleet import register_fleet
    from web.device_simulator import FleetSettings, run_fleet

    settings = _settings(ctx)
    all_tokens = list(tokens)
    if count:
        _with_session(ctx, lambda session: all_tokens.extend(register_fleet(session, count)))
    if not all_tokens:
        raise click.UsageError("请用 --devices N 登记模拟评价器，或用 --token 指定已有评价器的令牌")
    fleet = FleetSettings(seconds, interval, bad_share, replay_share, seed)
    base = url or f"http://127.0.0.1:{settings.web_port}"
    click.echo(f"{len(all_tokens)} 台模拟评价器 → {base}，持续 {seconds:.0f} 秒", err=True)
    click.echo(asyncio.run(run_fleet(base, all_tokens, fleet)).summary())


if __name__ == "__main__":
    main()
