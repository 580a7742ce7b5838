"""The ketenmonitor's rooms import one way, in the order its README states: every import of a
ketenmonitor module names a room of a lower layer, or its own room. `main` (and `__main__`)
wire them all and are not checked."""

import ast
from collections.abc import Iterator
from pathlib import Path

import ketenmonitor

PACKAGE = Path(ketenmonitor.__file__).resolve().parent

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"facts", "settings", "api_names"}),
    frozenset({"projection", "figures"}),
    frozenset({"alerts", "privacy"}),
    frozenset({"web"}),
)
"""Bottom first: the shared fact model, the settings and the JSON APIs' English names; the
projection and the figures on them; the alerts and privacy above; the web on top."""

COMPOSITION_ROOT = frozenset({"__init__", "__main__", "main"})


def room_of(module: str) -> str:
    """The room of a dotted module name below `ketenmonitor`."""
    return module.split(".")[1]


def layer_of(room: str) -> int:
    [layer] = [number for number, rooms in enumerate(LAYERS) if room in rooms]
    return layer


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        yield ".".join(("ketenmonitor", *parts)), path


def imported(tree: ast.AST) -> Iterator[str]:
    """Every ketenmonitor module the tree imports, at the top or inside a function."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "ketenmonitor":  # `from ketenmonitor import alerts`
                yield from (f"ketenmonitor.{alias.name}" for alias in node.names)
            else:
                yield node.module


def test_every_module_but_the_composition_root_lies_in_a_room() -> None:
    rooms = set().union(*LAYERS)
    outside = [
        module
        for module, _ in modules()
        if module != "ketenmonitor"
        and module.split(".")[1] not in COMPOSITION_ROOT
        and room_of(module) not in rooms
    ]
    assert outside == []


def test_the_rooms_import_only_their_own_room_and_those_below() -> None:
    wrong_way = []
    for module, path in modules():
        if module == "ketenmonitor" or module.split(".")[1] in COMPOSITION_ROOT:
            continue
        room = room_of(module)
        for target in imported(ast.parse(path.read_text(encoding="utf-8"))):
            if not target.startswith("ketenmonitor."):
                continue
            other = room_of(target)
            if other in COMPOSITION_ROOT or (other != room and layer_of(other) >= layer_of(room)):
                wrong_way.append((module, other))
    assert wrong_way == []
