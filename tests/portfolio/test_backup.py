"""Backup and restore: `portfolio_dump`, `portfolio_restore`, `portfolio_backup_sqlite`, pg_dump.

The round trip compares every table Django knows (apps.get_models, with history and many-to-many
tables) by row count and a checksum of its rows, so a table added later is covered without
touching this file.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import json
import os
import sqlite3
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory

from initiatives.models import Initiative, ProgressUpdate
from organisation.models import Department
from portfolio.models import DataVersion
from tests.conftest import make_department, make_initiative, make_update, make_user

ROLES = {"office", "department_head", "executive"}

# Rows whose ids the target database gives itself (migrate creates them): compared, and referred
# to, by natural key. Every other id must come back as it was.
BY_NATURAL_KEY = (Group, Permission, ContentType)

# The cache version is not data: a restore gives the data a new one, so that no app server
# serves figures cached before it.
NOT_COMPARED = {"portfolio.dataversion"}


def _tables() -> list:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in NOT_COMPARED
    ]


def _normalise(value):
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def fingerprint() -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 of its sorted rows."""
    natural = {
        model: {row.pk: row.natural_key() for row in model._base_manager.select_related()}
        for model in BY_NATURAL_KEY
    }
    result = {}
    for model in _tables():
        fields = [
            field
            for field in model._meta.concrete_fields
            if not (field.primary_key and model in natural)
        ]
        rows = []
        for values in model._base_manager.values_list(*[field.attname for field in fields]):
            row = []
            for field, value in zip(fields, values, strict=True):
                if field.is_relation and field.related_model in natural and value is not None:
                    value = natural[field.related_model][value]
                row.append(_normalise(value))
            rows.append(repr(tuple(row)))
        rows.sort()
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        result[model._meta.label_lower] = (len(rows), digest)
    return result


def empty_the_database() -> None:
    """What a freshly migrated database holds: flush, then the migration that makes the roles."""
    call_command("flush", interactive=False, verbosity=0)
    # Another database gives the role groups other ids than the source did.
    Group.objects.create(name="a group that used up an id").delete()
    roles = importlib.import_module("portfolio.migrations.0001_roles")
    roles.create_roles(apps, None)
    assert set(Group.objects.values_list("name", flat=True)) == ROLES


def dump(path: Path) -> Path:
    call_command("portfolio_dump", str(path), stdout=StringIO())
    return path


def restore(path: Path) -> str:
    out = StringIO()
    call_command("portfolio_restore", str(path), stdout=out)
    return out.getvalue()


def read_lines(path: Path) -> list[dict]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def write_lines(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def make_small_portfolio() -> Initiative:
    department = make_department()
    head = make_user("department_head", department)
    initiative = make_initiative(department, owner=head)
    make_update(initiative, head)
    return initiative


@pytest.mark.django_db(transaction=True)
def test_a_dump_of_the_demo_city_restores_into_an_empty_database_table_for_table(
    settings, tmp_path
):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    before = fingerprint()
    # What the demo city must bring along, or the comparison proves little.
    for table in [
        "auth.user",
        "auth.user_groups",
        "organisation.department_members",
        "initiatives.historicalinitiative",
        "organisation.historicaldepartment_members",
        "benefits.historicalmeasurement",
    ]:
        assert before[table][0] > 0, table
    path = dump(tmp_path / "portfolio.jsonl.gz")
    empty_the_database()
    assert fingerprint() != before

    output = restore(path)

    after = fingerprint()
    assert {name: after[name] for name in before if after[name] != before[name]} == {}
    assert after == before
    assert "Restored" in output and "initiatives.initiative" in output
    # The role groups were reused, not created again beside the migration's.
    assert Group.objects.count() == len(ROLES)


@pytest.mark.django_db(transaction=True)
def test_restored_users_sign_in_with_their_passwords_and_keep_their_role(tmp_path):
    username = make_small_portfolio().owner.username
    path = dump(tmp_path / "portfolio.jsonl")
    empty_the_database()
    restore(path)
    user = authenticate(
        request=RequestFactory().post("/login/"), username=username, password="secret-pass-123"
    )
    assert user is not None
    assert list(user.groups.values_list("name", flat=True)) == ["department_head"]


@pytest.mark.django_db(transaction=True)
def test_new_rows_after_a_restore_get_new_ids(tmp_path):
    initiative = make_small_portfolio()
    path = dump(tmp_path / "portfolio.jsonl")
    empty_the_database()
    restore(path)
    department = Department.objects.create(name="Nya förvaltningen", code="NY")
    fresh = make_initiative(department)
    assert fresh.pk > initiative.pk
    assert department.history.exists()


@pytest.mark.django_db(transaction=True)
def test_the_restore_refuses_a_database_that_holds_data(tmp_path):
    make_small_portfolio()
    path = dump(tmp_path / "portfolio.jsonl")
    before = fingerprint()
    with pytest.raises(
        CommandError, match=r"The database is not empty: it holds rows in auth.user \(1\)"
    ):
        restore(path)
    assert fingerprint() == before


@pytest.mark.django_db(transaction=True)
def test_a_dump_cut_off_before_its_end_restores_nothing(tmp_path):
    make_small_portfolio()
    lines = read_lines(dump(tmp_path / "portfolio.jsonl"))
    empty_the_database()
    empty = fingerprint()
    cut = write_lines(tmp_path / "cut.jsonl", lines[:-3])
    with pytest.raises(CommandError, match="the dump is incomplete. Nothing was restored"):
        restore(cut)
    assert fingerprint() == empty


@pytest.mark.django_db(transaction=True)
def test_a_row_that_cannot_be_loaded_undoes_the_rows_before_it(tmp_path):
    make_small_portfolio()
    lines = read_lines(dump(tmp_path / "portfolio.jsonl"))
    empty_the_database()
    empty = fingerprint()
    update = next(line for line in lines if line.get("model") == "initiatives.progressupdate")
    update["fields"]["author"] = ["nobody-by-that-name"]
    broken = write_lines(tmp_path / "broken.jsonl", lines)
    with pytest.raises(CommandError, match="The restore failed and nothing was restored"):
        restore(broken)
    assert fingerprint() == empty


@pytest.mark.django_db(transaction=True)
def test_a_dump_with_rows_missing_is_refused(tmp_path):
    make_small_portfolio()
    lines = read_lines(dump(tmp_path / "portfolio.jsonl"))
    empty_the_database()
    empty = fingerprint()
    lines = [line for line in lines if line.get("model") != "initiatives.historicalinitiative"]
    with pytest.raises(CommandError, match=r"initiatives.historicalinitiative \(0 of 1\)"):
        restore(write_lines(tmp_path / "short.jsonl", lines))
    assert fingerprint() == empty


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"hello, world\n", "is not a readable portfolio dump"),
        (b'["a", "list"]\n', "is not a readable portfolio dump"),
        (b'{"model": "auth.user"}\n', "is not a portfolio dump"),
        (b"\x1f\x8b\x08\x00 not really gzip", "is not a readable portfolio dump"),
        (b"\xff\xfe\x00 not UTF-8", "is not a readable portfolio dump"),
    ],
    ids=["empty", "text", "json-list", "no-header", "bad-gzip", "not-utf8"],
)
def test_it_refuses_a_file_that_is_not_a_dump(tmp_path, content, message):
    path = tmp_path / "not-a-dump.jsonl"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        restore(path)


