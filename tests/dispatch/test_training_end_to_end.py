"""The suggesters as the system runs them: the nightly RQ job trains on the demo city's finished tickets,
and the suggestions API then answers with the trained models (real redis-server, real SQLite)."""

from __future__ import annotations

import pytest
import redis
from rq import Queue, SimpleWorker

from dispatch import jobs
from dispatch.calendar_store import seed_calendar_days
from dispatch.suggestions import TARGETS, model_path
from hotline.demo import seed_demo_if_empty
from ticketing.models import utcnow
from web.app import create_app

pytestmark = pytest.mark.slow
STREET_LIGHTS = "110301"


@pytest.fixture
def demo_db(sqlite_db):
    with sqlite_db.session() as s:
        seed_calendar_days(s, range(utcnow().year - 1, utcnow().year + 1))
    credentials = seed_demo_if_empty(sqlite_db, tickets=400, seed=3)
    return sqlite_db, {role: (user, password) for user, role, password in credentials}


async def test_retrain_job_feeds_the_suggestions_api(demo_db, redis_url, tmp_path, aiohttp_client):
    db, credentials = demo_db
    models_dir = tmp_path / "suggesters"
    assert not models_dir.exists()
    connection = redis.Redis.from_url(redis_url)
    queue = Queue("low", connection=connection)
    jobs.configure(str(db.engine.url), models_dir)
    job = queue.enqueue(jobs.retrain_job)
    SimpleWorker([queue], connection=connection).work(burst=True)
    trained = job.return_value()
    assert set(trained) == set(TARGETS) and min(trained.values()) >= 50, trained
    assert all(model_path(models_dir, target).is_file() for target in TARGETS)

    client = await aiohttp_client(create_app(db, redis_url, tmp_path))
    user, password = credentials["agent"]
    login = await client.post("/api/session", json={"username": user, "password": password})
    assert login.status == 200, await login.text()
    headers = {"X-CSRF-Token": (await login.json())["csrf_token"]}
    created = await client.post(
        "/api/tickets",
        headers=headers,
        json={
            "channel": "phone_agent",
            "content": "来电人反映和平路128号路段有连续五盏路灯不亮已经七天，晚上路面漆黑，行人出行不安全",
            "contact_phone": "13800138000",
        },
    )
    assert created.status == 201, await created.text()
    ticket_id = (await created.json())["id"]

    response = await client.get(f"/api/tickets/{ticket_id}/suggestions")
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["models"] == sorted(TARGETS)
    category = body["category"][0]
    assert (category["value"], category["source"]) == (STREET_LIGHTS, "classifier")
    assert 0.3 < category["confidence"] <= 1
    assert body["type"] and all(s["source"] == "classifier" for s in body["type"])
    assert body["unit"], body
