"""`python -m toegang erase-youth`: crypto-shred youths, one BSN per line on standard input.

Each youth's data key is destroyed in the key vault (and with it every row that hangs on it, the
birthday schedule's included); the key relay then publishes a tombstone on the keys topic. What
was sealed under the key is unreadable from then on, wherever a copy of it lies, and the
pseudonym in the events can no longer be linked to the BSN. The BSNs come on standard input,
never as arguments, which any user of the machine can read in the process list; the outcome of
each line is printed without its BSN.
"""

from collections.abc import Iterable
from typing import TextIO

from jeugdketen_shared.key_vault import KeyVault
from jeugdketen_shared.privacy import is_valid_bsn

ERASED = "erased"
NO_SUCH_YOUTH = "no such youth"
NOT_A_BSN = "not a valid BSN"


def erase_youths(vault: KeyVault, lines: Iterable[str], out: TextIO) -> None:
    """Erase the youth of each line's BSN; print `<line number>: <outcome>` per line."""
    for number, line in enumerate(lines, start=1):
        bsn = line.strip()
        if not bsn:
            continue
        if not is_valid_bsn(bsn):
            outcome = NOT_A_BSN
        else:
            outcome = ERASED if vault.erase(bsn) is not None else NO_SUCH_YOUTH
        print(f"{number}: {outcome}", file=out, flush=True)
