"""The real archive series (``x-archive/larsbrinkhoff``) read straight from its files, apart from
the kit, so tests can check what the kit makes of it: follower and following ids, and the
handles the account's own tweets name.

Shared by the relation and report tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from conftest import shared_path


def raw(date: str, name: str) -> list:
    """The JSON array of one archive file (``window.YTD... = [...]``)."""
    text = shared_path("x-archive", "larsbrinkhoff", date, name).read_text()
    return json.loads(text[text.index("["):])


@dataclass(frozen=True)
class Truth:
    followers: set  # of the 2023-08-20 export
    before: set  # of the 2022-10-30 export
    following: set  # of the 2023-08-20 export
    handles: dict  # id -> handle, from the 2021 export's tweets (the only one with them)
    talked: set  # ids replied to or mentioned in those tweets


def larsbrinkhoff() -> Truth:
    handles, talked = {}, set()
    for t in (r["tweet"] for r in raw("2021-03-22", "tweet.js")):
        for m in t["entities"]["user_mentions"]:
            handles[m["id_str"]] = m["screen_name"]
            talked.add(m["id_str"])
        if t.get("in_reply_to_user_id_str"):
            talked.add(t["in_reply_to_user_id_str"])
            if t.get("in_reply_to_screen_name"):
                handles.setdefault(t["in_reply_to_user_id_str"], t["in_reply_to_screen_name"])
    return Truth(
        followers={r["follower"]["accountId"] for r in raw("2023-08-20", "follower.js")},
        before={r["follower"]["accountId"] for r in raw("2022-10-30", "follower.js")},
        following={r["following"]["accountId"] for r in raw("2023-08-20", "following.js")},
        handles=handles, talked=talked)
