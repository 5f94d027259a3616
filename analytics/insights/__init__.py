"""Insights over accounts and deals: marketing impact, pipeline progress, account health
and upsell / cross-sell signals (issue 10, "Marketing impact, pipeline, health, upsell").

Each analysis is a function ``<name>_run(settings) -> dict`` over parsed settings
(``common.InsightSettings``); pages, the API and CSV exports call the same function.
"""
