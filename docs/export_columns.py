"""The columns and numbers of every figure's export, generated from the answers' models and
committed as docs/export-columns.md (docs/exports.md explains them).

    uv run python docs/export_columns.py       # write docs/export-columns.md

tests/test_docs.py fails when the committed page is stale.
"""

from pathlib import Path

from ketenmonitor.figures.gauges import metric_name
from ketenmonitor.figures.registry import FIGURES
from ketenmonitor.figures.tabular import FIELD, SUPPRESSED, VALUE, layout_of

PAGE = Path(__file__).resolve().parent / "export-columns.md"
SHARED = (FIELD, VALUE, SUPPRESSED)
FILTERS = "filters_"
"""The filter columns every table begins with: docs/exports.md names them once."""
UNDESCRIBED = "see docs/figures.md"


def _cell(text: str) -> str:
    return (text or UNDESCRIBED).replace("|", "\\|").replace("\n", " ")


def rendered() -> str:
    lines = [
        "# The columns of every export",
        "",
        "Generated from the answers' models by `docs/export_columns.py`; do not edit. What the",
        "columns every table has mean (`filters_...`, `field`, `value`, `suppressed`), and how the",
        "rows are made: [exports.md](exports.md). What each figure counts:",
        "[figures.md](figures.md).",
    ]
    for figure in FIGURES:
        layout = layout_of(figure.answer)
        route = figure.path.removeprefix("/v1/")
        lines += [
            "",
            f"## {figure.label} (`{route}`)",
            "",
            f"Files `{route}_<period>[_<filter>].csv` and `.parquet`; "
            f"gauge `{metric_name(figure)}`.",
            "",
        ]
        own = [
            column
            for column in layout.columns
            if column not in SHARED and not column.name.startswith(FILTERS)
        ]
        if own:
            lines += ["| column | kind | meaning |", "| --- | --- | --- |"]
            lines += [f"| `{c.name}` | {c.kind.value} | {_cell(c.meaning)} |" for c in own]
        else:
            lines.append("No columns but those every table has.")
        lines += ["", "| `field` | meaning |", "| --- | --- |"]
        lines += [f"| `{path}` | {_cell(meaning)} |" for path, meaning in layout.fields]
    return "\n".join(lines) + "\n"


def write() -> None:
    PAGE.write_text(rendered(), encoding="utf-8")


if __name__ == "__main__":
    write()
