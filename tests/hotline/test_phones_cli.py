"""`hotline phones` as an operator uses it: the edge's subscriber table follows the phone accounts."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner, Result

from hotline.cli import main
from tests.hotline.test_users_cli import env  # noqa: F401 (the `env` fixture)
from ticketing.phone_accounts import digest_ha1


def hotline(environment: dict[str, str], *args: str, stdin: str = "") -> Result:
    """In-process (a subprocess per command costs seconds of imports); the same click entry point."""
    return CliRunner().invoke(main, list(args), env=environment, input=stdin)


def subscriber_rows(data_dir: Path) -> list[str]:
    table = data_dir / "telephony" / "kamailio" / "db" / "subscriber"
    return table.read_text().splitlines()[1:]


def test_set_list_remove_phone(env, tmp_path):  # noqa: F811
    environment, _url = env
    for name, role in (("agent01", "agent"), ("clerk", "handler")):
        added = hotline(
            environment, "users", "add", name, "--role", role, "--unit", "CITY", "--password-stdin",
            stdin="login-password-1\n",
        )  # fmt: skip
        assert added.exit_code == 0, added.stderr

    given = hotline(environment, "phones", "set", "agent01")
    assert given.exit_code == 0, given.stderr
    password = re.search(r"password (\S+)$", given.stdout.strip()).group(1)
    assert "realm hotline" in given.stdout
    # Only the digest reaches the edge, never the password.
    assert subscriber_rows(tmp_path) == [f"1:agent01:::{digest_ha1('agent01', 'hotline', password)}:"]
    assert password not in (tmp_path / "telephony" / "kamailio" / "db" / "subscriber").read_text()
    assert "agent01" in hotline(environment, "phones", "list").stdout

    chosen = hotline(environment, "phones", "set", "agent01", "--password-stdin", stdin="desk-phone-pass\n")
    assert chosen.exit_code == 0 and "(as given)" in chosen.stdout
    assert subscriber_rows(tmp_path) == [
        f"1:agent01:::{digest_ha1('agent01', 'hotline', 'desk-phone-pass')}:"
    ]

    for refused, code in (
        (hotline(environment, "phones", "set", "clerk"), "no_phone_for_role"),
        (
            hotline(environment, "phones", "set", "agent01", "--password-stdin", stdin="short\n"),
            "weak_phone_password",
        ),
        (hotline(environment, "phones", "set", "nobody"), "unknown_user"),
    ):
        assert refused.exit_code == 2 and code in refused.stderr, refused.stderr
    assert len(subscriber_rows(tmp_path)) == 1  # nothing changed

    removed = hotline(environment, "phones", "remove", "agent01")
    assert removed.exit_code == 0 and subscriber_rows(tmp_path) == []
