"""The floors: a raw SQL fetch of the rows each page needs, with nothing around it.

Plain SQL that SQLite and PostgreSQL both run. A page's time over its floor's is what the framework,
the ORM, the maths and the template add to fetching the data.
"""

from __future__ import annotations

OPEN = "i.archived_at IS NULL AND i.stage <> 'closed'"
LATEST = (
    "(SELECT p.{col} FROM initiatives_progressupdate p WHERE p.initiative_id = i.id "
    "ORDER BY p.date DESC, p.id DESC LIMIT 1)"
)
EXPECTED_SEK = (
    "(CASE WHEN b.direction = 'higher' THEN 1 ELSE -1 END) * (b.target_value - b.baseline_value)"
    " * (CASE WHEN b.valued_at_hourly_rate THEN 450 ELSE b.sek_per_unit END)"
)
REALISED_SEK = (
    "(CASE WHEN b.direction = 'higher' THEN 1 ELSE -1 END) * (b.latest_value - b.baseline_value)"
    " * (CASE WHEN b.valued_at_hourly_rate THEN 450 ELSE b.sek_per_unit END)"
)


def _list(where: str, limit: int) -> list[str]:
    return [
        f"SELECT i.id, i.ref, i.title, i.stage, i.outcome, i.kind, i.budget, d.name, "
        f"u.first_name, u.last_name, {LATEST.format(col='health')}, {LATEST.format(col='date')} "
        f"FROM initiatives_initiative i JOIN initiatives_department d ON d.id = i.department_id "
        f"LEFT JOIN auth_user u ON u.id = i.owner_id WHERE {where} ORDER BY i.ref LIMIT {limit}",
        f"SELECT COUNT(*) FROM initiatives_initiative i WHERE {where}",
    ]


def initiative_list() -> list[str]:
    return _list("i.archived_at IS NULL", 25)


def filtered_list(stage: str, kind: str) -> list[str]:
    return _list(f"i.archived_at IS NULL AND i.stage = '{stage}' AND i.kind = '{kind}'", 25)


def api_list() -> list[str]:
    return _list("i.archived_at IS NULL", 100)


def detail(ref: str) -> list[str]:
    one = f"(SELECT id FROM initiatives_initiative WHERE ref = '{ref}')"
    return [
        f"SELECT i.*, d.name, u.username FROM initiatives_initiative i "
        f"JOIN initiatives_department d ON d.id = i.department_id "
        f"LEFT JOIN auth_user u ON u.id = i.owner_id WHERE i.ref = '{ref}'",
        f"SELECT * FROM initiatives_progressupdate WHERE initiative_id = {one} "
        f"ORDER BY date DESC, id DESC",
        f"SELECT * FROM initiatives_stagechange WHERE initiative_id = {one}",
        f"SELECT * FROM initiatives_lesson WHERE initiative_id = {one}",
        f"SELECT * FROM benefits_benefit WHERE initiative_id = {one}",
        f"SELECT m.* FROM benefits_measurement m JOIN benefits_benefit b ON b.id = m.benefit_id "
        f"WHERE b.initiative_id = {one} ORDER BY m.date",
        f"SELECT g.title, a.score, a.reason FROM portfolio_councilgoal g LEFT JOIN "
        f"portfolio_alignment a ON a.goal_id = g.id AND a.initiative_id = {one} "
        f'WHERE g.active ORDER BY g."order"',
        f"SELECT * FROM initiatives_historicalinitiative WHERE id = {one}",
    ]


def benefits_register() -> list[str]:
    join = (
        "FROM benefits_benefit b JOIN initiatives_initiative i ON i.id = b.initiative_id "
        "JOIN initiatives_department d ON d.id = i.department_id WHERE i.archived_at IS NULL"
    )
    return [
        f"SELECT b.*, {EXPECTED_SEK}, {REALISED_SEK}, i.ref, i.title, d.name {join} "
        f"ORDER BY i.ref, b.title, b.id LIMIT 50",
        f"SELECT COUNT(*), SUM({EXPECTED_SEK}), SUM({REALISED_SEK}) {join}",
    ]


def ranking(extra: str = "") -> list[str]:
    where = f"{OPEN}{extra}"
    return [
        f"SELECT i.id, i.ref, i.title, i.stage, i.kind, i.budget, i.must_do, d.code, d.name, "
        f"(SELECT SUM({EXPECTED_SEK}) FROM benefits_benefit b WHERE b.initiative_id = i.id) "
        f"FROM initiatives_initiative i JOIN initiatives_department d ON d.id = i.department_id "
        f"WHERE {where} ORDER BY i.title, i.id",
        f"SELECT a.initiative_id, a.goal_id, a.score, a.reason FROM portfolio_alignment a "
        f"JOIN initiatives_initiative i ON i.id = a.initiative_id WHERE {where}",
    ]


def dashboard() -> list[str]:
    benefits = (
        "FROM benefits_benefit b JOIN initiatives_initiative i ON i.id = b.initiative_id "
        "WHERE i.archived_at IS NULL"
    )
    return [
        "SELECT i.stage, COUNT(*), SUM(i.budget), SUM(i.cost_to_date), SUM(i.running_cost) "
        "FROM initiatives_initiative i WHERE i.archived_at IS NULL GROUP BY i.stage",
        f"SELECT {LATEST.format(col='health')} AS h, COUNT(*) FROM initiatives_initiative i "
        f"WHERE {OPEN} GROUP BY h",
        f"SELECT COUNT(*), COUNT(b.latest_value), SUM({EXPECTED_SEK}), SUM({REALISED_SEK}) "
        f"{benefits}",
        f"SELECT i.department_id, SUM({EXPECTED_SEK}), SUM({REALISED_SEK}) {benefits} "
        f"GROUP BY i.department_id",
        f"SELECT a.goal_id, SUM({EXPECTED_SEK}) {benefits.replace('WHERE', 'JOIN portfolio_alignment a ON a.initiative_id = i.id WHERE')} "  # noqa: E501
        f"AND a.score >= 1 GROUP BY a.goal_id",
        "SELECT m.date, SUM(m.delta) FROM benefits_measurement m GROUP BY m.date",
        f"SELECT b.id, b.title, i.ref, {REALISED_SEK} {benefits} AND b.latest_value IS NOT NULL "
        f"ORDER BY 4 LIMIT 10",
        f"SELECT a.initiative_id, a.goal_id, a.score FROM portfolio_alignment a "
        f"JOIN initiatives_initiative i ON i.id = a.initiative_id WHERE {OPEN}",
    ]
