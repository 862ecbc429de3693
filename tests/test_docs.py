"""The docs stay true: every `follower-kit ...` line in README.md and docs/*.md parses with the
real command line, and the Python snippets that can run, run against the sample store.

A past audit by hand found options in the docs that did not exist; these tests are that audit,
run on every change.

Rules for the docs (docs/testing.md says them too):

* A command line is a ``follower-kit``, ``.venv/bin/follower-kit`` or ``python -m follower_kit``
  invocation in a fenced shell block (continuation lines end in ``\\``; a trailing ``# comment``
  is dropped; in a block with ``$`` prompts only the prompted lines are commands), in an inline
  code span, or in a command's ``--help`` examples. It is parsed with click's own
  ``make_context`` down the groups, callbacks not run, so a made-up option, a missing argument
  or a bad choice fails.
* Placeholders: any word is a value to click, so ``HANDLE``, ``DIR`` or ``PATH`` need no rule.
  ``N`` stands for a number; ``[--port N]`` marks an optional part (parsed as if typed); ``...``
  at the end leaves the rest out (the command's name must still exist), elsewhere it is one
  value. Paths need not exist (``~/Downloads/twitter-2024-05-01.zip`` is an example), but one
  that exists is checked as click checks it (a file where a folder is wanted fails).
* An inline span that only names a command (``follower-kit bots train``) must name a real one;
  its required arguments are not asked for.
* A ```python block runs in a fresh namespace, in a temporary folder holding a copy of the sample
  store as ``data/store`` (``$FOLLOWER_KIT_STORE`` points there). An HTML comment on the line
  before a block, ``<!-- docs-test: continues -->``, runs it after the python block before it
  in one namespace; ``<!-- docs-test: skip (why) -->`` skips it with that reason. A block naming
  ``../shared/data/...`` is skipped when that data is absent.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from follower_kit.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

SHELL = {"", "bash", "sh", "shell", "console"}
SKIP_MARK = re.compile(r"<!--\s*docs-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->")
# a placeholder standing for a value of a type other than text
PLACEHOLDERS = {"N": "1"}
ELLIPSIS = "..."


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, the line of its first content line, its lines, and
    the reason of a ``docs-test: skip`` mark right before it (None when unmarked)."""

    path: Path
    lang: str
    line: int
    lines: tuple[str, ...]
    skip: str | None


@dataclass(frozen=True)
class Command:
    """One command line found in a doc: where, the text as written, and whether it is a whole
    invocation (fenced, or an inline span with arguments) or just names a command."""

    path: Path
    line: int
    text: str
    whole: bool

    def __str__(self) -> str:
        where = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{where}:{self.line}: `{self.text}`"


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a markdown file, in order."""
    found, lines = [], path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = re.match(r"^(```+|~~~+)\s*([\w+-]*)", lines[i])
        if not fence:
            i += 1
            continue
        before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        mark = SKIP_MARK.search(before)
        end = next((j for j in range(i + 1, len(lines))
                    if lines[j].startswith(fence.group(1))), len(lines))
        found.append(Block(path, fence.group(2).lower(), i + 2, tuple(lines[i + 1:end]),
                           mark.group("reason") if mark else None))
        i = end + 1
    return found


def prose(path: Path) -> list[tuple[int, str]]:
    """The lines outside fenced blocks, numbered from 1 (fenced lines are blanked out)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    inside = set()
    for block in blocks(path):
        inside.update(range(block.line - 1, block.line + len(block.lines) + 1))
    return [(n, "" if n in inside else text) for n, text in enumerate(lines, 1)]


def _invocation(text: str) -> str | None:
    """The follower-kit command in a shell line (without env assignments and the program), or
    None when the line runs something else."""
    text = text.strip()
    text = re.sub(r"^\$\s+", "", text)
    text = re.sub(r"^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+", "", text)  # FOLLOWER_KIT_X=... follower-kit
    program = r"^(?:\S*/)?(?:follower-kit|python3?\s+-m\s+follower_kit(?:\.cli)?)(?=\s|$)"
    return text if re.match(program, text) else None


def commands(path: Path) -> list[Command]:
    """Every follower-kit command line of a markdown file: fenced, then inline."""
    found = []
    for block in blocks(path):
        if block.lang not in SHELL:
            continue
        prompted = any(re.match(r"^\$\s", line) for line in block.lines)
        joined, start = "", None
        for n, line in enumerate(block.lines, block.line):
            if prompted and not joined and not re.match(r"^\$\s", line):
                continue
            start = start if joined else n
            if line.rstrip().endswith("\\"):
                joined += line.rstrip()[:-1] + " "
                continue
            text = _invocation(_uncomment(joined + line))
            joined = ""
            if text:
                found.append(Command(path, start, text, whole=True))
    # inline spans, also those broken across two lines of a paragraph
    numbered = prose(path)
    text = "\n".join(line for _, line in numbered)
    for span in re.finditer(r"(?<!`)`([^`\n]+(?:\n[^`\n]+)?)`(?!`)", text):
        command = _invocation(span.group(1).replace("\n", " "))
        if command:
            line = text.count("\n", 0, span.start()) + 1
            found.append(Command(path, line, command, whole=False))
    return found


