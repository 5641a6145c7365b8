"""The two halves of a bigram full-text index on either database: writing a row's terms and finding
the rows whose terms contain a query's phrases.

On SQLite an index is an FTS5 table whose rowid is the indexed row's id; on PostgreSQL a table of
(id, tsvector) with a GIN index. Terms come from `ticketing.search_terms`; they are letters and
digits only, so they need no quoting inside FTS5's double quotes or tsquery's single quotes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, Select, cast, column, literal, select, table, text
from sqlalchemy.dialects.postgresql import TSQUERY

from ticketing.search_terms import GAP


def tsvector_literal(terms: list[str]) -> str:
    """`'下水':1,4 '水道':2` — positions kept, so a query can ask for adjacent bigrams (a phrase)."""
    positions: dict[str, list[int]] = defaultdict(list)
    for position, term in enumerate(terms, start=1):
        if term != GAP:  # a skipped position is enough of a gap for PostgreSQL's phrase operator
            positions[term].append(min(position, 16383))  # PostgreSQL's largest position
    return " ".join(f"'{term}':{','.join(map(str, where))}" for term, where in positions.items())


def fts5_query(phrases: list[list[str]], operator: str = "AND") -> str:
    return f" {operator} ".join('"' + " ".join(phrase) + '"' for phrase in phrases)


def tsquery(phrases: list[list[str]], operator: str = "&") -> str:
    return f" {operator} ".join(
        "(" + " <-> ".join(f"'{term}'" for term in phrase) + ")" for phrase in phrases
    )


@dataclass(frozen=True)
class FulltextIndex:
    name: str  # the table
    id_column: str  # its id column on PostgreSQL (SQLite uses the FTS5 rowid)

    def write(self, connection: Connection, row_id: int, terms: list[str]) -> None:
        """Write (or rewrite) one row's terms inside the caller's transaction."""
        if connection.dialect.name == "sqlite":
            connection.execute(text(f"DELETE FROM {self.name} WHERE rowid = :id"), {"id": row_id})
            connection.execute(
                text(f"INSERT INTO {self.name} (rowid, terms) VALUES (:id, :terms)"),
                {"id": row_id, "terms": " ".join(terms)},
            )
        else:
            connection.execute(
                text(
                    f"INSERT INTO {self.name} ({self.id_column}, terms) "
                    "VALUES (:id, CAST(:terms AS tsvector)) "
                    f"ON CONFLICT ({self.id_column}) DO UPDATE SET terms = EXCLUDED.terms"
                ),
                {"id": row_id, "terms": tsvector_literal(terms)},
            )

    def ids_matching(self, dialect: str, phrases: list[list[str]], *, any_phrase: bool = False) -> Select:
        """Ids of the rows containing every phrase (or, with `any_phrase`, at least one)."""
        if dialect == "sqlite":
            fts = table(self.name, column("rowid"), column("terms"))
            query = fts5_query(phrases, "OR" if any_phrase else "AND")
            return select(fts.c.rowid).where(fts.c.terms.op("MATCH")(query))
        pg = table(self.name, column(self.id_column), column("terms"))
        query = tsquery(phrases, "|" if any_phrase else "&")
        return select(pg.c[self.id_column]).where(pg.c.terms.op("@@")(cast(literal(query), TSQUERY)))


TICKETS = FulltextIndex("ticket_search", "ticket_id")
KNOWLEDGE = FulltextIndex("kb_search", "article_id")
