"""The kiosk's translation catalogues: ``.ts`` sources here, ``.qm`` compiled at build.

``python -m kiosk.ui.translations build`` compiles every ``.ts`` with Qt's ``lrelease``
(shipped with PySide6) into a ``.qm`` beside it; ``update`` re-extracts the source
strings from ``kiosk/ui/texts.py`` with ``lupdate``, keeping existing translations.
The ``.qm`` files are build output and are not committed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from kiosk.ui.texts import CATALOGUE_FILES

HERE = Path(__file__).resolve().parent
SOURCES = (HERE.parent / "texts.py",)


class TranslationToolError(RuntimeError):
    """Qt's lupdate/lrelease is missing or failed."""


def tool(name: str) -> str:
    """Path of a PySide6 Qt tool (``lrelease``, ``lupdate``), next to this Python first."""
    for candidate in (Path(sys.executable).parent / f"pyside6-{name}",):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(f"pyside6-{name}")
    if found is None:
        import PySide6

        bundled = Path(PySide6.__file__).parent / name
        if bundled.exists():
            return str(bundled)
        raise TranslationToolError(f"pyside6-{name} not found: install PySide6-Essentials")
    return found


def ts_path(lang: str) -> Path:
    return HERE / f"{CATALOGUE_FILES[lang]}.ts"


def qm_path(lang: str, folder: Path | None = None) -> Path:
    return (folder or HERE) / f"{CATALOGUE_FILES[lang]}.qm"


def build(out_dir: Path | None = None) -> list[Path]:
    """Compile every catalogue; return the ``.qm`` paths."""
    out: list[Path] = []
    lrelease = tool("lrelease")
    for lang in CATALOGUE_FILES:
        target = qm_path(lang, out_dir)
        proc = subprocess.run([lrelease, "-silent", str(ts_path(lang)), "-qm", str(target)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not target.exists():
            raise TranslationToolError(f"lrelease failed for {lang}: {proc.stderr.strip()}")
        out.append(target)
    return out


def update(ts_files: list[Path] | None = None) -> None:
    """Re-extract the source strings into the given (default: all) ``.ts`` files."""
    files = ts_files or [ts_path(lang) for lang in CATALOGUE_FILES]
    lupdate = tool("lupdate")
    for ts in files:
        proc = subprocess.run([lupdate, "-silent", "-no-obsolete", "-locations", "none",
                               *map(str, SOURCES), "-ts", str(ts)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise TranslationToolError(f"lupdate failed for {ts.name}: {proc.stderr.strip()}")


def ensure_built() -> None:
    """Build the ``.qm`` files when missing or older than their sources (a fresh checkout
    run without ``make``)."""
    for lang in CATALOGUE_FILES:
        qm, ts = qm_path(lang), ts_path(lang)
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            build()
            return


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["build"]:
        for path in build():
            print(path.relative_to(HERE.parent.parent.parent))
        return 0
    if args == ["update"]:
        update()
        return 0
    print("usage: python -m kiosk.ui.translations build|update", file=sys.stderr)
    return 2
