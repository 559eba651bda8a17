"""Cash payment: coins 10/50/100/500 and 1,000-yen notes, change, refunds, the money ledger.

Modules:

- :mod:`~kiosk.payment.port` the device port (FabLabKasse-style: ``start_accept``,
  ``poll`` typed events, two-phase ``stop``, ``dispense`` that may fall short) and the
  typed errors; ``hardware_mocks.coins.VirtualCoinDevice`` implements it.
- :mod:`~kiosk.payment.change` pure change arithmetic (bounded DP) and the decision,
  before money is taken, of the overpayment ceiling and "exact change only".
- :mod:`~kiosk.payment.ledger` the append-only, fsynced money ledger and its
  reconciliation per payment transaction.
- :mod:`~kiosk.payment.voucher` refund vouchers and opaque transaction ids.
- :mod:`~kiosk.payment.controller` what the session engine uses.
- :mod:`~kiosk.payment.cash_device` the real cash devices composed into one port: the
  ccTalk coin acceptor (:mod:`~kiosk.payment.coin_acceptor`), ccTalk hoppers
  (:mod:`~kiosk.payment.hopper`) and the ID-003 note validator
  (:mod:`~kiosk.payment.note_validator`) on pyserial, over the pure protocol modules
  :mod:`~kiosk.payment.cctalk_frame`, :mod:`~kiosk.payment.cctalk`,
  :mod:`~kiosk.payment.cctalk_payout` and :mod:`~kiosk.payment.id003`.

Decisions:

- The device refuses (inhibits) any coin or note that would take the total over
  ``due + max_change``, where every change up to ``max_change`` is payable from the coins
  in the tubes *before* the payment. Change is therefore always payable unless the
  device fails; a failed payout becomes a voucher.
- Notes are stacked at once when still needed, returned otherwise; escrow is not held
  until the print (a single escrow slot and device escrow timeouts make that fragile).
- The device's final count (``stop``) is the authority over lost events; a lower count
  than the ledger's never takes money from the customer.
- Unknown payout results (a crash between asking and recording) are measured from the
  coin levels recorded with the request.
- Ledger entries are written before the engine is told of money, before a payout and
  before a voucher is shown. The ledger is never wiped.

Usage::

    ctl = PaymentController(device, Ledger.in_state_dir(config.state_dir), clock)
    ctl.quote(due).exact_change_only     # show before taking money
    ctl.begin(txn, due, session=sid)     # txn = new_txn_id() or any opaque id
    p = ctl.pump()                       # each loop turn: p.inserted, p.remaining
    # p.complete -> print; p.fault -> cancel path
    ctl.charge_and_give_change()         # after the print completed
    ctl.refund_now()                     # every other path (or refund_all() + pump())
    ctl.settle_open(printed=txns)        # recovery, before the next customer
"""
