"""Knowledge-base search as the agent uses it while on the phone."""

from __future__ import annotations

from tests.web.conftest import login
from ticketing.models import KnowledgeArticle


async def test_search_finds_the_guide_and_opens_it(client, city, web_db):
    with web_db.session() as s:
        s.add_all(
            [
                KnowledgeArticle(
                    title="社会保障卡挂失与补换",
                    keywords="社保卡 补办 挂失",
                    summary="社保卡丢失后先挂失再补办。",
                    materials="身份证",
                    faq=[{"q": "补卡要多久", "a": "即时制卡"}],
                ),
                KnowledgeArticle(
                    title="住房公积金提取", keywords="公积金 提取", summary="租房可提取公积金。"
                ),
            ]
        )
    await login(client, "agent")
    found = await (await client.get("/api/knowledge", params={"q": "社保卡丢了怎么补办"})).json()
    assert [a["title"] for a in found["items"]] == ["社会保障卡挂失与补换"]
    article = await (await client.get(f"/api/knowledge/{found['items'][0]['id']}")).json()
    assert article["materials"] == "身份证" and article["faq"][0]["q"] == "补卡要多久"
    assert (await (await client.get("/api/knowledge", params={"q": ""})).json())["items"] == []
    assert (await client.get("/api/knowledge/999")).status == 404


async def test_search_needs_a_login(client, city):
    assert (await client.get("/api/knowledge", params={"q": "社保"})).status == 401
