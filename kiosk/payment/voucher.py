"""Refund vouchers: what the customer gets when the device cannot pay out.

A voucher is an opaque id and an amount, recorded in the money ledger under the payment
transaction before it is shown or printed, so staff can pay it from the ledger alone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class Voucher:
    id: str
    amount: int


def new_voucher_id() -> str:
    """Random, short enough to read out to staff, and carrying nothing about anyone."""
    return "V" + secrets.token_hex(6).upper()


def new_txn_id() -> str:
    """A fresh opaque payment transaction id."""
    return "P" + secrets.token_hex(8).upper()
