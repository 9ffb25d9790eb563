"""A date as a day number in SQL, the same on SQLite and PostgreSQL.

Django has no portable "days between two dates"; the plan line of a benefit needs one.
"""

import datetime as dt

from django.db import models

EPOCH = dt.date(1970, 1, 1)


def day_number(date: dt.date) -> int:
    """Days since 1970-01-01: the Python side of DayNumber."""
    return (date - EPOCH).days


class DayNumber(models.Func):
    """Days since 1970-01-01 of a date expression, as an integer."""

    output_field = models.IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="((%(expressions)s)::date - DATE '1970-01-01')",
            **extra_context,
        )


class Divide(models.Func):
    """a / b as a fraction on every database.

    SQLite divides two integers (or whole decimals, which it stores as integers) as integers; there
    the dividend becomes REAL first. PostgreSQL divides numerics exactly.
    """

    arg_joiner = " / "
    template = "(%(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra_context):
        dividend, divisor = self.source_expressions
        dividend_sql, dividend_params = compiler.compile(dividend)
        divisor_sql, divisor_params = compiler.compile(divisor)
        return (
            f"(CAST({dividend_sql} AS REAL) / {divisor_sql})",
            (*dividend_params, *divisor_params),
        )
