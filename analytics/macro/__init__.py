"""Macro series from FRED: parsing and fetching (`fred`), the curated registry (`series`),
transforms (`transforms`), the SQLite cache (`store`) and "history as context" analytics
(`context`). Import the submodules directly; this package has no import-time side effects.
"""
