"""The Atlanta Fed's GDPNow track: every nowcast it published, not only FRED's one per quarter.

track.py parses the Atlanta Fed's CSV layout; store.py keeps it in the cache; nowcast.py answers
"what did GDPNow say on day D, for which quarter, and how did it get there"; answer.py composes
the /macro gdpnow Answer from it and BEA's history.
"""
