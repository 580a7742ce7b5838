"""The erasure command's core on the in-memory vault: each line's outcome in words, never the
BSN; an erased youth arriving again is a new youth to the platform."""

import io

from jeugdketen_shared.key_vault import InMemoryKeyVault
from jeugdketen_shared.privacy import Pseudonymizer
from toegang.erasure import erase_youths

KNOWN, UNKNOWN = "999990019", "999990020"


def test_each_line_says_what_became_of_its_youth_without_the_bsn() -> None:
    vault = InMemoryKeyVault(Pseudonymizer(b"k" * 32))
    pseudonym = vault.key_for_bsn(KNOWN).pseudonym
    out = io.StringIO()

    erase_youths(vault, io.StringIO(f"{KNOWN}\n\n{UNKNOWN}\n 123456789 \n{KNOWN}\n"), out)

    assert out.getvalue().splitlines() == [
        "1: erased",
        "3: no such youth",
        "4: not a valid BSN",
        "5: no such youth",  # erased a moment ago
    ]
    assert KNOWN not in out.getvalue()
    assert vault.key_for_pseudonym(pseudonym) is None
    again = vault.key_for_bsn(KNOWN)
    assert again.pseudonym != pseudonym
