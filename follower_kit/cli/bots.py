"""``follower-kit bots``: score followers for automation; evaluate bot models on labeled data."""

from __future__ import annotations

import json
import math

import click
import numpy as np
from tqdm import tqdm

from ..schema import require_profiles
from ..text import terminal
from ..wording import plural
from .common import name_column, store_option


@click.group()
def bots() -> None:
    """Bot and fake-follower detection."""


def bounds_options(f):
    """``--max-file-size``, ``--max-total-size`` and ``--max-ratio``: the bounds compressed
    labeled data (``.gz``, ``.zip``, ``.tar.gz``) is read within, as ``import archive`` has
    them (``--max-file-size`` also bounds a file read whole); the command gets them as one
    ``limits`` argument (an ``archive.Limits``)."""
    import functools

    from ..sources.archive import Limits
    from .imports import SIZE

    @click.option("--max-file-size", type=SIZE, default=Limits.file_bytes, show_default="2GiB",
                  help="Largest file of a labeled set read whole (a CSV, a Bot Repository "
                       "JSON) or inflated (e.g. 4GiB for a user.json.gz past 2 GiB).")
    @click.option("--max-total-size", type=SIZE, default=Limits.total_bytes,
                  show_default="8GiB",
                  help="Largest .tar.gz stream listed to find a set's files (a whole release "
                       "packed as one archive).")
    @click.option("--max-ratio", type=click.FloatRange(1), default=Limits.ratio,
                  show_default=True,
                  help="Largest compression ratio of a compressed file over 1 MiB (bombs "
                       "exceed it).")
    @functools.wraps(f)
    def wrapper(*args, max_file_size, max_total_size, max_ratio, **kwargs):
        return f(*args, limits=Limits(file_bytes=max_file_size, total_bytes=max_total_size,
                                      ratio=max_ratio), **kwargs)
    return wrapper


@bots.command("score")
@click.argument("account")
@click.option("--at", default=None, metavar="WHEN",
              help="Snapshot at or before this time/date/month [default: latest].")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="A kind model written by 'bots train' instead of the shipped one.")
@click.option("--rules", "rules_only", is_flag=True,
              help="Score with the hand-set rules alone (no model, no kinds).")
@click.option("--top-n", "--top", "top", default=20, show_default=True, type=click.IntRange(0),
              help="Rows to print.")
@store_option
def score(store, account: str, at, model_path, rules_only: bool, top: int) -> None:
    """Score the followers of ACCOUNT (0..1, with the bot kind and reasons), store the scores as
    the table "bot_scores" of that snapshot, and print the likeliest bots and the farms found.

    \b
    follower-kit bots score brightwave
    follower-kit bots score brightwave --rules --top-n 50
    """
    from .. import audience

    steps = tqdm(total=4, desc="bots score", unit="step", leave=False)
    # the month's data and the one score the report and the notebooks use; the latest
    # snapshot by default, as --help says (load_month alone takes the last full month)
    data = audience.load_snapshot(account, at, store=store)
    snapshot, followers, handle = data.snapshot_at, data.followers, data.account["username"]
    require_profiles(followers, handle, "score")
    profiled = followers["username"].notna() & followers["observed_at"].notna()
    steps.update(2)
    model = None if rules_only else (model_path or "default")
    result, farms = audience.score_bots(data, with_farms=True, model=model)
    result["model"] = "rules" if rules_only else str(model_path or "default")
    result["snapshot_at"] = snapshot
    steps.update()
    store.write_table("bot_scores", account, result, snapshot_at=snapshot)
    if len(farms):
        store.write_table("bot_farms", account, farms.assign(
            follow_rank_span=farms["follow_rank_span"].astype(str)), snapshot_at=snapshot)
    steps.update()
    steps.close()
    n_unprofiled = int((~profiled).sum())
    click.echo(f"scored {plural(len(result), 'follower')} of @{handle} at "
               f"{snapshot:%Y-%m-%d %H:%M} UTC"
               + (f" ({n_unprofiled:,} without a profile left out)" if n_unprofiled else ""))
    threshold = audience.DEFAULTS.bot_threshold
    flagged = int((result["bot_score"] >= threshold).sum())
    click.echo(f"{flagged:,} score {threshold} or more; "
               f"{plural(len(farms), 'farm') if len(farms) else 'no farm'} found")
    from ..analysis.bots.rules import missing_fields_note

    note = missing_fields_note(followers)
    if note:
        click.echo(f"note: {note}")
    top_rows = result.sort_values(["bot_score", "follower_id"], ascending=[False, True]).head(top)
    names, width = name_column(top_rows["follower_id"], top_rows["username"], 17)
    click.echo(f"\n{'score':>6}  {'handle':<{width}} reasons")
    for who, (_, r) in zip(names, top_rows.iterrows()):
        click.echo(f"{r['bot_score']:6.3f}  {who:<{width}} {terminal(r['reasons'])}")
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


