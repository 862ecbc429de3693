"""How close the estimated follow dates come to the truth on the sample audience.

The sample (5,000 followers, 12 monthly snapshots, seed 7) knows every follower's true follow
date. For the last snapshot this compares the lower bound (the running maximum of creation
dates) with the estimate of ``factory.follower_factory`` (interpolated between the bound and the
snapshots), with profiles and from ids alone, with every snapshot's edges and with the last one
only. It also scores the bursts against the sample's follower farms. The sample is ours and
flatters us; real follow dates are not public, so this is the only truth at hand.
"""

from __future__ import annotations

import numpy as np


def run(quick: bool = False) -> list[dict]:
    from follower_kit.analysis import factory
    from follower_kit.sources.sample import generate

    a = generate()
    last = a.followers[a.followers["snapshot_at"] == a.followers["snapshot_at"].max()]
    users = a.users.drop_duplicates("id", keep="last")[["id", "created_at"]]
    with_profiles = last.merge(users, left_on="follower_id", right_on="id", how="left")
    truth = a.truth.set_index("follower_id")
    rows = []
    for created, followers in (("profiles", with_profiles),
                               ("ids only", with_profiles.drop(columns=["id", "created_at"]))):
        for snaps, edges in (("all 12", a.followers), ("last only", None)):
            f = factory.follower_factory(followers, edges=edges)
            true = truth.loc[f["follower_id"], "follow_date"].to_numpy()

            def err(col):
                return np.abs((f[col].to_numpy() - true) / np.timedelta64(1, "D"))

            members = f.loc[f["burst_id"].notna(), "follower_id"]
            farm = truth.loc[members, "farm_id"] >= 0
            farms = truth.loc[f["follower_id"], "farm_id"] >= 0
            rows.append({
                "creation dates": created, "snapshots": snaps, "followers": len(f),
                "lower bound: median abs. error, days": round(float(np.nanmedian(
                    err("follow_date_lower_bound"))), 1),
                "estimate: median abs. error, days": round(float(np.nanmedian(
                    err("follow_date_estimated"))), 1),
                "estimate: p90 abs. error, days": round(float(np.nanpercentile(
                    err("follow_date_estimated"), 90)), 1),
                "burst precision": round(float(farm.mean()), 3) if len(farm) else None,
                "burst recall": round(float(farm.sum() / farms.sum()), 3),
            })
    return rows
