"""`python -m simulator`: a simulated Twente onto the platform's inbound topics.

uv run python -m simulator --seed 42 --cases 1000 --period-days 365 --speed max
"""

import argparse
import asyncio
import os
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jeugdketen_shared.load_progress import LoadState, write_progress
from jeugdketen_shared.settings import KafkaClientSettings
from simulator.model import Scenario
from simulator.plan import Outcome, PlannedMessage
from simulator.publisher import Progress as Sent
from simulator.rates import Rates
from simulator.runner import simulate

PROGRESS_SECONDS = 2.0
"""How often the progress file is written (well within its STALE_AFTER)."""


def speed(text: str) -> float | None:
    """`realtime` (1), `max` (as fast as the platform allows), or a speed-up factor."""
    if text == "max":
        return None
    if text == "realtime":
        return 1.0
    factor = float(text)
    if factor <= 0:
        raise argparse.ArgumentTypeError("the speed-up factor must be positive")
    return factor


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="simulator", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--period-days", type=float, default=365)
    parser.add_argument("--speed", type=speed, default=None, help="realtime, max or a factor")
    parser.add_argument(
        "--end",
        type=datetime.fromisoformat,
        default=None,
        help="end of the simulated period (ISO, with offset; default now): repeats a run",
    )
    parser.add_argument(
        "--bad-share",
        type=float,
        default=Rates().bad_message_share,
        help="share of cases that add one deliberately bad message",
    )
    parser.add_argument("--prefix", default=os.environ.get("JEUGDKETEN_TOPIC_PREFIX", "jeugdketen"))
    parser.add_argument(
        "--bootstrap-servers",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
    )
    parser.add_argument("--record", type=Path, default=Path("simulation.jsonl"))
    parser.add_argument(
        "--progress-file",
        type=Path,
        default=None,
        help="where to write how far the run has come, for a dashboard to show "
        "(jeugdketen_shared.load_progress)",
    )
    return parser.parse_args()


async def simulate_reporting(
    run: Coroutine[object, object, list[PlannedMessage]],
    latest: Callable[[], Sent],
    progress_file: Path | None,
) -> list[PlannedMessage]:
    """Run the simulation, writing its progress to `progress_file` (if any) every
    PROGRESS_SECONDS, and at its end whether it finished or stopped."""
    if progress_file is None:
        return await run

    def write(state: LoadState) -> None:
        sent = latest()
        write_progress(progress_file, state, sent.published, sent.total, datetime.now(UTC))

    task = asyncio.ensure_future(run)
    try:
        while not task.done():
            write(LoadState.RUNNING)
            await asyncio.wait([task], timeout=PROGRESS_SECONDS)
        plan = task.result()
    except BaseException:
        task.cancel()
        write(LoadState.STOPPED)
        raise
    write(LoadState.FINISHED)
    return plan


def main() -> None:
    args = arguments()
    end = args.end or datetime.now(UTC)
    if end.tzinfo is None or end > datetime.now(UTC):
        raise SystemExit(
            "--end must carry an offset and lie in the past: nothing may be dated later"
        )
    scenario = Scenario(
        seed=args.seed,
        cases=args.cases,
        period=timedelta(days=args.period_days),
        end=end,
        rates=Rates(bad_message_share=args.bad_share),
    )
    console = Console()
    with Progress(
        TextColumn("[bold]simulated Twente"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("published · {task.fields[held]} held back"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("publishing", total=None, held=0)
        latest = Sent(total=0)

        def show(sent: Sent) -> None:
            nonlocal latest
            latest = sent
            bar.update(task, total=sent.total, completed=sent.published, held=sent.held)

        plan = asyncio.run(
            simulate_reporting(
                simulate(
                    scenario,
                    bootstrap_servers=args.bootstrap_servers,
                    # logs in as KAFKA_SASL_USERNAME when KAFKA_SECURITY_PROTOCOL says so
                    security=KafkaClientSettings().kafka_security(),
                    prefix=args.prefix,
                    journal_path=args.record,
                    speed=args.speed,
                    on_progress=show,
                ),
                lambda: latest,
                args.progress_file,
            )
        )
    console.print(summary(plan))
    console.print(f"record of what was sent: {args.record}")


def summary(plan: Sequence[PlannedMessage]) -> Table:
    table = Table(title="messages sent")
    table.add_column("type")
    table.add_column("sent", justify="right")
    table.add_column("intended rejections", justify="right")
    table.add_column("duplicates", justify="right")
    sent = Counter(m.type for m in plan)
    refused = Counter(m.type for m in plan if m.intended.outcome is Outcome.REJECTED)
    repeated = Counter(m.type for m in plan if m.intended.outcome is Outcome.DUPLICATE)
    for type_, count in sorted(sent.items()):
        table.add_row(type_, str(count), str(refused[type_]), str(repeated[type_]))
    reasons = Counter(m.intended.reason for m in plan if m.intended.reason)
    table.caption = "intended rejections: " + ", ".join(
        f"{r} {n}" for r, n in sorted(reasons.items())
    )
    return table