def _load_sets(folder, *, as_v2: bool = False):
    """Every labeled set in ``folder``; with ``as_v2`` each as X API v2 user objects give it."""
    from ..sources.datasets import as_x_api_v2, load_bot_sets

    bar = tqdm(desc="loading labeled sets", unit="set", leave=False)

    def step(name):
        bar.set_postfix_str(name)
        bar.update()

    try:
        sets = load_bot_sets(folder, progress=step)
    finally:
        bar.close()
    return {n: as_x_api_v2(s) for n, s in sets.items()} if as_v2 else sets


def _progress(desc: str, total: int):
    bar = tqdm(total=total, desc=desc, unit="set", leave=False)

    def step(name):
        bar.set_postfix_str(name)
        bar.update()

    return bar, step


def _peer_on(test, folder):
    """The BotometerLite peer fitted on every labeled set in ``folder`` with profile text (as the
    leave-one-out run fits it), accounts shared with ``test`` left out; its bot probability for
    ``test`` and the number of training accounts. A test set without like counts (X API v2
    user objects) gets a peer fitted without the fields v2 lacks, as ``--lodo --as-v2`` does."""
    from ..analysis import bots as B

    sets = _load_sets(folder, as_v2="likes" not in test.fields)
    users, y, _ = B.join_sets([s for s in sets.values() if "text" in s.fields])
    keep = ~B.overlap(users, test.users)
    forest = B.botometer_lite_forest().fit(users[keep].reset_index(drop=True), y[keep])
    return forest.predict_proba(test.users)[:, 1], int(keep.sum())


@bots.command("train")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Where to write the model (JSON), e.g. follower_kit/models/default.json.")
@click.option("--lodo/--no-lodo", default=True, show_default=True,
              help="Leave each set out in turn to measure the model and choose the block "
                   "threshold (written into the model card).")
@click.option("--peer/--no-peer", default=True, show_default=True,
              help="Measure the BotometerLite peer in the same leave-one-out run (slower).")
@bounds_options
def train(folder, out, lodo: bool, peer: bool, limits) -> None:
    """Fit the kind model (one classifier per bot kind and per field combination) on the
    labeled sets in FOLDER (one sub-folder each, as in ../shared/data/bots); deterministic.

    \b
    follower-kit bots train ../shared/data/bots --out follower_kit/models/default.json
    """
    from ..analysis import bots as B

    from ..sources.datasets import as_x_api_v2, bounds

    with bounds(limits):
        sets = _load_sets(folder)
    # each set left out, then each mixed set again as X API v2 gives it (the block list's
    # evidence for audiences without like counts)
    v2 = {n: as_x_api_v2(s) for n, s in sets.items()} if lodo else None
    bar, step = _progress("leave one set out",
                          len(sets) + (sum(n in B.MIXED_SETS for n in sets) if lodo else 0))
    try:
        model, _ = B.train_with_evidence(sets, lodo=lodo, peer=peer, progress=step,
                                         v2_sets=v2)
    finally:   # an error then starts on a line of its own
        bar.close()
    B.save_bot_model(model, out)
    t = model.card["training"]
    skipped = sorted(set(sets) - set(t["datasets"]))
    if skipped:   # the data selection leaves them out of training; they are still tested
        click.echo(f"not trained on (the data selection leaves them out): {', '.join(skipped)}")
    click.echo(f"wrote {out}: {len(model.submodels)} field combinations x "
               f"{len(model.kinds)} kinds, trained on {t['accounts']:,} accounts of "
               f"{len(t['datasets'])} sets")
    if "block" in model.card:
        b = B.block_evidence(model)
        click.echo(f"block_threshold {b['block_threshold']:.2f} "
                   f"({'meets' if b['met'] else 'does NOT meet'} the precision floors; "
                   f"{b['people_share']:.1%} people on the pooled left-out block lists, the "
                   "threshold chosen without each set in turn)")
        click.echo(B.model_card_text(model))


