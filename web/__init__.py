"""aiohttp: JSON API, Open311, consoles, public pages, device API and WebSocket push."""
