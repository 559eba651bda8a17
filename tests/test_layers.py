"""The layer picture in docs/architecture.md is the one the code's imports draw."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_layer_picture_is_current() -> None:
    spec = importlib.util.spec_from_file_location("layers", ROOT / "scripts" / "layers.py")
    assert spec is not None and spec.loader is not None
    layers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layers)
    picture = layers.mermaid()
    assert "relay --> protocol" in picture  # drawn from real imports, not empty
    assert "relay --> kiosk" not in picture and "protocol --> " not in picture
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "```mermaid\n" + picture + "```" in text, "run: python scripts/layers.py (docs/architecture.md)"