def _expected(model, threshold: float, labeled) -> dict:
    """What a report would state of the people on this set's block list, from the model's
    leave-one-out evidence resampled to the set's own share of bots (measured without like
    counts when the set has none), to hold against the share measured on it
    (1 - ``precision_at_block``)."""
    from ..analysis import bots as B
    from ..audience import likes_missing

    v2 = likes_missing(labeled.users)
    evidence = B.block_evidence_at(threshold, model, v2=v2)
    share = float(labeled.labels.mean()) if len(labeled.labels) else 0.0
    return {"people_share": None if evidence is None else B.people_share_at(evidence, share),
            "at_bot_share": round(share, 4), "without_likes": v2}


def _trained_on(model, labeled) -> list[str]:
    """The sets of ``labeled`` the kind ``model`` was fitted on (by name, as its card records
    them; a Bot Repository file by the set that holds it): its figures there are in-sample."""
    from ..analysis.bots.model import TRAINING_KINDS

    names = {labeled.name, *labeled.users["dataset"].dropna().astype(str)}
    names |= {k[0] for k in TRAINING_KINDS if isinstance(k, tuple) and k[1] in names}
    return sorted(names & set(model.card.get("training", {}).get("datasets", [])))


def _train_splits(paths, split) -> list:
    """The split each ``--train`` path is read with: ``split`` for a TwiBot release, none for the
    other formats (a release's train split beside public sets)."""
    from pathlib import Path

    from ..sources.datasets import detect_format, detect_set

    if split is None:
        return [None] * len(paths)
    twibot = [(detect_set(Path(p)) or detect_format(p)) == "twibot" for p in paths]
    if not any(twibot):
        raise click.UsageError("--train-split reads a TwiBot release's split.csv; no --train "
                               "set is a TwiBot release")
    return [split if t else None for t in twibot]


def _has_split_file(path) -> bool:
    """Whether ``path`` is a TwiBot release (a folder, or packed as a ``.zip`` or ``.tar.gz``)
    with a split file ``--split`` would read."""
    from ..sources.datasets import split_file

    return split_file(path) is not None


def _issue_counts(labeled) -> dict:
    """What loading a labeled set left out or repaired, by kind (``conflict``, ``duplicate``,
    ``bad_id``, ``unlabeled``, ``missing_profile``, ...): its ``issues`` counted, so a
    researcher sees what the figures were measured without."""
    return {str(k): int(v) for k, v in sorted(labeled.issues["kind"].value_counts().items())}


def _issue_line(counts: dict, path) -> str | None:
    """One line naming the load's issues (the assumed observation time has its own warning),
    or None when there are none."""
    shown = {k: v for k, v in counts.items() if k != "assumed_observed_at"}
    if not shown:
        return None
    return ("loaded with issues: " + ", ".join(f"{k} {v:,}" for k, v in shown.items())
            + f" (each by file and line: datasets.load_labeled({str(path)!r}).issues)")


def _observed(labeled) -> dict:
    """When a test set's profiles were read (account ages count from it), and whether that was
    assumed (a TwiBot release without ``--observed-at``: the newest account's creation or pinned
    post, whichever is later)."""
    import pandas as pd

    at = labeled.users["observed_at"].max()
    return {"at": None if pd.isna(at) else at.isoformat(),
            "assumed": bool((labeled.issues["kind"] == "assumed_observed_at").any())}


@bots.command("evaluate")
@click.option("--lodo", "lodo_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder of labeled sets: leave each out in turn (kit recipe, peer and rules).")
@click.option("--train", "train_paths", multiple=True, type=click.Path(exists=True),
              help="Labeled data set to train BotClassifier on (file or folder); repeatable.")
@click.option("--test", "test_path", type=click.Path(exists=True), default=None,
              help="Labeled data set to test on. Alone: the shipped model, the peer and the "
                   "rules.")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, exists=True),
              default=None, help="A kind model to test instead of the shipped one.")
@click.option("--peer-train", "peer_dir", type=click.Path(file_okay=False), default=None,
              help="With --test alone: fit the BotometerLite peer on the labeled sets in this "
                   "folder [default: $FOLLOWER_KIT_SHARED_DATA/bots or ../shared/data/bots when "
                   "present; without one, no peer].")
