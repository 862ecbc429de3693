"""Labeled short texts for scoring topic clustering: JSONL or CSV with ``text`` and ``label``,
or lists of topics (TweetXL's ``topics``, TweetTopic's multi-hot ``label``; single-topic rows
kept)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..errors import SourceError
from ..wording import plural


def _topics_of(obj: dict) -> list | None:
    """A row's topics when it gives a list: TweetXL's ``topics`` names, or TweetTopic's
    (``cardiffnlp/tweet_topic_multi``) ``label`` as a multi-hot list of 0/1 beside its
    ``label_name`` list, or ``label`` as a list of names; None for a single ``label``."""
    if isinstance(obj.get("topics"), list):
        return obj["topics"]
    label = obj.get("label")
    if not isinstance(label, list):
        return None
    if label and all(type(v) in (int, bool) and v in (0, 1) for v in label):
        if isinstance(obj.get("label_name"), list):
            return obj["label_name"]
        return [i for i, v in enumerate(label) if v]   # topic indices
    return label


def read_labeled_texts(path) -> tuple[list[str], list[str], int]:
    """Texts and labels from a JSONL or CSV file: (texts, labels, rows skipped as multi-label).

    JSONL: one object a line with ``text`` and ``label``, or a list of topics (TweetXL's
    ``topics``, TweetTopic's multi-hot ``label`` with ``label_name``): rows with exactly one
    topic are kept, the others counted as skipped. CSV: a header with ``text`` and ``label``
    columns.
    Raises SourceError naming the file, line and field at fault.
    """
    path = Path(path)
    texts, labels, skipped = [], [], 0
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = {"text", "label"} - set(reader.fieldnames or [])
            if missing:
                raise SourceError(f"{path}: line 1: CSV header lacks {sorted(missing)}; expected "
                                  f"columns text and label", path=path, line=1)
            for row in reader:
                if not row["text"] or not row["label"]:
                    raise SourceError(f"{path}: line {reader.line_num}: empty "
                                      f"{'text' if not row['text'] else 'label'}", path=path,
                                      line=reader.line_num)
                texts.append(row["text"])
                labels.append(row["label"])
    else:
        with path.open(encoding="utf-8-sig") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SourceError(f"{path}: line {number}: not JSON ({exc.msg})", path=path,
                                      line=number) from None
                if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                    raise SourceError(f"{path}: line {number}: field 'text' (a string) is "
                                      f"missing", path=path, line=number)
                topics = _topics_of(obj)
                if topics is not None:   # a list of topics, named or multi-hot
                    if len(topics) != 1:
                        skipped += 1
                        continue
                    label = topics[0]
                elif "label" in obj:
                    label = obj["label"]
                else:
                    raise SourceError(f"{path}: line {number}: needs field 'label' or a 'topics' "
                                      f"list", path=path, line=number)
                texts.append(obj["text"])
                labels.append(str(label))
    if len(set(labels)) < 2:
        raise SourceError(f"{path}: needs at least two labels to score a clustering, found "
                          f"{len(set(labels))} in {plural(len(labels), 'usable row')}", path=path)
    return texts, labels, skipped
