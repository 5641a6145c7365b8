"""The SIP line: a Kamailio edge spreading calls over pjsua2 worker processes (DESIGN §8).

Only `telephony.worker` (and what it imports) loads pjsua2; the rest (ACD, jobs, Kamailio config,
prompts) is plain Python that tests and the RQ workers import without a SIP stack.
"""
