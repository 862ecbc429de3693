"""``follower-kit bots``: score followers for automation; evaluate bot models on labeled data."""

from __future__ import annotations

import json
import math

import click
import numpy as np
from tqdm import tqdm

from ..sources.archive import require_profiles
from ..text import terminal
from ..wording import plural
from .common import store_option


@click.group()
def bots() -> None:
    """Bot and fake-follower detection."""


@bots.command("score")
@click.argument("account")
@click.option("--at", default=None,
              help="Snapshot at or before this time/date/month [default: latest].")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="A trained model (bots evaluate --save-model, or save_model()) instead of the "
                   "default score; reasons still come from the default rules.")
@click.option("--top", default=20, show_default=True, help="Rows to print.")
@store_option
def score(store, account: str, at, model_path, top: int) -> None:
    """Score the followers of ACCOUNT (0..1, with reasons), store the scores as the table
    "bot_scores" of that snapshot, and print the likeliest bots and the farms found."""
    from .. import audience
    from ..analysis import bots as B

    steps = tqdm(total=4, desc="bots score", unit="step", leave=False)
    # the month's data and the one score the report and the notebooks use
    data = audience.load_month(account, store=store, at=at)
    snapshot, followers, handle = data.snapshot_at, data.followers, data.account["username"]
    require_profiles(followers, handle, "score")
    profiled = followers["username"].notna() & followers["observed_at"].notna()
    steps.update(2)
    result, farms = audience.score_bots(data, with_farms=True)
    result["model"] = "default"
    if model_path:
        users = audience.profiled(followers)
        X, _ = B.bot_features(users, tweets=data.tweets if len(data.tweets) else None,
                              followers=data.edges)
        model = B.load_model(model_path)
        result["bot_score"] = model.predict_proba(users.join(X[[c for c in B.OPTIONAL_FEATURES
                                                                  if c in X]]))[:, 1]
        result["model"] = str(model_path)
    result["snapshot_at"] = snapshot
    steps.update()
    store.write_table("bot_scores", account, result, snapshot_at=snapshot)
    if len(farms):
        store.write_table("bot_farms", account, farms.assign(
            follow_rank_span=farms["follow_rank_span"].astype(str)), snapshot_at=snapshot)
    steps.update()
    steps.close()
    n_unprofiled = int((~profiled).sum())
    click.echo(f"scored {len(result):,} followers of @{handle} at {snapshot:%Y-%m-%d %H:%M} UTC"
               + (f" ({n_unprofiled:,} without a profile left out)" if n_unprofiled else ""))
    threshold = audience.DEFAULTS.bot_threshold
    flagged = int((result["bot_score"] >= threshold).sum())
    click.echo(f"{flagged:,} score {threshold} or more; "
               f"{plural(len(farms), 'farm') if len(farms) else 'no farm'} found")
    top_rows = result.sort_values(["bot_score", "follower_id"], ascending=[False, True]).head(top)
    click.echo(f"\n{'score':>6}  {'handle':<17} reasons")
    for _, r in top_rows.iterrows():
        click.echo(f"{r['bot_score']:6.3f}  @{terminal(r['username'], 16):<16} {terminal(r['reasons'])}")
    if len(farms):
        click.echo(f"\n{'farm':>4} {'size':>5}  {'created':<23} pattern")
        for _, f in farms.iterrows():
            click.echo(f"{f['farm_id']:>4} {f['size']:>5}  {f['created_from']:%Y-%m-%d}..."
                       f"{f['created_to']:%Y-%m-%d}  {terminal(f['handle_pattern'])}")


def _jsonable(v):
    """NaN (undefined AUC on a one-class test set) becomes null, so the output is valid JSON."""
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def _fmt(v) -> str:
    return f"{v:.3f}" if isinstance(v, float) and not math.isnan(v) else str(v)


@bots.command("evaluate")
@click.option("--train", "train_paths", multiple=True, required=True,
              type=click.Path(exists=True), help="Labeled data set (file or folder); repeatable.")
@click.option("--test", "test_path", required=True, type=click.Path(exists=True),
              help="Labeled data set to test on (accounts also in --train are removed first).")
@click.option("--threshold", default=0.5, show_default=True, help="Score at which F1 is taken.")
@click.option("--leaky", is_flag=True, help="Let the trained model use the verified flag.")
@click.option("--save-model", type=click.Path(dir_okay=False), default=None,
              help="Write the trained model (JSON, with its measured figures) here.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate(train_paths, test_path, threshold: float, leaky: bool, save_model, as_json: bool):
    """Train on --train, test on --test: ROC AUC, PR AUC, F1 at --threshold and calibration error
    of the trained model, with the BotometerLite-style forest (peer) and the default score
    (untrained) measured in the same run."""
    from ..analysis import bots as B
    from ..sources.datasets import load_labeled, load_many, remove_overlap

    train = load_many([load_labeled(p) for p in train_paths])
    test = remove_overlap(load_labeled(test_path), train)
    model = B.BotClassifier(leaky=leaky).fit(train.users, train.labels.to_numpy())
    main = B.evaluate(test.labels, model.predict_proba(test.users)[:, 1], threshold=threshold)
    peer = B.botometer_lite_forest().fit(train.users, train.labels.to_numpy())
    peer_m = B.evaluate(test.labels, peer.predict_proba(test.users)[:, 1], threshold=threshold)
    default_m = B.evaluate(test.labels, B.default_score(test.users, reasons_above=2.0)["bot_score"],
                           threshold=threshold)
    model.record_evaluation(test.name, main)
    if save_model:
        B.save_model(model, save_model)
    out = {"train": train.name, "test": test.name, **main,
           "train_accounts": len(train), "test_removed_overlap": int(
               (test.issues["kind"] == "overlap").sum()),
           "peer_botometer_lite_rf": peer_m, "default_score": default_m}
    if as_json:
        click.echo(json.dumps(_jsonable(out)))
        return
    click.echo(f"train: {train.name} ({len(train):,} accounts, {int(train.labels.sum()):,} bots)")
    click.echo(f"test:  {test.name} ({len(test):,} accounts, {int(test.labels.sum()):,} bots; "
               f"{out['test_removed_overlap']} shared with train removed)\n")
    keys = ["roc_auc", "pr_auc", "f1", "precision", "recall", "ece", "brier"]
    click.echo(f"{'model':<22}" + "".join(f"{k:>10}" for k in keys))
    for name, m in (("bot_classifier", main), ("botometer_lite_rf", peer_m),
                    ("default_score", default_m)):
        click.echo(f"{name:<22}" + "".join(f"{_fmt(m[k]):>10}" for k in keys))
    click.echo(f"\nF1, precision and recall at threshold {threshold}")
    if np.isnan(main["roc_auc"]):
        click.echo("(the test set holds one class only: ROC and PR AUC are undefined)")

