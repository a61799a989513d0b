"""Alerts on the analytics: "tell me when IWM has beaten SPY for 10 sessions".

An alert is a condition of one kind (analytics/alerts/kinds/: streak, record, move, level,
macro; breadth is declared and refused until /breadth exists) with its parameters, a delivery
target (a DM to its creator or a channel) and a baseline: the condition's state when it was
created. After each NYSE close the background loop (bot/alerts/) evaluates every active alert
on the data the nightly refresh brought; an alert FIRES when its condition became true on the
session (true there, false on the session or reading before), never for the state it was
created in, and at most once per alert and session: the fire is claimed in the store
(analytics/alerts/store.py) before it is sent.

This package is light at import: the specs (analytics/alerts/specs.py) import nothing heavy.
"""
