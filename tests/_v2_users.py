"""A v1.1 user object of the public labeled sets written as an X API v2 user object, the way a
TwiBot-22 release writes it (``u``-prefixed id, ISO ``created_at``, ``public_metrics``): shared by
the tests that build releases from real records at test time."""

from __future__ import annotations

import pandas as pd


def v2_user(u: dict, *, likes: bool = True) -> dict:
    """The v2 object of the v1.1 user ``u``; ``likes=False`` leaves the like count out, as X API
    v2 does unless asked for it."""
    metrics = {"followers_count": u["followers_count"], "following_count": u["friends_count"],
               "tweet_count": u["statuses_count"], "listed_count": u["listed_count"]}
    if likes:
        metrics["like_count"] = u["favourites_count"]
    return {"id": f"u{u['id_str']}", "username": u["screen_name"], "name": u["name"],
            "description": u["description"], "location": u["location"],
            "created_at": pd.Timestamp(u["created_at"]).isoformat(),
            "verified": u["verified"], "protected": u["protected"],
            "profile_image_url": u["profile_image_url_https"], "public_metrics": metrics}
