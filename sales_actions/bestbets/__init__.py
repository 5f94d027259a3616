"""Best bets: the people most worth contacting now, ranked by a worker into a stored table.

``models`` (the ranking and its dirty marks), ``scoring`` (the formula, one place),
``services`` (marking, the incremental refresh and the full rebuild), ``selectors``
(scopes and the page/API reads), ``views``/``api``/``urls`` and ``tasks``.
"""
