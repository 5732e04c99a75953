"""`cimer_common.db.Compiled`: what it runs as the statement's SQL, and what it refuses to (what SQLAlchemy must work
out at each execution). Running it on PostgreSQL is `tests/interface/test_stack.py`'s."""

import pytest
from sqlalchemy import Column, Integer, MetaData, PickleType, String, Table, bindparam, insert, select
from sqlalchemy.dialects.postgresql import JSONB

from cimer_common.db import Compiled

TABLE = Table(
    "t", MetaData(),
    Column("id", Integer, primary_key=True), Column("name", String), Column("data", JSONB),
    Column("kind", String, default="plain"), Column("blob", PickleType),
)  # fmt: skip


def test_the_statements_own_values_are_added_and_its_json_parameters_named():
    statement = insert(TABLE).values(id=bindparam("id"), name="fixed", data=bindparam("data"), kind="given")
    compiled = Compiled(statement)
    assert "%(id)s" in compiled.sql and "%(data)s::JSONB" in compiled.sql
    assert compiled._literals == {"name": "fixed", "kind": "given"}
    assert compiled._json == {"data"}


@pytest.mark.parametrize(
    "statement",
    [
        select(TABLE.c.id).where(TABLE.c.name.in_(["a", "b"])),  # an IN over a list, expanded at each execution
        insert(TABLE).values(id=bindparam("id")),  # `kind`'s Python-side default, computed at each execution
        insert(TABLE).values(id=bindparam("id"), kind="k", blob=bindparam("blob")),  # a pickled parameter
    ],
    ids=["expanding", "python default", "processed parameter"],
)
def test_a_statement_that_needs_sqlalchemy_at_each_execution_is_refused(statement):
    with pytest.raises(ValueError, match=r"Session\.execute"):
        Compiled(statement)
