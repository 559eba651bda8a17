"""The picture of the layers in docs/architecture.md, drawn from the code's own imports.

``python scripts/layers.py`` prints a Mermaid flowchart: one box per package or area, an
arrow for every area that imports another (at module level or inside a function), the
production wheel and the development package apart. A test compares it with the
committed picture, so the picture cannot fall behind the code.
"""

from __future__ import annotations

import sys

import grimp

#: The boxes: a module belongs to the first prefix it starts with.
AREAS: tuple[tuple[str, str], ...] = (
    ("kiosk.ui", "kiosk.ui"),
    ("kiosk.diag", "kiosk.diag"),
    ("kiosk.process", "kiosk.process"),
    ("kiosk.composition", "kiosk.composition"),
    ("kiosk.session", "kiosk.session"),
    ("kiosk.card", "kiosk.card"),
    ("kiosk.payment", "kiosk.payment"),
    ("kiosk.printing", "kiosk.printing"),
    ("kiosk.relay_client", "kiosk.relay_client"),
    ("kiosk.speech", "kiosk.speech"),
    ("kiosk", "kiosk (config, cli, plugins, jsonl, notify)"),
    ("relay", "relay"),
    ("protocol", "protocol"),
    ("hardware_mocks.ui", "hardware_mocks.ui"),
    ("hardware_mocks", "hardware_mocks"),
)
PRODUCTION = ("kiosk", "relay", "protocol")


def area(module: str) -> str | None:
    for prefix, name in AREAS:
        if module == prefix or module.startswith(prefix + "."):
            return name
    return None


def edges() -> list[tuple[str, str]]:
    graph = grimp.build_graph("kiosk", "relay", "protocol", "hardware_mocks", cache_dir=None)
    found: set[tuple[str, str]] = set()
    for importer in graph.modules:
        source = area(importer)
        if source is None:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = area(imported)
            if target is not None and target != source:
                found.add((source, target))
    return sorted(found)


def _node(name: str) -> str:
    return name.split(" ")[0].replace(".", "_")


def mermaid() -> str:
    lines = ["flowchart TD"]
    names = [name for _, name in AREAS]
    for title, packages in (("production wheel", PRODUCTION), ("development package", ("hardware_mocks",))):
        lines.append(f'  subgraph {_node(title.replace(" ", "_"))}["{title}"]')
        for name in names:
            if name.split(".")[0].split(" ")[0] in packages:
                lines.append(f'    {_node(name)}["{name}"]')
        lines.append("  end")
    for source, target in edges():
        lines.append(f"  {_node(source)} --> {_node(target)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(mermaid())