@click.option("--peer/--no-peer", "with_peer", default=True, show_default=True,
              help="With --test alone: measure the peer too.")
@click.option("--threshold", default=0.5, show_default=True,
              help="With --train: score at which F1 is taken.")
@click.option("--leaky", is_flag=True, help="With --train: let BotClassifier use verified.")
@click.option("--save-model", type=click.Path(dir_okay=False), default=None,
              help="With --train: write the trained BotClassifier (JSON) here.")
@click.option("--as-v2", "as_v2", is_flag=True,
              help="With --lodo: strip from every set what an X API v2 user object lacks (like "
                   "count, default_profile, profile_use_background_image), a proxy for a "
                   "modern sample.")
@click.option("--without", "without", multiple=True,
              type=click.Choice(["likes", "listed", "text"]),
              help="With --lodo: take this optional field group from each left-out set (the "
                   "kit scores it with the classifiers fitted without it; the peer and the rules "
                   "see it blank); repeatable.")
@click.option("--observed-at", "observed_at", default=None, metavar="DATE",
              help="When the --test and --train profiles were read (e.g. 2022-02-01), for "
                   "TwiBot releases, which do not record it [default: the newest account's "
                   "creation or pinned post, whichever is later, with a warning]; account "
                   "ages are measured from it.")
@click.option("--split", "split", default=None, metavar="NAME",
              help="Test on the accounts a TwiBot release's split.csv puts in this split "
                   "(TwiBot-22: train, valid or test), as its benchmark does [default: every "
                   "labeled account].")
@click.option("--train-split", "train_split", default=None, metavar="NAME",
              help="With --train: train on this split of each TwiBot release (e.g. train; "
                   "other --train sets are read whole); --train and --test may then be the "
                   "same release.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on the last line.")
@bounds_options
def evaluate(lodo_dir, train_paths, test_path, model_path, peer_dir, with_peer: bool,
             threshold: float, leaky: bool, save_model, as_v2: bool, without, observed_at,
             split, train_split, as_json: bool, limits):
    """Measure bot scores on labeled data.

    \b
    follower-kit bots evaluate --lodo DIR     # leave each set out in turn: kit, peer, rules
    follower-kit bots evaluate --lodo DIR --as-v2   # every set as X API v2 gives it
    follower-kit bots evaluate --lodo DIR --without text   # left-out sets without bios, handles
    follower-kit bots evaluate --test PATH    # the shipped model, the peer and the rules
    follower-kit bots evaluate --train X --test Y   # BotClassifier trained on X, tested on Y
    follower-kit bots evaluate --test TWIBOT --split test   # the release's test split
    follower-kit bots evaluate --train TWIBOT --train-split train --test TWIBOT --split test

    Compressed sets (.gz, .zip, .tar.gz) are read within --max-file-size, --max-total-size
    and --max-ratio; raise them for a release larger than those bounds.
    """
    from ..sources.datasets import bounds

    with bounds(limits):
        _evaluate(lodo_dir, train_paths, test_path, model_path, peer_dir, with_peer, threshold,
                  leaky, save_model, as_v2, without, observed_at, split, train_split, as_json)


