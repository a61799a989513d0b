"""Analysts' EPS estimate revisions across universes (/revisions): dated snapshots per ticker
collected nightly under a request budget (store, budget, collect), the breadth measures over
them (breadth, history) and the one lookup of a universe's constituents (universe).

Light on purpose: the submodules import pandas; this package imports nothing.
"""
