"""The SIP edge and pjsua2 workers. Imports voice_models and ticketing's intake; talks to web via Redis."""