@pytest.mark.django_db
def test_it_says_when_the_file_cannot_be_read(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.jsonl"):
        restore(tmp_path / "missing.jsonl")


@pytest.mark.django_db
def test_it_refuses_a_row_that_is_not_a_row(tmp_path):
    lines = read_lines(dump(tmp_path / "portfolio.jsonl"))
    lines.insert(1, {"model": "initiatives.initiative", "fields": "not an object"})
    with pytest.raises(CommandError, match="line 2: not a row of a portfolio dump"):
        restore(write_lines(tmp_path / "odd.jsonl", lines))


@pytest.mark.django_db
def test_it_refuses_a_dump_made_at_other_migrations(tmp_path):
    lines = read_lines(dump(tmp_path / "portfolio.jsonl"))
    lines[0]["migrations"] = [*lines[0]["migrations"], "initiatives.9999_from_the_future"]
    lines[0]["migrations"].remove("portfolio.0001_roles")
    path = write_lines(tmp_path / "newer.jsonl", lines)
    with pytest.raises(CommandError) as refused:
        restore(path)
    assert "this database lacks initiatives.9999_from_the_future" in str(refused.value)
    assert "the dump was made before portfolio.0001_roles" in str(refused.value)


@pytest.mark.django_db
def test_the_dump_leaves_out_sessions_login_logs_permissions_and_the_cache_version(tmp_path):
    from axes.models import AccessAttempt

    make_small_portfolio()
    SessionStore().create()
    AccessAttempt.objects.create(username="someone", ip_address="127.0.0.1", failures_since_start=1)
    DataVersion.objects.get_or_create(pk=1, defaults={"token": "x"})
    lines = read_lines(dump(tmp_path / "portfolio.jsonl"))
    models = {line["model"] for line in lines[1:-1]}
    assert {"initiatives.initiative", "initiatives.historicalinitiative"} <= models

    def left_out(name: str) -> bool:
        return name.split(".")[0] in {"sessions", "axes", "contenttypes"} or name in {
            "auth.permission",
            "portfolio.dataversion",
        }

    assert not [name for name in models if left_out(name)]
    assert not [name for name in lines[-1]["counts"] if left_out(name)]


@pytest.mark.django_db
def test_the_dump_names_users_and_groups_by_natural_key_and_keeps_password_hashes(tmp_path):
    initiative = make_small_portfolio()
    lines = read_lines(dump(tmp_path / "portfolio.jsonl.gz"))
    groups = [line for line in lines if line.get("model") == "auth.group"]
    assert {line["fields"]["name"] for line in groups} == ROLES
    assert all("pk" not in line for line in groups)
    head = initiative.owner
    (user,) = [
        line
        for line in lines
        if line.get("model") == "auth.user" and line["fields"]["username"] == head.username
    ]
    assert user["pk"] == head.pk
    assert user["fields"]["password"] == head.password
    memberships = [line for line in lines if line.get("model") == "auth.user_groups"]
    assert {"user": [head.username], "group": ["department_head"]} in [
        line["fields"] for line in memberships
    ]
    (row,) = [line for line in lines if line.get("model") == "initiatives.initiative"]
    assert row["fields"]["owner"] == [head.username]


@pytest.mark.django_db
def test_the_dump_keeps_times_to_the_microsecond(tmp_path):
    initiative = make_small_portfolio()
    update = ProgressUpdate.objects.get(initiative=initiative)
    lines = read_lines(dump(tmp_path / "portfolio.jsonl"))
    (row,) = [line for line in lines if line.get("model") == "initiatives.progressupdate"]
    assert row["fields"]["created_at"] == update.created_at.isoformat()


@pytest.mark.django_db
def test_a_dump_without_a_file_goes_to_standard_output():
    make_small_portfolio()
    out, err = StringIO(), StringIO()
    call_command("portfolio_dump", stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert json.loads(lines[0])["format"] == "digitalization-portfolio-dump"
    assert "counts" in json.loads(lines[-1])
    assert "Dumped" in err.getvalue()


@pytest.mark.django_db
def test_a_dump_that_cannot_be_written_says_so_and_leaves_no_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("portfolio_dump", str(tmp_path / "no-such-folder" / "x.jsonl"))
    assert not list(tmp_path.iterdir())


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backup API; see pg_dump below")
def test_the_sqlite_backup_is_a_sound_database_with_the_same_rows(tmp_path):
    make_small_portfolio()
    copy_path = tmp_path / "copy.sqlite3"
    out = StringIO()
    call_command("portfolio_backup_sqlite", str(copy_path), stdout=out)
    assert "integrity check: ok" in out.getvalue()
    copy = sqlite3.connect(copy_path)
    try:
        for model in apps.get_models(include_auto_created=True):
            if not model._meta.managed or model._meta.proxy:
                continue
            table = model._meta.db_table
            (count,) = copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
            assert count == model._base_manager.count(), table
    finally:
        copy.close()
    assert Initiative.objects.exists()


# Outside a transaction, as the command runs: a transaction begun as a writer (SQLite's IMMEDIATE
# mode) holds a lock the backup would wait on forever.
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backup API")
def test_the_sqlite_backup_never_overwrites_without_being_told(tmp_path):
    existing = tmp_path / "copy.sqlite3"
    existing.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="exists; choose another name or pass --overwrite"):
        call_command("portfolio_backup_sqlite", str(existing), stdout=StringIO())
    assert existing.read_bytes() == b"an older backup"
    call_command("portfolio_backup_sqlite", str(existing), "--overwrite", stdout=StringIO())
    assert existing.read_bytes().startswith(b"SQLite format 3")


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "sqlite", reason="only refused on other databases")
def test_the_sqlite_backup_points_other_databases_to_pg_dump(tmp_path):
    with pytest.raises(CommandError, match="pg_dump -Fc"):
        call_command("portfolio_backup_sqlite", str(tmp_path / "copy.sqlite3"))


