"""Vouchers and transaction ids are opaque and fit the ledger."""

from kiosk.payment.ledger import check_id
from kiosk.payment.voucher import new_txn_id, new_voucher_id


def test_ids_are_opaque_unique_and_ledger_safe() -> None:
    ids = {new_voucher_id() for _ in range(200)} | {new_txn_id() for _ in range(200)}
    assert len(ids) == 400
    assert all(check_id(i) == i for i in ids)
