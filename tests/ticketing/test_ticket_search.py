"""Full-text search over tickets on both databases: the index follows every write in the same
transaction, two-character queries find words inside longer ones, and nothing else matches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.support.city import build_tiny_city
from ticketing.intake import submit
from ticketing.models import Ticket
from ticketing.search_terms import GAP, document_terms, query_phrases
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor, load_for_update, perform
from ticketing.ticket_search import matches

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
TEXTS = {
    "sewer": ("柳湾社区3号楼下水道堵塞，污水外溢。", "青石街道柳湾路18号"),
    "noise": ("夜间施工噪音扰民，影响休息。", "白沙街道工地"),
    "parking": ("小区停车位被占用，物业不管。", "云溪区 ＡＢ花园"),
    "puddle": ("道路积水", "水塘边"),
}


def found(db, query: str) -> set[int]:
    with db.read_session() as s:
        condition = matches(db.dialect, query)
        if condition is None:
            return set()
        return set(s.execute(select(Ticket.id).where(condition)).scalars())


@pytest.fixture
def tickets(db) -> dict[str, int]:
    build_tiny_city(db)
    return {
        name: submit(
            db, Submission(channel="phone_agent", content=content, address=address), now=NOW
        ).ticket_id
        for name, (content, address) in TEXTS.items()
    }


def test_terms_are_overlapping_pairs_of_normalised_runs():
    assert document_terms("下水道堵塞，ＡＢ1") == ["下水", "水道", "道堵", "堵塞", GAP, "ab", "b1"]
    assert query_phrases("噪音 施工") == [["噪音"], ["施工"]]
    assert query_phrases("堵") == [["堵"]]


def test_two_character_and_longer_queries_find_text_inside_words(db, tickets):
    assert found(db, "水道") == {tickets["sewer"]}  # inside 下水道, which jieba keeps whole
    assert found(db, "噪音") == {tickets["noise"]}
    assert found(db, "下水道堵塞") == {tickets["sewer"]}
    assert found(db, "堵塞下水道") == set()  # the phrase, not just the same pairs somewhere
    assert found(db, "积水塘") == set()  # title 道路积水 + address 水塘边: no phrase across fields
    assert found(db, "积水") == found(db, "水塘") == {tickets["puddle"]}
    assert found(db, "街道") == {tickets["sewer"], tickets["noise"]}  # the address is searched
    assert found(db, "施工 休息") == {tickets["noise"]}  # every part must occur
    assert found(db, "施工 停车") == set()
    assert found(db, "ab花园") == {tickets["parking"]}  # full-width letters, any case
    assert found(db, "堵") == {tickets["sewer"]}  # one character: answered by a scan
    assert found(db, "，。") == set()


def test_ticket_number_is_searchable_whole_and_in_part(db, tickets):
    with db.read_session() as s:
        number = s.get_one(Ticket, tickets["noise"]).number
    assert found(db, number) == {tickets["noise"]}
    assert found(db, number[-6:]) == {tickets["noise"]}


def test_edits_reindex_in_the_same_transaction_and_a_rollback_leaves_the_index_alone(db, tickets):
    with db.session() as s:
        change = {"changes": {"title": "路灯不亮", "content": "路灯不亮，晚上很黑。"}}
        perform(s, load_for_update(s, tickets["noise"]), "update", Actor("测试"), change, now=NOW)
        assert tickets["noise"] in set(
            s.execute(select(Ticket.id).where(matches(db.dialect, "路灯"))).scalars()
        )
    assert found(db, "噪音") == set()
    assert found(db, "路灯") == {tickets["noise"]}

    with pytest.raises(RuntimeError), db.session() as s:
        change = {"changes": {"content": "垃圾清运不及时"}}
        perform(s, load_for_update(s, tickets["sewer"]), "update", Actor("测试"), change, now=NOW)
        raise RuntimeError("the transaction fails after the edit")
    assert found(db, "垃圾") == set()
    assert found(db, "水道") == {tickets["sewer"]}
