"""Event studies on the bot's own signals: what happened next (`/history`).

- `conditions`: the condition each event kind tests on every session (A beat B, a close above
  the previous one, a record, a move over a window, a macro reading above a value).
- `episodes`: the episodes of a condition: the session it first holds, a new one only after it
  stopped holding.
- `forward`: forward returns from an episode's close over horizons of the window grammar
  ("3m from D" runs to the last session on or before D plus 3 calendar months).
- `stats`: n, median, mean, share positive, best and worst of a horizon's returns.
- `publication`: when a macro reading was published (release dates where known, else a stated
  lag per series), so a reading counts from the first session after it.
- `study`: all of it for one event: episodes, forward returns, summary and the unconditional
  baseline over every session of the history, and the forward paths the chart draws.

Pure functions over pandas/numpy; nothing here reads the cache or the network.
"""
