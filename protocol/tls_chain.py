"""A kiosk's handshake with the centre: each side sends its own certificate, not the
operator's root with it.

Given no chain with its certificate, OpenSSL builds one at every handshake from the trust
store it verifies the peer with: it runs a verification of its own certificate, then sends
the chain it found, trust anchor included. The kiosk's and the kiosk listener's
certificates are issued by the operator CA, which each peer already trusts; TLS 1.3 lets
a sender omit a certificate that specifies a trust anchor (RFC 8446, section 4.4.2). The
root there cost both sides: the sender's verification of itself and the peer's decoding
and handling of one more certificate, 0.35–0.40 ms on each side of a 1.2 ms handshake on
OpenSSL 3.0 (docs/benchmarks.md), with a new handshake for every customer session.

Python's ``ssl`` has no switch for OpenSSL's ``SSL_MODE_NO_AUTO_CHAIN``, so
:func:`send_own_certificate_only` sets it on the ``SSL_CTX`` under an ``SSLContext``
through ``ctypes``. It does so only where it can make sure it holds that very ``SSL_CTX``:
CPython (whose ``SSLContext`` object starts with the pointer), an OpenSSL of this
process's version, and an ``SSL_CTX`` whose verification mode and minimum version read as
the ``SSLContext``'s own. Anywhere else it changes nothing and returns False: the
handshake is then as before, correct and dearer, and a warning says so once a process
(``tls.root_sent``).

With the mode set, a certificate file must carry the intermediates between its certificate
and the root, after it (``load_cert_chain`` sends those as they are); none is looked up in
the trust store any more.
"""

from __future__ import annotations

import _ssl
import ctypes
import functools
import logging
import ssl
import sys

from protocol import log

LOG = logging.getLogger("protocol.tls")

_SSL_CTRL_MODE = 33
_SSL_CTRL_GET_MIN_PROTO_VERSION = 130
_SSL_MODE_NO_AUTO_CHAIN = 0x8
#: ``SSLContext.verify_mode`` as OpenSSL's ``SSL_VERIFY_*`` bits (``CERT_REQUIRED``:
#: ``SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT``).
_VERIFY_BITS: dict[int, int] = {ssl.CERT_NONE: 0, ssl.CERT_OPTIONAL: 1, ssl.CERT_REQUIRED: 3}
#: OpenSSL's numbers of the protocol versions ``SSLContext.minimum_version`` names.
_VERSIONS: dict[int, int] = {ssl.TLSVersion.TLSv1_2: 0x0303, ssl.TLSVersion.TLSv1_3: 0x0304}


@functools.cache
def _libssl() -> ctypes.CDLL | None:
    """The OpenSSL this process's ``ssl`` module runs on, reached through ``_ssl`` itself
    (its symbols and its libraries', so never a second copy of OpenSSL), or None where it
    cannot be told. Looked up once a process: a kiosk makes a context for every customer
    session."""
    if sys.implementation.name != "cpython" or not sys.platform.startswith("linux") \
            or ssl.OPENSSL_VERSION_INFO[0] != 3:
        return None
    try:
        lib = ctypes.CDLL(_ssl.__file__)
        version = lib.OpenSSL_version_num
        ctrl, verify_mode = lib.SSL_CTX_ctrl, lib.SSL_CTX_get_verify_mode
    except (OSError, AttributeError):  # no such file (a static build), or no such symbol
        return None
    version.restype = ctypes.c_ulong
    if version() != ssl.OPENSSL_VERSION_NUMBER:
        return None
    ctrl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    ctrl.restype = ctypes.c_long
    verify_mode.argtypes = [ctypes.c_void_p]
    verify_mode.restype = ctypes.c_int
    return lib


def _ssl_ctx(ctx: object, lib: ctypes.CDLL) -> int | None:
    """The ``SSL_CTX`` pointer under ``ctx`` if it is an ``SSLContext`` (a wrapper or a test's
    stand-in is not read at all) and the pointer reads as its own settings."""
    if not isinstance(ctx, _ssl._SSLContext):  # only these start with the pointer
        return None
    verify, minimum = _VERIFY_BITS.get(ctx.verify_mode), _VERSIONS.get(ctx.minimum_version)
    if verify is None or minimum is None:
        return None
    pointer: int | None = ctypes.c_void_p.from_address(id(ctx) + object.__basicsize__).value
    if not pointer or lib.SSL_CTX_get_verify_mode(pointer) != verify \
            or lib.SSL_CTX_ctrl(pointer, _SSL_CTRL_GET_MIN_PROTO_VERSION, 0, None) != minimum:
        return None
    return pointer


def send_own_certificate_only(ctx: ssl.SSLContext) -> bool:
    """Make ``ctx`` send the certificate chain loaded with ``load_cert_chain`` as it is
    (no root looked up, no verification of its own certificate at each handshake); whether
    it could. Call it with ``ctx`` configured: its verification mode and a minimum version
    of TLS 1.2 or 1.3 set are how its ``SSL_CTX`` is recognised."""
    lib = _libssl()
    pointer = None if lib is None else _ssl_ctx(ctx, lib)
    if lib is None or pointer is None:
        _warn_once()
        return False
    mode = lib.SSL_CTX_ctrl(pointer, _SSL_CTRL_MODE, _SSL_MODE_NO_AUTO_CHAIN, None)
    return bool(mode & _SSL_MODE_NO_AUTO_CHAIN)


@functools.cache
def _warn_once() -> None:
    log.event(LOG, "tls.root_sent", logging.WARNING)
