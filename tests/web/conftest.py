"""The real web application over a real database and a real redis-server, through aiohttp's test client."""

from __future__ import annotations

import pytest

from tests.dispatch.conftest import PASSWORD, build_city
from ticketing.db import Database
from web.app import create_app


@pytest.fixture
def web_db(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def city(web_db):
    return build_city(web_db)


@pytest.fixture
async def client(aiohttp_client, web_db, redis_url, tmp_path):
    return await aiohttp_client(create_app(web_db, redis_url, tmp_path))


async def login(client, username: str, password: str = PASSWORD) -> str:
    response = await client.post("/api/session", json={"username": username, "password": password})
    assert response.status == 200, await response.text()
    return (await response.json())["csrf_token"]


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, through Playwright (never a browser Playwright downloads)."""
    from playwright.sync_api import sync_playwright

    from tests.web.test_consoles_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