def _uncomment(line: str) -> str:
    """A shell line without its trailing ``# comment``."""
    return re.sub(r"(?:^|\s+)#(?:\s.*)?$", "", line).strip()


def example_commands(path: Path) -> list[Command]:
    """The command lines in the comments of an examples/ file (``#   follower-kit ...`` or in
    backticks), each a whole invocation."""
    found = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        comment = re.match(r"^\s*#\s*(.*)", line)
        if not comment:
            continue
        for text in [comment.group(1), *re.findall(r"`([^`]+)`", comment.group(1))]:
            command = _invocation(_uncomment(text))
            if command and "`" not in command:
                found.append(Command(path, n, command, whole=True))
    return found


EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*") if p.is_file())
ALL_COMMANDS = [command for path in DOCS for command in commands(path)] + \
    [command for path in EXAMPLES for command in example_commands(path)]


@contextlib.contextmanager
def _paths_need_not_exist(group: click.Group):
    """Let every ``click.Path(exists=True)`` accept a path that is not there (a doc's example
    file), while one that exists is still checked as a file or folder."""
    types = []

    def walk(cmd):
        for param in cmd.params:
            if isinstance(param.type, click.Path) and param.type.exists:
                types.append(param.type)
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(group)
    for t in types:
        t.exists = False
    try:
        yield
    finally:
        for t in types:
            t.exists = True


def _protected(ctx: click.Context) -> list[str]:
    """The words a group left for its subcommand (click 8.2 made the attribute private)."""
    return ctx._protected_args if hasattr(ctx, "_protected_args") else ctx.protected_args


def parse(text: str, *, whole: bool = True, group: click.Group = main) -> list[str]:
    """Parse a command line with the real command tree, callbacks not run.

    ``whole=False`` (an inline span) accepts a line that only names a command. Returns the names
    of the commands it walked (``["bots", "score"]``); raises ``click.UsageError`` for a command,
    option, argument or choice the code does not have.
    """
    text = re.sub(r"\[(-[^\]]*)\]", r"\1", text)  # [--port N]: an optional part, typed here
    words = shlex.split(text)
    words = words[3:] if words[0].endswith(("python", "python3")) else words[1:]
    words = [PLACEHOLDERS.get(w, w) for w in words]
    if words and words[-1] == ELLIPSIS:  # `follower-kit pull ...`: the rest left out
        words, whole = words[:-1], False
    words = ["x" if w == ELLIPSIS else w for w in words]  # `evaluate ... --compare`: one value
    walked: list[str] = []
    if not words and not whole:
        return walked
    with _paths_need_not_exist(group):
        try:
            ctx, cmd = group.make_context("follower-kit", words), group
            while isinstance(cmd, click.Group):
                rest = [*_protected(ctx), *ctx.args]
                if not rest:
                    if whole and not cmd.invoke_without_command:
                        raise click.UsageError("no command given", ctx)
                    break
                name, cmd, rest = cmd.resolve_command(ctx, rest)
                walked.append(name)
                if not rest and not whole:  # `follower-kit bots train` names the command
                    break
                ctx = cmd.make_context(name, rest, parent=ctx)
        except click.exceptions.Exit as exit_:  # --help, --version
            if exit_.exit_code:
                raise
    return walked


def test_docs_have_command_lines():
    """The extraction finds the lines (an empty list would pass every check below)."""
    assert len(ALL_COMMANDS) > 50
    assert len({c.path for c in ALL_COMMANDS}) >= 8
    assert any(c.path.parent.name == "examples" for c in ALL_COMMANDS)


def test_toml_blocks_are_clients_files(tmp_path):
    """A ```toml block in the docs shows a clients file: the batch reads it."""
    from follower_kit import report

    found = [b for path in DOCS for b in blocks(path) if b.lang == "toml"]
    assert found
    for n, block in enumerate(found):
        path = tmp_path / f"clients-{n}.toml"
        path.write_text("\n".join(block.lines) + "\n", encoding="utf-8")
        try:
            assert report.read_clients(path), f"{_where(block)}: no client"
        except Exception as exc:  # whatever it is, named with the doc line
            pytest.fail(f"{_where(block)}: not a clients file: {exc}")


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=str)
def test_command_line_parses(command):
    try:
        parse(command.text, whole=command.whole)
    except click.UsageError as exc:
        pytest.fail(f"{command} does not parse: {exc.format_message()}")