def _evaluate(lodo_dir, train_paths, test_path, model_path, peer_dir, with_peer: bool,
              threshold: float, leaky: bool, save_model, as_v2: bool, without, observed_at,
              split, train_split, as_json: bool):
    """:func:`evaluate`, within the bounds it set."""
    from pathlib import Path

    from ..analysis import bots as B
    from ..config import BLOCK_THRESHOLD
    from ..sources.datasets import load_labeled, load_many, remove_overlap, shared_bots_dir

    if split is not None and (lodo_dir or not test_path):
        raise click.UsageError("--split goes with --test PATH (a TwiBot release with split.csv)")
    if train_split is not None and (lodo_dir or not train_paths):
        raise click.UsageError("--train-split goes with --train PATH")
    if lodo_dir:
        # with --as-v2 every set, left out or trained on, as X API v2 user objects give it
        sets = _load_sets(lodo_dir, as_v2=as_v2)
        bar, step = _progress("leave one set out", len(sets))
        try:
            model, scores = B.train_with_evidence(sets, lodo=True, peer=True, progress=step,
                                                  drop_fields=without)
        finally:   # an error then starts on a line of its own
            bar.close()
        out = model.card["lodo"] | {"block": model.card["block"]}
        if not as_json:
            click.echo(B.lodo_table(out))
        click.echo(json.dumps(_jsonable(out)))
        return
    if as_v2:
        raise click.UsageError("--as-v2 goes with --lodo DIR (a v2 test set is v2 already)")
    if without:
        raise click.UsageError("--without goes with --lodo DIR")
    if not test_path:
        raise click.UsageError("give --lodo DIR, or --test PATH (with or without --train)")
    if observed_at is not None:   # the loaders read it as UTC; here only whether it is a date
        import pandas as pd

        try:
            pd.Timestamp(observed_at)
        except ValueError:
            raise click.BadParameter(f"{observed_at!r} is not a date (e.g. 2022-02-01 or "
                                     "2022-02-01T12:00Z)", param_hint="--observed-at") from None
    apart = split is not None and train_split is not None and \
        split.lower() != train_split.lower()   # two splits of one release
    if not apart and any(Path(p).resolve() == Path(test_path).resolve() for p in train_paths):
        raise click.UsageError(f"--test {test_path} is also a --train set; a model must be "
                               f"tested on accounts it did not learn from (for a TwiBot "
                               f"release: --train-split train --split test)")
    test = load_labeled(test_path, observed_at=observed_at, split=split)
    if not train_paths:
        model = B.load_bot_model(model_path) if model_path else B.default_model()
        block = model.card.get("block", {}).get("block_threshold", BLOCK_THRESHOLD)
        kit = B.score_bots(test.users, model=model, farms=False, n_reasons=0)
        rules = B.default_score(test.users, farms=False, n_reasons=0)
        out = {"n": len(test), "bots": int(test.labels.sum()),
               "kit": B.block_metrics(test.labels, kit["bot_score"], kit["block_kind"],
                                      threshold=block),
               "rules": B.block_metrics(test.labels, rules["bot_score"], threshold=block),
               "block_threshold": block, "observed_at": _observed(test),
               "block_expected": _expected(model, block, test),
               "kit_trained_on": _trained_on(model, test), "split": split,
               "issues": _issue_counts(test)}
        peer_dir = (peer_dir or shared_bots_dir()) if with_peer else None
        if peer_dir:
            peer_p, peer_n = _peer_on(test, peer_dir)
            out["peer"] = B.block_metrics(test.labels, peer_p, threshold=block)
            out["peer_train"] = {"folder": str(peer_dir), "accounts": peer_n}
            if "roc_auc" in out["peer"]:
                out["kit_vs_peer"], _ = B.auc_difference(test.labels, kit["bot_score"], peer_p)
        if not as_json:
            click.echo(f"{test.name}: {out['n']:,} accounts, {out['bots']:,} bots; block list "
                       f"from {block:.2f}")
            if line := _issue_line(out["issues"], test_path):
                click.echo(line)
            for who in ("kit", "peer", "rules"):
                if who in out:
                    click.echo(f"{who:<6}" + "  ".join(f"{k} {_fmt(v)}"
                                                       for k, v in out[who].items()))
            if out["kit_trained_on"]:
                click.echo("note: the kit's model was trained on "
                           f"{', '.join(out['kit_trained_on'])}: its figures here are in-sample, "
                           "not held out" + (" (the peer's are)" if "peer" in out else ""))
            if "kit_vs_peer" in out:
                d = out["kit_vs_peer"]
                click.echo(f"kit - peer ROC AUC {d['roc_auc_difference']:+.3f} (95% CI "
                           f"{d['ci95'][0]:+.3f} to {d['ci95'][1]:+.3f}, paired bootstrap)")
            if "peer" not in out and with_peer:
                click.echo("peer  not measured: no labeled sets to fit it on (--peer-train DIR)")
            if split is None and _has_split_file(test_path):
                click.echo("note: every labeled account was tested; the release's split.csv "
                           "is read with --split test (its benchmark's test split)")
        click.echo(json.dumps(_jsonable(out)))
        return
    train = load_many([load_labeled(p, observed_at=observed_at, split=s)
                       for p, s in zip(train_paths, _train_splits(train_paths, train_split))])
    test = remove_overlap(test, train)
    if not len(test):
        raise click.UsageError(f"every account of {test_path} is also in --train")
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

