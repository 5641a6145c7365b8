"""回访 over real HTTP: an unreachable survey reaches the agents' call-back list, the agent enters
the answers, the unsatisfied result waits in the platform's review queue and is reopened (重办);
bad input gets a stable code and changes nothing; a citizen's opt-out is kept."""

from __future__ import annotations

from datetime import timedelta

import redis
from sqlalchemy import select

from dispatch.survey_sweep import survey_sweep
from dispatch.surveys import SurveyPolicy, settle_result
from tests.support.surveys import at, handled_and_closed, run
from tests.web.test_tickets_api import as_user
from ticketing.models import Citizen
from ticketing.ticket_actions import events_of

ONE_TRY = SurveyPolicy(delay=timedelta(hours=1), attempts=1)


async def test_agent_calls_back_by_hand_and_the_platform_reopens(client, city, web_db, redis_url):
    t = handled_and_closed(web_db, city)
    bus = redis.Redis.from_url(redis_url)
    [request] = survey_sweep(web_db, bus, ONE_TRY, at(23, 15, 1)).issued
    bus.close()
    run(web_db, at(23, 15, 2), settle_result, ONE_TRY, {"request_id": request, "outcome": "no_answer"})

    headers = await as_user(client, "agent")
    [item] = (await (await client.get("/api/surveys/callbacks")).json())["items"]
    assert item["ticket_id"] == t and item["state"] == "unreachable" and item["state_label"] == "未接通"
    assert item["phone"] == "+8613812345678"  # the agent dials it
    url = f"/api/surveys/{item['id']}/answers"
    bad = await client.post(url, json={"resolved": "no", "satisfaction": "unsatisfied"}, headers=headers)
    assert bad.status == 422 and (await bad.json())["error"]["code"] == "invalid_survey_answers"
    with web_db.read_session() as s:
        assert events_of(s, t)[-1].action == "survey_unreachable"  # nothing written
    done = await client.post(url, json={"resolved": False, "satisfaction": "unsatisfied"}, headers=headers)
    assert done.status == 200, await done.text()
    assert (await done.json())["state"] == "review"
    again = await client.post(url, json={"resolved": True, "satisfaction": "satisfied"}, headers=headers)
    assert again.status == 409 and (await again.json())["error"]["code"] == "survey_not_open"

    headers = await as_user(client, "city")
    [queued] = (await (await client.get("/api/surveys/review")).json())["items"]
    assert queued["ticket_id"] == t and queued["phone"] == "138****5678"  # masked for the platform
    action = f"/api/tickets/{t}/actions/survey_review"
    unclear = await client.post(action, json={"decision": "maybe", "reason": "?"}, headers=headers)
    assert unclear.status == 422 and (await unclear.json())["error"]["code"] == "invalid_fields"
    page = await client.post(action, json={"decision": "reopen", "reason": "市民称仍未解决"}, headers=headers)
    assert page.status == 200, await page.text()
    body = await page.json()
    assert body["ticket"]["status"] == "dispatched"
    assert [e["action"] for e in body["events"]][-4:] == [
        "survey_unreachable",
        "callback_attempt",
        "record_visit",
        "reopen",
    ]
    visit = body["events"][-2]["payload"]
    assert visit["method"] == "agent_call" and visit["satisfaction"] == "unsatisfied"
    assert (await (await client.get("/api/surveys/review")).json())["items"] == []


async def test_opt_out_is_kept_on_the_citizen(client, city, web_db):
    headers = await as_user(client, "agent")
    url = "/api/citizens/callback-opt-out"
    bad = await client.put(url, json={"phone": "13900001111", "opt_out": "yes"}, headers=headers)
    assert bad.status == 422
    done = await client.put(url, json={"phone": "13900001111", "opt_out": True}, headers=headers)
    assert done.status == 200 and await done.json() == {"phone": "+8613900001111", "opt_out": True}
    with web_db.read_session() as s:
        citizen = s.execute(select(Citizen).where(Citizen.phone_e164 == "+8613900001111")).scalar_one()
        assert citizen.callback_opt_out is True
    headers = await as_user(client, "city")
    refused = await client.put(url, json={"phone": "13900001111", "opt_out": False}, headers=headers)
    assert refused.status == 403
