"""The reference data (`cimer_common/data/*.csv`: provinces, districts, ministries) are verbatim copies of the
workspace's shared data, `../shared/data/` beside the repository; the directory is seeded from them (SPEC section 3).
`data/SOURCES.sha256` records the sums of the upstream files that were copied.

- The copies are always checked against the manifest, on any clone: a copy edited by hand, or a new copy whose sum
  was not recorded, fails here.
- The upstream files are checked against the manifest when they are there (`../shared/data`, or the directory in
  `CIMER_SHARED_DATA`), so that a change upstream fails here until it is copied. A clean clone without them (CI)
  skips that test, saying so, and still runs the first.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).resolve().parents[1] / "cimer_common" / "data"
MANIFEST = DATA / "SOURCES.sha256"
LINE = re.compile(r"(?P<sha>[0-9a-f]{64}) [ *](?P<name>[^/\\]+\.csv)")

HOW_TO_UPDATE = (
    "copy the upstream files over the copies (cp {upstream}/*.csv libs/common/cimer_common/data/), put their sums in "
    "libs/common/cimer_common/data/SOURCES.sha256 (cd libs/common/cimer_common/data && sha256sum *.csv, keeping the "
    "comment lines), and run the tests of routing and intake, which read these files"
)


def manifest() -> dict[str, str]:
    """File name → sha256, as the manifest records them; anything but comments, blank lines and `sha256sum` lines is
    an error, so a mangled manifest cannot pass by recording nothing."""
    recorded: dict[str, str] = {}
    for number, line in enumerate(MANIFEST.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        found = LINE.fullmatch(line)
        assert found, f"SOURCES.sha256, line {number}: not `<sha256>  <file>.csv`: {line!r}"
        assert found["name"] not in recorded, f"SOURCES.sha256 names {found['name']} twice"
        recorded[found["name"]] = found["sha"]
    assert recorded, "SOURCES.sha256 records no file"
    return recorded


def sums(directory: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.glob("*.csv"))}


def differences(recorded: dict[str, str], found: dict[str, str]) -> list[str]:
    return [
        f"{name}: {'missing' if name not in found else 'not in the manifest' if name not in recorded else 'differs'}"
        for name in sorted(recorded.keys() | found.keys())
        if recorded.get(name) != found.get(name)
    ]


def upstream() -> Path | None:
    """The upstream directory: `CIMER_SHARED_DATA` when set (then it must exist), else `../shared/data` beside the
    repository when it is there, else None."""
    configured = os.environ.get("CIMER_SHARED_DATA")
    if configured:
        path = Path(configured)
        assert path.is_dir(), f"CIMER_SHARED_DATA={configured} is not a directory"
        return path
    beside = ROOT.parent / "shared" / "data"
    return beside if beside.is_dir() else None


def test_the_copies_are_those_the_manifest_records():
    recorded = manifest()
    assert {"tr-provinces.csv", "tr-districts.csv", "tr-ministries.csv"} <= recorded.keys()
    wrong = differences(recorded, sums(DATA))
    assert not wrong, (
        f"cimer_common/data does not match SOURCES.sha256 ({'; '.join(wrong)}). The copies are never edited by hand: "
        f"restore a copy from upstream, or, after copying new upstream files, "
        + HOW_TO_UPDATE.format(upstream="../shared/data")
    )


def test_upstream_has_not_changed_since_it_was_copied():
    source = upstream()
    if source is None:
        pytest.skip("no upstream reference data here (../shared/data, or set CIMER_SHARED_DATA): copies checked only")
    wrong = differences(manifest(), sums(source))
    assert not wrong, (
        f"the reference data in {source} changed since it was copied ({'; '.join(wrong)}): "
        + HOW_TO_UPDATE.format(upstream=source)
    )


def test_a_drift_is_named_file_by_file():
    recorded = {"a.csv": "0" * 64, "b.csv": "1" * 64, "c.csv": "2" * 64}
    found = {"a.csv": "0" * 64, "b.csv": "f" * 64, "d.csv": "3" * 64}
    assert differences(recorded, found) == ["b.csv: differs", "c.csv: missing", "d.csv: not in the manifest"]


def test_the_upstream_directory_is_found_where_the_environment_says(monkeypatch, tmp_path):
    monkeypatch.setenv("CIMER_SHARED_DATA", str(tmp_path))
    assert upstream() == tmp_path
    monkeypatch.setenv("CIMER_SHARED_DATA", str(tmp_path / "missing"))
    with pytest.raises(AssertionError, match="not a directory"):
        upstream()


def test_beside_the_repository_or_nowhere(monkeypatch, tmp_path):
    monkeypatch.delenv("CIMER_SHARED_DATA", raising=False)
    monkeypatch.setitem(globals(), "ROOT", tmp_path / "main")
    assert upstream() is None  # a clean clone: only the copies are checked
    (tmp_path / "shared" / "data").mkdir(parents=True)
    assert upstream() == tmp_path / "shared" / "data"