def _pg_environment() -> dict[str, str]:
    settings_dict = connection.settings_dict
    env = dict(os.environ)
    for key, name in [("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                      ("PASSWORD", "PGPASSWORD")]:  # fmt: skip
        if settings_dict.get(key):
            env[name] = str(settings_dict[key])
    # Rows are compared as text: timestamps in the zone Django's connection uses.
    env["PGTZ"] = "UTC"
    return env


def _pg(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(args)}: {done.stderr}"
    return done


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump and pg_restore need PostgreSQL"
)
def test_pg_dump_and_pg_restore_copy_every_table(tmp_path):
    make_small_portfolio()
    env = _pg_environment()
    archive = tmp_path / "portfolio.dump"
    _pg(env, "pg_dump", "-Fc", "--no-owner", "-f", str(archive), connection.settings_dict["NAME"])
    scratch = f"portfolio_restore_drill_{os.getpid()}"
    _pg(env, "createdb", scratch)
    try:
        _pg(env, "pg_restore", "--no-owner", "--exit-on-error", "-d", scratch, str(archive))
        for model in apps.get_models(include_auto_created=True):
            if not model._meta.managed or model._meta.proxy:
                continue
            # The row count and a hash of every row's text, sorted, in each database.
            query = (
                "SELECT COUNT(*) || ' ' || COALESCE(md5(string_agg(t::text, '|' "
                f"ORDER BY t::text)), '-') FROM \"{model._meta.db_table}\" t"
            )
            with connection.cursor() as cursor:
                cursor.execute(query)
                (original,) = cursor.fetchone()
            copied = _pg(env, "psql", "-XAtq", "-d", scratch, "-c", query)
            assert copied.stdout.strip() == original, model._meta.db_table
    finally:
        _pg(env, "dropdb", "--if-exists", "--force", scratch)
