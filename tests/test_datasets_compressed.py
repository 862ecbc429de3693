"""Labeled sets as they are often shipped: gzipped user files and labels, a Bot Repository
``NAME_tweets.json.gz``, a TwiBot release folder packed as a ``.zip``; each read as its plain
form reads, and bounded against decompression bombs. Files are written at test time from the
real Bot Repository user objects in ../shared/data/bots."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile

import pandas as pd
import pytest

from follower_kit.errors import SourceError
from follower_kit.sources import archive
from follower_kit.sources import datasets as ds

from _v2_users import v2_user
from conftest import shared_path


def _v2_release(n=40):
    """(user objects as X API v2 gives them, label.csv text) from real gilani-2017 records."""
    folder = shared_path("bots", "gilani-2017")
    labels = dict(line.split("\t")[:2] for line in (folder / "gilani-2017.tsv").read_text()
                  .splitlines())
    records = json.loads((folder / "gilani-2017_tweets.json").read_text())
    records = [r for r in records if r["user"]["id_str"] in labels]
    bots = [r for r in records if labels[r["user"]["id_str"]].strip() == "bot"]
    people = [r for r in records if labels[r["user"]["id_str"]].strip() == "human"]
    objs, rows = [], ["id,label"]
    for r in bots[: n // 2] + people[: n // 2]:
        u = r["user"]
        objs.append(v2_user(u, likes=False))
        rows.append(f"u{u['id_str']},{labels[u['id_str']].strip()}")
    return objs, "\n".join(rows) + "\n"


def _same(got: ds.LabeledSet, want: ds.LabeledSet):
    pd.testing.assert_frame_equal(got.users.drop(columns="dataset"),
                                  want.users.drop(columns="dataset"))
    assert got.labels.tolist() == want.labels.tolist()
    assert got.fields == want.fields


LAYOUTS = ["user.json.gz", "user_sample.json.gz+label_sample.csv.gz", "user.jsonl.gz as file",
           "zip with a folder", "zip of gzipped files at its top", "tar.gz with a folder"]


def _tar(path, files: dict):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_compressed_twibot_release_reads_as_its_plain_files_do(tmp_path, layout):
    """``user.json.gz``, ``label.csv.gz`` and a release folder packed as a ``.zip`` (as
    ``TwiBot-22-sample.zip`` holding ``TwiBot-22-sample/user.json``) were refused as an unknown
    format or a folder without user objects, and a ``.tar.gz`` release was taken for a Bot
    Repository archive; each now loads exactly as the plain folder does."""
    objs, labels = _v2_release()
    array = json.dumps(objs).encode()
    lines = "\n".join(json.dumps(o) for o in objs).encode()
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "user.json").write_bytes(array)
    (plain / "label.csv").write_text(labels)
    want = ds.load_labeled(plain, observed_at="2017-06-01")
    assert len(want) == 40 and 0 < want.labels.sum() < 40
    rel = tmp_path / "TwiBot-22-sample"
    rel.mkdir()
    if layout == "user.json.gz":
        (rel / "user.json.gz").write_bytes(gzip.compress(array))
        (rel / "label.csv").write_text(labels)
        given = rel
    elif layout.startswith("user_sample"):
        (rel / "user_sample.json.gz").write_bytes(gzip.compress(array))
        (rel / "label_sample.csv.gz").write_bytes(gzip.compress(labels.encode()))
        given = rel
    elif layout == "user.jsonl.gz as file":
        (rel / "user.jsonl.gz").write_bytes(gzip.compress(lines))
        (rel / "label.csv").write_text(labels)
        given = rel / "user.jsonl.gz"
    elif layout.startswith("tar.gz"):
        given = tmp_path / "TwiBot-22-sample.tar.gz"
        _tar(given, {"./TwiBot-22-sample/user.json": array,
                     "./TwiBot-22-sample/label.csv": labels.encode()})
    else:
        given = tmp_path / "TwiBot-22-sample.zip"
        with zipfile.ZipFile(given, "w", zipfile.ZIP_DEFLATED) as z:
            if layout == "zip with a folder":
                z.writestr("TwiBot-22-sample/user.json", array)
                z.writestr("TwiBot-22-sample/label.csv", labels)
            else:
                z.writestr("user.jsonl.gz", gzip.compress(lines))
                z.writestr("label.csv.gz", gzip.compress(labels.encode()))
    assert ds.detect_format(given) == "twibot"
    got = ds.load_labeled(given, observed_at="2017-06-01")
    _same(got, want)
    assert got.name == ("user" if layout == "user.jsonl.gz as file" else "TwiBot-22-sample")


@pytest.mark.parametrize("given", ["folder", "file"])
def test_a_bot_repository_set_with_gzipped_user_objects_reads_as_the_plain_one(tmp_path, given):
    """``NAME_tweets.json.gz`` beside ``NAME.tsv`` (how big Bot Repository files travel) was
    not seen as a set; it now loads as the plain pair does (the real gilani-2017 files)."""
    src = shared_path("bots", "gilani-2017")
    want = ds.load_labeled(src)
    (tmp_path / "gilani-2017.tsv").write_bytes((src / "gilani-2017.tsv").read_bytes())
    (tmp_path / "gilani-2017_tweets.json.gz").write_bytes(
        gzip.compress((src / "gilani-2017_tweets.json").read_bytes()))
    path = tmp_path if given == "folder" else tmp_path / "gilani-2017_tweets.json.gz"
    assert ds.detect_format(path) == "botrepo"
    got = ds.load_labeled(path)
    _same(got, want)
    assert len(got) == len(want) == 2465


def _one_record_release(folder, user_bytes: bytes, name="user.json.gz"):
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(user_bytes)
    (folder / "label.csv").write_text("id,label\nu1,bot\n")
    return folder


RECORD = {"id": "u1", "username": "a", "created_at": "2012-01-01T00:00:00Z",
          "public_metrics": {"followers_count": 1}}


def test_a_gzip_bomb_is_refused_naming_the_file(tmp_path, monkeypatch):
    """A gzip's header does not hold its size: it is bounded as it inflates, by
    ``Limits.ratio`` past 1 MiB and by ``Limits.file_bytes``, with an error naming the file
    (valid JSON padded with 4 MiB of blanks loads when the bounds allow it)."""
    padded = b"[" + b" " * (4 << 20) + json.dumps(RECORD).encode() + b"]"
    packed = gzip.compress(padded)
    assert len(padded) / len(packed) > 100
    rel = _one_record_release(tmp_path / "rel", packed)
    with pytest.raises(SourceError, match=r"rel/user\.json\.gz: .* inflates past .*ratio above "
                                          r"100\): refused as a decompression bomb"):
        ds.load_labeled(rel)
    monkeypatch.setattr(archive.Limits, "ratio", 10_000.0)
    assert len(ds.load_labeled(rel)) == 1
    monkeypatch.setattr(archive.Limits, "file_bytes", 2 << 20)
    with pytest.raises(SourceError, match=r"user\.json\.gz: inflates past 2\.0 MiB"):
        ds.load_labeled(rel)
    # JSON Lines and the label file go through the same bound
    (rel / "user.json.gz").write_bytes(gzip.compress(json.dumps(RECORD).encode()))
    (rel / "label.csv").unlink()
    (rel / "label.csv.gz").write_bytes(gzip.compress(b"id,label\n" + b"u1,bot\n" * (1 << 19)))
    with pytest.raises(SourceError, match=r"label\.csv\.gz: inflates past 2\.0 MiB"):
        ds.load_labeled(rel)


def test_a_bot_repository_gzip_read_whole_is_bounded_by_the_file_bound(tmp_path):
    js = json.dumps([{"created_at": "Mon Jan 21 19:37:21 +0000 2019",
                      "user": {"id_str": "1", "screen_name": "a", "followers_count": 1,
                               "created_at": "Wed Jun 20 15:07:36 +0000 2012"}}]).encode()
    (tmp_path / "tiny-2019.tsv").write_text("1\tbot\n")
    (tmp_path / "tiny-2019_tweets.json.gz").write_bytes(gzip.compress(js))
    assert len(ds.load_labeled(tmp_path)) == 1
    with ds.bounds(archive.Limits(file_bytes=len(js) - 1)), pytest.raises(
            SourceError, match=r"tiny-2019_tweets\.json\.gz: inflates past .*--max-file-size"):
        ds.load_labeled(tmp_path)


def test_a_zipped_release_is_bounded_before_a_byte_is_inflated(tmp_path, monkeypatch):
    """A zip member is checked by its declared size and ratio, as the archive reader checks
    one, naming the zip and the member."""
    padded = b"[" + b" " * (4 << 20) + json.dumps(RECORD).encode() + b"]"
    path = tmp_path / "TwiBot-22-sample.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("TwiBot-22-sample/user.json", padded)
        z.writestr("TwiBot-22-sample/label.csv", "id,label\nu1,bot\n")
    with pytest.raises(SourceError, match=r"TwiBot-22-sample\.zip/TwiBot-22-sample/user\.json: "
                                          r".* \(ratio [\d,]+, limit 100\): refused as a "
                                          r"decompression bomb"):
        ds.load_labeled(path)
    monkeypatch.setattr(archive.Limits, "ratio", 10_000.0)
    assert len(ds.load_labeled(path)) == 1
    monkeypatch.setattr(archive.Limits, "file_bytes", 1 << 20)
    with pytest.raises(SourceError, match=r"sample/user\.json: 4\.0 MiB uncompressed, more than "
                                          r"the 1\.0 MiB"):
        ds.load_labeled(path)


def test_a_tarred_release_is_bounded_by_its_members_sizes(tmp_path, monkeypatch):
    """A tar member is checked by its header size against the archive's packed size and
    ``Limits.file_bytes`` before it is read; a Bot Repository .tar.gz (it holds a NAME.tsv)
    is still read as one."""
    padded = b"[" + b" " * (4 << 20) + json.dumps(RECORD).encode() + b"]"
    path = tmp_path / "TwiBot-22-sample.tar.gz"
    _tar(path, {"user.json": padded, "label.csv": b"id,label\nu1,bot\n"})
    assert ds.detect_format(path) == "twibot"
    with pytest.raises(SourceError, match=r"TwiBot-22-sample\.tar\.gz/user\.json: .* \(ratio "
                                          r"[\d,]+, limit 100\): refused as a decompression bomb"):
        ds.load_labeled(path)
    monkeypatch.setattr(archive.Limits, "ratio", 10_000.0)
    assert len(ds.load_labeled(path)) == 1
    monkeypatch.setattr(archive.Limits, "file_bytes", 1 << 20)
    with pytest.raises(SourceError, match=r"gz/user\.json: 4\.0 MiB uncompressed, more than "
                                          r"the 1\.0 MiB"):
        ds.load_labeled(path)
    assert ds.detect_format(shared_path("bots", "cresci-stock-2018",
                                        "cresci-stock-2018.tar.gz")) == "botrepo"


def test_damaged_compressed_files_name_the_file(tmp_path):
    """A gzip cut short, a file named .gz that is not one, and a .zip that is not one are
    errors naming the file, not zlib or zipfile tracebacks."""
    whole = gzip.compress(json.dumps([RECORD] * 50).encode())
    rel = _one_record_release(tmp_path / "cut", whole[: len(whole) // 2])
    with pytest.raises(SourceError, match=r"cut/user\.json\.gz: damaged or not compressed"):
        ds.load_labeled(rel)
    rel = _one_record_release(tmp_path / "fake", json.dumps([RECORD]).encode())
    with pytest.raises(SourceError, match=r"fake/user\.json\.gz: damaged or not compressed"):
        ds.load_labeled(rel)
    (tmp_path / "release.zip").write_bytes(b"not a zip")
    with pytest.raises(SourceError, match=r"release\.zip: not a zip file"):
        ds.load_labeled(tmp_path / "release.zip")
    (tmp_path / "release.tar.gz").write_bytes(gzip.compress(b"not a tar" * 100))
    with pytest.raises(SourceError, match=r"release\.tar\.gz: not a tar archive"):
        ds.load_labeled(tmp_path / "release.tar.gz")
    _tar(tmp_path / "whole.tar.gz", {"user.json": json.dumps([RECORD] * 2000).encode(),
                                     "label.csv": b"id,label\nu1,bot\n"})
    cut = (tmp_path / "whole.tar.gz").read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(cut[: len(cut) // 2])
    with pytest.raises(SourceError, match=r"cut\.tar\.gz: not a tar archive, or a damaged one"):
        ds.load_labeled(tmp_path / "cut.tar.gz")
    # a Bot Repository archive cut short, read as one: named too, not a bare EOFError
    real = (shared_path("bots", "cresci-stock-2018") / "cresci-stock-2018.tar.gz").read_bytes()
    (tmp_path / "cresci-stock-2018.tar.gz").write_bytes(real[: len(real) // 2])
    with pytest.raises(SourceError, match=r"cresci-stock-2018\.tar\.gz: not a tar archive, "
                                          r"or a damaged one"):
        ds.load_botrepo(tmp_path / "cresci-stock-2018.tar.gz")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes/readme.txt", "nothing here")
    (tmp_path / "empty.zip").write_bytes(buf.getvalue())
    with pytest.raises(SourceError, match=r"empty\.zip.*no user objects"):
        ds.load_labeled(tmp_path / "empty.zip")


def _zip(path, files: dict):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("inside", ["", "botwiki-2019/"])
def test_a_zipped_bot_repository_set_reads_as_its_plain_files_do(tmp_path, inside):
    """``botwiki-2019.zip`` holding ``botwiki-2019.tsv`` and ``botwiki-2019_tweets.json`` (at
    its top or in one folder) was taken for a TwiBot release and refused for lacking user
    files; it now loads as the plain pair does (the real botwiki-2019 files)."""
    src = shared_path("bots", "botrepo-2019")
    want = ds.load_labeled(src / "botwiki-2019.tsv")
    path = _zip(tmp_path / "botwiki-2019.zip", {
        f"{inside}botwiki-2019.tsv": (src / "botwiki-2019.tsv").read_bytes(),
        f"{inside}botwiki-2019_tweets.json": (src / "botwiki-2019_tweets.json").read_bytes()})
    assert ds.detect_format(path) == "botrepo"
    got = ds.load_labeled(path)
    _same(got, want)
    assert got.name == "botwiki-2019" and len(got) == len(want)


def test_a_zipped_kaggle_set_reads_as_its_plain_files_do(tmp_path):
    """Kaggle ships its data as a zip of the CSVs; it was taken for a TwiBot release. It now
    loads as the folder of CSVs does (the real kaggle-2017 files), named after the zip."""
    src = shared_path("bots", "kaggle-2017")
    want = ds.load_labeled(src)
    path = _zip(tmp_path / "archive.zip", {n: (src / n).read_bytes()
                                           for n in ("bots_data.csv", "nonbots_data.csv")})
    assert ds.detect_format(path) == "kaggle"
    got = ds.load_labeled(path)
    _same(got, want)
    assert got.name == "archive"
    assert got.issues["kind"].value_counts().to_dict() == \
        want.issues["kind"].value_counts().to_dict()


def test_a_zipped_bot_repository_set_is_bounded_and_named(tmp_path, monkeypatch):
    """A zipped set's members go through the same bounds as a zipped TwiBot release's, and
    errors name the zip and the member."""
    padded = json.dumps([{"created_at": "Mon Jan 21 19:37:21 +0000 2019",
                          "user": {"id_str": "1", "screen_name": "a", "followers_count": 1,
                                   "created_at": "Wed Jun 20 15:07:36 +0000 2012"}}]
                        ).encode() + b" " * (4 << 20)
    path = _zip(tmp_path / "tiny-2019.zip", {"tiny-2019/tiny-2019.tsv": b"1\tbot\n",
                                             "tiny-2019/tiny-2019_tweets.json": padded})
    with pytest.raises(SourceError, match=r"tiny-2019\.zip/tiny-2019/tiny-2019_tweets\.json: "
                                          r".* \(ratio [\d,]+, limit 100\): refused"):
        ds.load_labeled(path)
    monkeypatch.setattr(archive.Limits, "ratio", 10_000.0)
    assert len(ds.load_labeled(path)) == 1
    with ds.bounds(archive.Limits(file_bytes=1 << 20, ratio=10_000.0)), pytest.raises(
            SourceError, match=r"tiny-2019\.zip/tiny-2019/tiny-2019_tweets\.json: 4\.0 MiB "
                               r"uncompressed, more than the 1\.0 MiB.*--max-file-size"):
        ds.load_labeled(path)
    _zip(tmp_path / "cut-2019.zip", {"cut-2019.tsv": b"1\tbot\n",
                                     "cut-2019_tweets.json": b'[{"user": '})
    with pytest.raises(SourceError, match=r"cut-2019\.zip/cut-2019_tweets\.json:1: not valid "
                                          r"JSON"):
        ds.load_labeled(tmp_path / "cut-2019.zip")


def _padded_tar(path, pad_members=4, pad_bytes=4 << 20):
    """A TwiBot-22 layout packed whole as one .tar.gz: large tweet files (zeros, packing to
    almost nothing) before ``user.json`` and ``label.csv`` (40 real gilani-2017 accounts)."""
    objs, labels = _v2_release()
    files = {f"tweet_{i}.json": bytes(pad_bytes) for i in range(pad_members)}
    _tar(path, files | {"user.json": json.dumps(objs).encode(), "label.csv": labels.encode()})
    return path


def test_listing_a_tar_stops_at_the_total_bound(tmp_path, monkeypatch):
    """Listing a .tar.gz inflated its whole stream before any member was checked, so a tar
    bomb (or a whole release packed as one archive) cost unbounded time; the listing now
    stops once the bytes inflated pass ``Limits.total_bytes``, naming the archive and the flag
    that raises the bound, and loads within a raised bound."""
    path = _padded_tar(tmp_path / "TwiBot-22.tar.gz")
    assert len(ds.load_labeled(path, observed_at="2017-06-01")) == 40
    monkeypatch.setattr(archive.Limits, "total_bytes", 8 << 20)
    for call in (ds.detect_format, lambda p: ds.load_twibot(p, observed_at="2017-06-01")):
        with pytest.raises(SourceError, match=r"TwiBot-22\.tar\.gz: its members unpack past "
                                              r"8\.0 MiB; listing stopped, nothing read .*"
                                              r"--max-total-size"):
            call(path)
    with ds.bounds(archive.Limits(total_bytes=32 << 20)):
        assert len(ds.load_labeled(path, observed_at="2017-06-01")) == 40
    # a plain .tar is listed by seeking past its members, costing nothing: not bounded
    plain = tmp_path / "TwiBot-22.tar"
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    assert len(ds.load_labeled(plain, observed_at="2017-06-01")) == 40


def test_bots_evaluate_raises_the_bounds_it_is_given(tmp_path):
    """``bots evaluate`` had no way to read a compressed release past the bounds; its
    --max-total-size, --max-file-size and --max-ratio now set them, and the errors name the
    flag."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    def run(path, *flags):
        return CliRunner().invoke(main, ["bots", "evaluate", "--test", str(path), "--no-peer",
                                         "--json", "--observed-at", "2017-06-01", *flags])

    tar = _padded_tar(tmp_path / "TwiBot-22.tar.gz")
    res = run(tar, "--max-total-size", "8MiB")
    assert res.exit_code == 1 and "listing stopped" in res.output, res.output
    assert "--max-total-size on bots evaluate or bots train raises the limit" in res.output
    res = run(tar, "--max-total-size", "32MiB")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["n"] == 40
    objs, labels = _v2_release()
    big = _zip(tmp_path / "TwiBot-22-sample.zip", {
        "user.json": b"[" + b" " * (2 << 20) + json.dumps(objs).encode()[1:],
        "label.csv": labels})
    res = run(big)
    assert res.exit_code == 1 and "--max-ratio on bots evaluate" in res.output, res.output
    res = run(big, "--max-ratio", "100000", "--max-file-size", "1MiB")
    assert res.exit_code == 1 and "--max-file-size on bots evaluate" in res.output, res.output
    assert "TwiBot-22-sample.zip/user.json: 2.0 MiB uncompressed" in res.output
    assert run(big, "--max-ratio", "100000").exit_code == 0
    # a file read whole (a Kaggle CSV, a Bot Repository JSON) is bounded by --max-file-size
    # too: it was refused past a fixed 1 GiB that no flag raised
    kaggle = shared_path("bots", "kaggle-2017")
    res = run(kaggle, "--max-file-size", "100KiB")
    assert res.exit_code == 1, res.output
    assert "KiB a labeled set's file read whole may be; not read (--max-file-size" in res.output
    assert run(kaggle, "--max-file-size", "100MiB").exit_code == 0