def test_a_made_up_option_in_a_doc_fails(tmp_path):
    """The check can fail: a doc line with an option the code lacks, a missing argument, a
    choice it does not offer or a command it does not have is reported with file and line."""
    doc = tmp_path / "fake.md"
    doc.write_text("# Fake\n\n```bash\n"
                   ".venv/bin/follower-kit bots score brightwave --rules   # fine\n"
                   "follower-kit bots score brightwave --made-up   # no such option\n"
                   "follower-kit pull followers \\\n    brightwave --no-such-thing\n"
                   "```\n\nIn prose, `python -m follower_kit growth --monthly` lacks ACCOUNT, and\n"
                   "`follower-kit report brightwave --paper\nlegal` offers a choice there is "
                   "not; `follower-kit bots grade` names no command.\n", encoding="utf-8")
    found = commands(doc)
    assert [(c.line, c.whole) for c in found] == [(4, True), (5, True), (6, True), (10, False),
                                                 (11, False), (12, False)]
    assert parse(found[0].text) == ["bots", "score"]
    errors = {}
    for command in found[1:]:
        with pytest.raises(click.UsageError) as exc:
            parse(command.text, whole=command.whole)
        errors[command.line, command.text.split()[-1]] = type(exc.value).__name__
    assert errors == {(5, "--made-up"): "NoSuchOption", (6, "--no-such-thing"): "NoSuchOption",
                      (10, "--monthly"): "MissingParameter", (11, "legal"): "BadParameter",
                      (12, "grade"): "NoSuchCommand"}
    assert str(found[1]).endswith("fake.md:5: `follower-kit bots score brightwave --made-up`")


def test_every_help_example_parses():
    """The example lines of every command's --help (users copy those too) parse."""
    def examples(cmd, path):
        for line in (cmd.help or "").splitlines():
            if line.strip().startswith("follower-kit"):
                yield f"{' '.join(path) or 'follower-kit'} --help: {line.strip()}"
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from examples(sub, [*path, name])

    found, wrong = list(examples(main, [])), []
    for example in found:
        where, line = example.split(": ", 1)
        try:
            parse(_uncomment(line))
        except click.UsageError as exc:
            wrong.append(f"{example}: {exc.format_message()}")
    assert len(found) > 30 and not wrong, "\n".join(wrong)


# Inline `--option` spans that are not follower-kit's: the benchmarks runner's and Chromium's.
NOT_OURS = {"--quick", "--no-docs", "--no-sandbox", "--disable-gpu"}


def _all_options(cmd: click.Command) -> set[str]:
    names = {opt for param in cmd.params for opt in [*param.opts, *param.secondary_opts]}
    for sub in getattr(cmd, "commands", {}).values():
        names |= _all_options(sub)
    return names


def test_every_option_named_in_prose_exists():
    """`--top-n` or `--prices FILE` in a sentence names an option some command has."""
    options, wrong = _all_options(main) | {"--help", "-h"}, []
    for path in DOCS:
        for n, text in prose(path):
            for span in re.finditer(r"`(--[a-z][\w-]*)[^`]*`", text):
                words = [w for w in span.group().strip("`").split() if w.startswith("--")]
                wrong += [f"{path.relative_to(ROOT)}:{n}: {w}" for w in words
                          if w not in options and w not in NOT_OURS]
    assert not wrong, "options the command line does not have:\n" + "\n".join(wrong)


# --- Python snippets -------------------------------------------------------------------------

CONTINUES = re.compile(r"<!--\s*docs-test:\s*continues\s*-->")
SHARED = re.compile(r"\.\./shared/data/([\w./-]+)")


def python_blocks(paths=DOCS) -> list[tuple[Block, ...]]:
    """The ```python blocks of the docs, each with the blocks it continues (marked
    ``<!-- docs-test: continues -->``: it runs after the block before it, in its namespace)."""
    found = []
    for path in paths:
        chain: tuple[Block, ...] = ()
        text = path.read_text(encoding="utf-8").splitlines()
        for block in blocks(path):
            if block.lang != "python":
                continue
            before = next((text[j] for j in range(block.line - 3, -1, -1) if text[j].strip()), "")
            chain = (*chain, block) if CONTINUES.search(before) and chain else (block,)
            found.append(chain)
    return found


PY_BLOCKS = python_blocks()


def _where(block: Block) -> str:
    return f"{block.path.relative_to(ROOT)}:{block.line}"


