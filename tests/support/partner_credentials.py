"""HTTP credentials of every partner of the registry, for tests: a secret each, made for this
test run and hashed at a low scrypt cost (tests authenticate on every request)."""

import atexit
import base64
import functools
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jeugdketen_shared.partner_credentials import new_secrets, partner_credentials_toml
from jeugdketen_shared.permissions import load_partners
from tests.support.partners import PARTNERS_FILE

CHEAP = 2**4
"""scrypt's n in tests: the same code, a fraction of the cost."""


@dataclass(frozen=True)
class PartnerSecrets:
    file: Path
    """What JEUGDKETEN_PARTNER_CREDENTIALS_FILE names in the tests' services."""
    secrets: Mapping[str, str]

    def basic(self, partner_id: str, secret: str | None = None) -> dict[str, str]:
        """The Authorization header of the partner, with its own secret unless told another."""
        given = self.secrets[partner_id] if secret is None else secret
        token = base64.b64encode(f"{partner_id}:{given}".encode()).decode()
        return {"authorization": f"Basic {token}"}


@functools.cache
def partner_credentials() -> PartnerSecrets:
    """The same for the whole test run (services in subprocesses read the file too)."""
    created = new_secrets((partner.id for partner in load_partners(PARTNERS_FILE)), n=CHEAP)
    folder = Path(tempfile.mkdtemp(prefix="jeugdketen-partner-credentials-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    file = folder / "partner-credentials.toml"
    file.write_text(partner_credentials_toml({p: hashed for p, (_, hashed) in created.items()}))
    return PartnerSecrets(file, {p: secret for p, (secret, _) in created.items()})