def test_a_folder_of_sets_reads_a_set_kept_as_its_zip(tmp_path):
    """``--lodo DIR`` and ``bots train DIR`` skipped a set folder holding only the set's
    download (``botwiki-2019/botwiki-2019.zip``, Kaggle's ``archive.zip``); each is now read
    from its zip as its plain folder is, and a zip of no set is still skipped."""
    bots = tmp_path / "bots"
    src = shared_path("bots", "botrepo-2019")
    (bots / "botwiki-2019").mkdir(parents=True)
    _zip(bots / "botwiki-2019" / "botwiki-2019.zip", {
        f"botwiki-2019/{n}": (src / n).read_bytes()
        for n in ("botwiki-2019.tsv", "botwiki-2019_tweets.json")})
    kaggle = shared_path("bots", "kaggle-2017")
    (bots / "kaggle-2017").mkdir()
    _zip(bots / "kaggle-2017" / "archive.zip", {n: (kaggle / n).read_bytes()
                                                for n in ("bots_data.csv", "nonbots_data.csv")})
    (bots / "notes").mkdir()
    _zip(bots / "notes" / "notes.zip", {"readme.txt": "nothing here"})
    sets = ds.load_bot_sets(bots)
    assert sorted(sets) == ["botwiki-2019", "kaggle-2017"]
    _same(sets["botwiki-2019"], ds.load_labeled(src / "botwiki-2019.tsv"))
    _same(sets["kaggle-2017"], ds.load_labeled(kaggle))
    assert set(sets["kaggle-2017"].users["dataset"]) == {"kaggle-2017"}
    # and one such folder given alone, as --test or --train takes it
    _same(ds.load_labeled(bots / "botwiki-2019"), sets["botwiki-2019"])
    with pytest.raises(SourceError, match=r"notes: not a labeled data set folder"):
        ds.load_labeled(bots / "notes")


