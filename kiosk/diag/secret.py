"""The technician's TOTP secret: one per terminal, in a file only its owner can read.

On a terminal the secret is ``/etc/kiosk/diag-totp.secret``, root-owned, mode 0400;
systemd hands it to the kiosk user as a credential (``LoadCredential=diag-totp``), again
mode 0400. Anyone who can read the file can mint codes, so a file that its group or others
could read is refused, as ``ssh`` refuses a private key readable by others.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path

import pyotp

#: Where systemd puts the credential inside kiosk.service, and the file it comes from.
CREDENTIAL_NAME = "diag-totp"
DEFAULT_SECRET_FILE = Path("/etc/kiosk/diag-totp.secret")


class SecretFileError(Exception):
    """The secret file is missing, unsafe or malformed; diagnostic mode stays closed."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def default_secret_path() -> Path:
    """The credential inside the unit, else the root-only file (``kiosk diag`` as root)."""
    creds = os.environ.get("CREDENTIALS_DIRECTORY")
    if creds and (Path(creds) / CREDENTIAL_NAME).exists():
        return Path(creds) / CREDENTIAL_NAME
    return DEFAULT_SECRET_FILE


def load_secret(path: Path) -> str:
    """The base32 secret, after checking that only its owner (root or us) can read it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        raise SecretFileError("secret_missing") from exc
    except OSError as exc:
        raise SecretFileError("secret_unreadable") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SecretFileError("secret_not_a_file")
        if info.st_mode & 0o077:
            raise SecretFileError("secret_readable_by_others")
        if info.st_uid not in (0, os.geteuid()):
            raise SecretFileError("secret_wrong_owner")
        raw = os.read(fd, 4096)
    finally:
        os.close(fd)
    secret = raw.decode("ascii", "replace").strip().replace(" ", "").upper()
    try:
        if len(base64.b32decode(secret + "=" * (-len(secret) % 8))) < 16:
            raise SecretFileError("secret_too_short")
    except binascii.Error as exc:
        raise SecretFileError("secret_malformed") from exc
    return secret


def provision(path: Path) -> str:
    """Create a fresh secret file (0400, never overwriting one) and return the secret,
    to be enrolled in the technicians' authenticator for this terminal only."""
    secret = pyotp.random_base32(length=32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o400)
    try:
        os.write(fd, (secret + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, 0o400)
    return secret