@pytest.fixture
def docs_folder(tmp_path, sample_store, monkeypatch):
    """A folder a user could run the docs' snippets in: the sample store copied to
    ``data/store`` ($FOLLOWER_KIT_STORE points there too), and ``../shared/data`` beside it when
    the real data is there. The report notebook is swapped for a two-cell one: the snippets'
    calls are checked down to the rendered files (options, month, store, paths), while the
    report's own cells are tests/test_report.py's (a real render takes 20 s)."""
    import nbformat

    from follower_kit.report import rendering
    from conftest import SHARED_DATA

    clone = tmp_path / "clone"
    shutil.copytree(sample_store.path, clone / "data" / "store")
    if SHARED_DATA.exists():
        (tmp_path / "shared").mkdir()
        (tmp_path / "shared" / "data").symlink_to(SHARED_DATA, target_is_directory=True)
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("account = month = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print(f'@{account} {month}')")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, tmp_path / "report.ipynb")
    monkeypatch.setattr(rendering, "report_notebook", lambda: tmp_path / "report.ipynb")
    monkeypatch.setenv("FOLLOWER_KIT_STORE", str(clone / "data" / "store"))
    monkeypatch.chdir(clone)
    return clone


@pytest.mark.parametrize("chain", PY_BLOCKS, ids=lambda chain: _where(chain[-1]))
def test_python_snippet_runs(chain, docs_folder):
    from conftest import shared_path

    block = chain[-1]
    if block.skip:
        pytest.skip(f"{_where(block)}: {block.skip}")
    for needed in sorted({m for b in chain for m in SHARED.findall("\n".join(b.lines))}):
        shared_path(*Path(needed).parts)
    namespace: dict = {"__name__": "__docs__"}
    for part in chain:
        # blank lines first, so a failure's traceback names the doc's own file and line
        source = "\n" * (part.line - 1) + "\n".join(part.lines)
        exec(compile(source, str(part.path.relative_to(ROOT)), "exec"), namespace)


def test_architecture_names_every_module():
    """docs/architecture.md's tree names every module (it lacked analysis/crossnet.py,
    sources/texts.py and sources/sample_text.py). cli/ and plots/ say "one module per area";
    a package such as analysis/bots/ is named by its folder."""
    tree = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "follower_kit"
    missing = []
    for module in sorted(package.rglob("*.py")):
        parts = module.relative_to(package).parts
        if parts[0] in ("cli", "plots") or module.name.startswith("_"):
            continue
        name = f"{parts[1]}/" if len(parts) > 2 else module.name  # analysis/bots/ by its folder
        if not re.search(rf"(?<![\w/.]){re.escape(name)}", tree):
            missing.append("/".join(parts))
    assert not missing, "docs/architecture.md does not name: " + ", ".join(missing)


def test_snippet_marks(tmp_path):
    """A skip mark carries its reason; a continuing block runs after the one before it."""
    doc = tmp_path / "fake.md"
    doc.write_text("```python\nx = 1\n```\n\n<!-- docs-test: continues -->\n```python\n"
                   "print(x)\n```\n\n<!-- docs-test: skip (needs X API credentials) -->\n\n"
                   "```python\nfk.pull()\n```\n", encoding="utf-8")
    chains = python_blocks([doc])
    assert [[b.line for b in chain] for chain in chains] == [[2], [2, 7], [13]], chains
    assert [chain[-1].skip for chain in chains] == [None, None, "needs X API credentials"]


def test_make_targets_and_environment_variables_exist():
    """`make lab` names a Makefile target; `FOLLOWER_KIT_CHROMIUM` a variable the code reads."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, re.M))
    code = "\n".join(p.read_text(encoding="utf-8") for folder in ("follower_kit", "tests",
                                                                   "benchmarks")
                     for p in (ROOT / folder).rglob("*.py") if p.name != "test_docs.py")
    wrong, seen = [], 0
    for path in DOCS:
        shell = [line for b in blocks(path) if b.lang in SHELL for line in b.lines]
        inline = re.findall(r"`([^`\n]+)`", "\n".join(text for _, text in prose(path)))
        for text in [*shell, *inline]:
            for target in re.findall(r"^make ([\w-]+)", text.strip()):
                seen += 1
                if target not in targets:
                    wrong.append(f"{path.relative_to(ROOT)}: make {target}")
        for name in set(re.findall(r"\bFOLLOWER_KIT_[A-Z0-9_]+", path.read_text("utf-8"))):
            seen += 1
            if name not in code:
                wrong.append(f"{path.relative_to(ROOT)}: ${name}")
    assert seen > 10 and not wrong, "\n".join(wrong)