def _split_release(tmp_path, users="user.json", labels="label.csv", inside=""):
    """(the plain release folder with a split.csv saying ``val`` and ``test``, its files as a
    dict for an archive, ``inside`` a folder or at its top)."""
    objs, label_text = _v2_release()
    split = "id,split\n" + "".join(f"{o['id']},{'test' if i % 2 else 'val'}\n"
                                    for i, o in enumerate(objs))
    files = {users: json.dumps(objs).encode(), labels: label_text.encode(),
             "split.csv": split.encode()}
    plain = tmp_path / "plain"
    plain.mkdir()
    for name, data in files.items():
        (plain / name).write_bytes(data)
    return plain, {inside + n: d for n, d in files.items()}


@pytest.mark.parametrize("users, labels, inside", [
    ("user.json", "label.csv", ""), ("user_sample.json", "label_sample.csv", "TwiBot-22/")])
def test_a_tarred_twibot_release_in_a_folder_of_sets_is_read_as_a_release(tmp_path, caplog,
                                                                          users, labels, inside):
    """A TwiBot release kept as its ``.tar.gz`` in a folder of sets (``bots/twibot-22/
    TwiBot-22.tar.gz``, as ``--lodo DIR`` and ``bots train DIR`` read them, or the folder given
    to ``--test``) was taken for a Bot Repository archive, since the Bot Repository ships sets
    as ``.tar.gz``, and refused for lacking ``TwiBot-22.tsv``. Its listing now tells them apart:
    it loads as the plain release does, beside a Bot Repository ``.tar.gz`` still read as one,
    and a folder of the release alone is the one-line error of a folder of no training set. An
    archive beside the set folders, read as no set, was passed over without a word."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    plain, files = _split_release(tmp_path, users, labels, inside)
    want = ds.load_labeled(plain, observed_at="2017-06-01")
    bots = tmp_path / "bots"
    (bots / "twibot-22").mkdir(parents=True)
    tar = bots / "twibot-22" / "TwiBot-22.tar.gz"
    _tar(tar, files)
    js = json.dumps([{"created_at": "Mon Jan 21 19:37:21 +0000 2019",
                      "user": {"id_str": "1", "screen_name": "a", "followers_count": 1,
                               "created_at": "Wed Jun 20 15:07:36 +0000 2012"}}]).encode()
    (bots / "tiny-2019").mkdir()
    _tar(bots / "tiny-2019" / "tiny-2019.tar.gz",
         {"tiny-2019.tsv": b"1\tbot\n", "tiny-2019_tweets.json": js})
    assert ds.detect_format(tar) == "twibot"
    for given in (tar, bots / "twibot-22"):
        _same(ds.load_labeled(given, observed_at="2017-06-01"), want)
    sets = ds.load_bot_sets(bots)
    assert sorted(sets) == ["tiny-2019", "twibot-22"]
    assert len(sets["twibot-22"]) == 40 and len(sets["tiny-2019"]) == 1
    assert set(sets["twibot-22"].users["dataset"]) == {"twibot-22"}
    # beside the set folders it is not read, with a warning saying where it is read from
    tar.rename(bots / "twibot-22.tar.gz")
    with caplog.at_level("WARNING", logger="follower_kit.sources.datasets"):
        assert sorted(ds.load_bot_sets(bots)) == ["tiny-2019"]
    assert "twibot-22.tar.gz: an archive beside the set folders is not read; a set is read " \
           "from a folder of its own (twibot-22/twibot-22.tar.gz)" in caplog.text
    (bots / "twibot-22.tar.gz").rename(tar)
    (bots / "tiny-2019" / "tiny-2019.tar.gz").unlink()
    (bots / "tiny-2019").rmdir()
    res = CliRunner().invoke(main, ["bots", "train", str(bots), "--out",
                                    str(tmp_path / "m.json"), "--no-peer"])
    assert res.exit_code == 1, res.output
    error = [line for line in res.output.splitlines() if "error:" in line]
    assert len(error) == 1 and "none of ['twibot-22'] is a training set" in error[0]
    assert "'bots evaluate --test PATH'" in error[0]


@pytest.mark.parametrize("form", ["folder", "zip", "tar.gz", "folder holding its tar.gz"])
def test_the_split_note_and_split_read_a_packed_release_as_its_folder(tmp_path, form):
    """``bots evaluate --test PATH`` without ``--split`` notes that the release has a
    split.csv; the note was printed for a folder but not for the release as a ``.zip`` or
    ``.tar.gz``, which ``--split`` reads as it reads the folder. A split the file lacks
    (``valid`` where TwiBot-22's file says ``val``) is an error listing the ones it has."""
    from click.testing import CliRunner

    from follower_kit.cli import main

    plain, files = _split_release(tmp_path, inside="TwiBot-22/")
    given = {"folder": plain, "zip": tmp_path / "TwiBot-22.zip",
             "tar.gz": tmp_path / "TwiBot-22.tar.gz",
             "folder holding its tar.gz": tmp_path / "twibot-22" / "TwiBot-22.tar.gz"}[form]
    if form == "zip":
        _zip(given, files)
    elif form != "folder":
        given.parent.mkdir(exist_ok=True)
        _tar(given, files)
        given = tmp_path / "twibot-22" if form.startswith("folder") else given

    def run(*flags):
        return CliRunner().invoke(main, ["bots", "evaluate", "--test", str(given), "--no-peer",
                                         "--observed-at", "2017-06-01", *flags])

    res = run()
    assert res.exit_code == 0, res.output
    assert "note: every labeled account was tested; the release's split.csv" in res.output
    assert json.loads(res.output.strip().splitlines()[-1])["n"] == 40
    res = run("--split", "test")
    assert res.exit_code == 0, res.output
    assert "split.csv is read" not in res.output
    assert json.loads(res.output.strip().splitlines()[-1])["n"] == 20
    res = run("--split", "valid")
    assert res.exit_code == 1
    assert "split.csv: no account in split 'valid'; its splits: val (20), test (20)" in res.output
    assert ds.split_file(shared_path("bots", "gilani-2017")) is None


def _zip_bytes(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("form", ["inner zips unpacked from the download", "the download"])
def test_cresci_2017_as_its_official_download_reads_as_its_plain_folders_do(tmp_path, form):
    """The official cresci-2017.csv.zip holds ``datasets_full.csv/GROUP.csv.zip``, each
    holding ``GROUP.csv/users.csv`` beside the group's tweets; neither the download nor its
    unpacked folder of inner zips was read (the zip was taken for a TwiBot release). Both now
    load with the plain layout's accounts and labels, reading only each users.csv (real
    genuine_accounts and social_spambots_3 files)."""
    src = shared_path("bots", "cresci-2017")
    plain = tmp_path / "cresci-2017"
    inner = {}
    for group in ("genuine_accounts", "social_spambots_3"):
        (plain / group).mkdir(parents=True)
        users = (src / group / "users.csv").read_bytes()
        (plain / group / "users.csv").write_bytes(users)
        inner[f"datasets_full.csv/{group}.csv.zip"] = _zip_bytes({
            f"{group}.csv/users.csv": users, f"{group}.csv/tweets.csv": b'"id","text"\n'})
    want = ds.load_labeled(plain)
    if form == "the download":
        path = _zip(tmp_path / "cresci-2017.csv.zip", inner)
        assert ds.detect_format(path) == "cresci2017"
    else:
        path = tmp_path / "datasets_full.csv"
        path.mkdir()
        for name, data in inner.items():
            (tmp_path / name).write_bytes(data)
    got = ds.load_labeled(path)
    assert int((got.labels == 0).sum()) == 3474
    assert got.labels.tolist() == want.labels.tolist()
    pd.testing.assert_frame_equal(got.users.drop(columns="dataset"),
                                  want.users.drop(columns="dataset"))
    if form == "the download":   # in a folder of sets too, and a damaged inner zip is named
        (tmp_path / "bots" / "cresci-2017").mkdir(parents=True)
        (tmp_path / "bots" / "cresci-2017" / "cresci-2017.csv.zip").write_bytes(
            path.read_bytes())
        assert len(ds.load_bot_sets(tmp_path / "bots")["cresci-2017"]) == len(want)
        _zip(path, {"datasets_full.csv/genuine_accounts.csv.zip": b"not a zip"})
        with pytest.raises(SourceError, match=r"genuine_accounts\.csv\.zip: not a zip file"):
            ds.load_labeled(path)


def test_caverlee_2011_as_its_official_zip_reads_as_its_folder_does(tmp_path):
    """social_honeypot_icwsm_2011.zip (its files in one folder, beside the tweets and
    followings, which are never read) was taken for a TwiBot release; it now loads as the
    folder of the two profile files does (the real files)."""
    src = shared_path("bots", "caverlee-2011")
    want = ds.load_labeled(src)
    files = {f"social_honeypot_icwsm_2011/{n}": (src / n).read_bytes()
             for n in ("content_polluters.txt", "legitimate_users.txt")}
    files["social_honeypot_icwsm_2011/content_polluters_tweets.txt"] = b"1\t2\tspam\n"
    path = _zip(tmp_path / "social_honeypot_icwsm_2011.zip", files)
    assert ds.detect_format(path) == "caverlee"
    got = ds.load_labeled(path)
    _same(got, want)
    assert got.name == "social_honeypot_icwsm_2011" and len(got) == 41411


def test_a_zipped_twibot_release_with_a_large_csv_is_not_sniffed_as_kaggle(tmp_path, monkeypatch):
    """A whole TwiBot-22 release zipped holds edge.csv (gigabytes) beside user.json: looking
    for Kaggle CSVs in the zip opened it within the file bounds and refused the release; its
    TwiBot names now decide first, and a CSV is sniffed by its first line alone."""
    objs, labels = _v2_release()
    path = _zip(tmp_path / "TwiBot-22.zip", {
        "TwiBot-22/edge.csv": b"source_id,relation,target_id\n" + b"u1,followers,u2\n" * 200_000,
        "TwiBot-22/user.json": json.dumps(objs), "TwiBot-22/label.csv": labels})
    monkeypatch.setattr(archive.Limits, "file_bytes", 1 << 20)
    assert ds.detect_format(path) == "twibot"
    assert len(ds.load_labeled(path, observed_at="2017-06-01")) == 40
    # and a large CSV beside Kaggle's does not stop the sniffing
    kaggle = shared_path("bots", "kaggle-2017")
    path = _zip(tmp_path / "archive.zip", {
        "bots_data.csv": (kaggle / "bots_data.csv").read_bytes(),
        "edge.csv": b"source_id,relation,target_id\n" + b"u1,followers,u2\n" * 200_000})
    assert ds.detect_format(path) == "kaggle"
