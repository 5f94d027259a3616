"""The live feed: a rep's sales events (from the hub event stream), pushed in seconds.

models (the read cursor) · selectors (what a user's feed holds, how an item reads) ·
services (mark as read) · publish (the hub-events consumer that publishes after commit) ·
stream (the asynchronous Server-Sent Events view and its Redis fan-out) · views (the page
and the docked panel) · api (``/api/v1/feed/``).
"""
