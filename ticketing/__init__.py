"""The ticket core: models, the ticket state machine, the event log and the one intake service.

Imports no other package of this project.
"""
