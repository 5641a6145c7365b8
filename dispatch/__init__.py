"""Graded dispatch, the SLA clock, department workflow, supervision and assessment. Imports ticketing."""
