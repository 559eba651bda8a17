"""What each verdict means, said truly for what was given, in English and Japanese.

``kiosk verify`` prints the English; the relay's verification page shows either. A
verdict never says more than was checked: without the key it says that only the QR code
and its signature were, and a VALID line says whether the faces compared were drawn
from a PDF or scanned. A paper whose signing key the verifier's federation directory does
not list (no key of its issuer, or none of those listed verifies) is said to be NOT
verified while the directory may be out of date (update it), never "forged", and never in
words a clerk could take for an acceptance. A paper signed with a withdrawn key is invalid,
with the key, the date it was withdrawn and the operator's reason.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from protocol.paper.verification.verdict import Verdict

Lang = Literal["en", "ja"]

STATUS = {
    "en": {0: "VALID", 1: "INVALID", 2: "UNREADABLE", 3: "SIGNATURE VALID, FACE NOT COMPARED",
           4: "NOT VERIFIED, ISSUER UNKNOWN"},
    "ja": {0: "有効", 1: "無効", 2: "読み取れません", 3: "署名は有効・表面は未照合",
           4: "未確認（発行者が名簿にありません）"},
}
#: Headings of verdicts the status alone would misname: the directory lists the issuer,
#: only not the key that signed.
_HEADINGS: dict[str, dict[Lang, str]] = {
    "issuer-key-unknown": {"en": "NOT VERIFIED, ISSUER KEY UNKNOWN", "ja": "未確認（発行者の鍵が名簿にありません）"},
}

_FRONTS = {
    "en": {"pdf": "each face page as this PDF draws it", "pdf-scan": "each scanned face in this PDF",
           "image": "each scanned face"},
    "ja": {"pdf": "このPDFが描く表面の各ページ", "pdf-scan": "このPDFに含まれるスキャンした表面",
           "image": "スキャンした表面"},
}
#: ... when one face was compared.
_FRONT = {
    "en": {"pdf": "the face page as this PDF draws it", "pdf-scan": "the scanned face in this PDF",
           "image": "the scanned face"},
    "ja": _FRONTS["ja"],
}
#: Said of a PDF's text, which is not what a reader sees and is not checked.
_TEXT_LAYER = {"en": "; a PDF's text layer is not checked", "ja": "。PDFのテキスト情報は照合していません"}
#: The serial printed on a face is the QR code's, but is not compared character by character.
_SERIAL = {"en": "; check that the serial printed on the paper reads {serial}",
           "ja": "。用紙に印刷された発行番号が{serial}であることを確かめてください"}

_REASONS: dict[Lang, dict[str, str]] = {
    "en": {
        "no-qr": "no certificate QR code was found: give the back side (the page with the QR code)",
        "no-frame": "the QR code verifies, but the scrambled image on the back was not found: scan the whole "
                    "back, straight, at 200 dpi or more",
        "qr-differ": "the backs carry different QR codes",
        "qr-malformed": "the QR code is not a valid certificate payload",
        "signature": "the QR code's signature does not verify: forged or altered",
        "issuer-unknown": "cannot be checked, the paper is NOT verified: this federation directory (serial "
                          "{directory_serial}, published {directory_date}) lists no issuer key of municipality "
                          "{code} valid on {issued_on}, the date the QR code gives; the directory may be older "
                          "than that municipality's admission or its new key. Check again later (a service "
                          "takes the centre's new directory within minutes) or with an updated directory; "
                          "do not accept the paper until a directory that lists its issuer verifies it",
        "issuer-unlisted": "not verified: this federation directory (serial {directory_serial}, published "
                           "{directory_date}, after {issued_on}, the date the QR code gives) lists no issuer key "
                           "of municipality {code} valid on that date. A member's key stays listed for what it "
                           "signed unless it is withdrawn (revoked), so the key was withdrawn or the paper was "
                           "not issued by a member of this federation",
        "issuer-key-unknown": "cannot be checked, the paper is NOT verified: none of the issuer keys this federation "
                              "directory (serial {directory_serial}, published {directory_date}) lists for "
                              "municipality {code} on {issued_on}, the date the QR code gives, verifies its signature; "
                              "the directory may be older than that municipality's new key (a key rotation), and a "
                              "newer directory may list the key that signed it. Check again later (a service "
                              "takes the centre's new directory within minutes) or with an updated directory; "
                              "do not accept the paper until a directory that lists its issuer's key "
                              "verifies it",
        "key-revoked": "the QR code's signature verifies only with issuer key {key_id} of municipality {code}, which "
                       "the federation withdrew (revoked) on {revoked_at}{revocation_reason}: nothing signed with "
                       "that key is valid any more, a genuine paper included; the municipality can issue the "
                       "certificate again",
        "no-key": "the QR code's issuer signature verifies; the face was not compared with the signed face "
                  "(no scramble key given): only the QR code and its signature were checked",
        "no-front": "the QR code's issuer signature verifies and the face was recovered from the back, but no "
                    "front was given to compare with it",
        "front-missing": "the fronts given match, but the front of face page {pages} was not given",
        "page-missing": "the back of page {pages} is missing: the pages given are not the whole certificate",
        "other-municipality": "the QR code is signed by the issuer, but for another municipality than this "
                              "service's",
        "scramble": "the scrambled image on the back does not come together with the key of this QR code's "
                    "serial: the back or its QR code belongs to another certificate, or was altered",
        "face-mismatch": "a front does not match the face recovered from the back: it is another document",
        "face-differs": "{fronts} differs from the face recovered from the back, in the regions below",
        "ok": "the QR code's issuer signature verifies and {fronts} matches the face recovered from its back "
              "with this document's key ({count} page(s) compared){text_layer}{serial}",
    },
    "ja": {
        "no-qr": "証明書のQRコードが見つかりません。裏面（QRコードのある面）を含めてください",
        "no-frame": "QRコードは有効ですが、裏面のスクランブル画像が見つかりません。裏面全体をまっすぐ200dpi以上で"
                    "スキャンしてください",
        "qr-differ": "裏面ごとにQRコードが異なります",
        "qr-malformed": "QRコードが証明書の形式ではありません",
        "signature": "QRコードの電子署名が検証できません（偽造または改ざん）",
        "issuer-unknown": "検証できません。この証明書は確認されていません。この参加団体名簿（第{directory_serial}版、"
                          "{directory_date}公開）には、市区町村{code}の{issued_on}（QRコードの発行日）に有効な"
                          "発行者鍵がありません。名簿がその市区町村の参加または新しい鍵より古い可能性があります。"
                          "時間をおいて（検証サービスは運営者の新しい名簿を数分で取り込みます）、または更新した名簿でもう一度"
                          "検証してください。発行者を載せた名簿で確認できるまで、"
                          "この証明書を受け付けないでください",
        "issuer-unlisted": "確認できません。この参加団体名簿（第{directory_serial}版、QRコードの発行日{issued_on}より"
                           "後の{directory_date}公開）には、市区町村{code}のその日に有効な発行者鍵がありません。"
                           "参加団体の鍵は取り消されない限り名簿に残るため、この証明書に署名した鍵は取り消されたか、"
                           "この証明書は連携の参加団体が発行したものではありません",
        "issuer-key-unknown": "検証できません。この証明書は確認されていません。この参加団体名簿（第"
                              "{directory_serial}版、{directory_date}公開）にある市区町村{code}の{issued_on}"
                              "（QRコードの発行日）に有効な発行者鍵では、QRコードの電子署名を確認できません。"
                              "名簿がその市区町村の新しい鍵（鍵の更新）より古く、新しい名簿には署名した鍵が"
                              "載っている可能性があります。時間をおいて（検証サービスは運営者の新しい名簿を数分で取り込みます）、"
                              "または更新した名簿でもう一度検証してください。発行者の鍵を"
                              "載せた名簿で確認できるまで、この証明書を受け付けないでください",
        "key-revoked": "QRコードの電子署名は市区町村{code}の発行者鍵{key_id}でのみ確認できますが、この鍵は"
                       "{revoked_at}に連携の運営者が取り消しました{revocation_reason}。この鍵で署名されたものは、"
                       "正規に発行されたものを含めて無効です。発行した市区町村で証明書を再発行できます",
        "no-key": "QRコードの発行者署名は有効です。表面は照合していません（鍵なし）。"
                  "確認したのはQRコードと署名のみです",
        "no-front": "QRコードの発行者署名は有効で、裏面から表面の画像を復元しましたが、照合する表面がありません",
        "front-missing": "表面は一致しましたが、{pages}ページ目の表面がありません",
        "page-missing": "{pages}ページ目の裏面がありません。証明書の全ページではありません",
        "other-municipality": "QRコードは発行者の署名付きですが、この検証サービスとは別の市区町村のものです",
        "scramble": "裏面のスクランブル画像がこのQRコードの発行番号の鍵で復元できません。裏面またはQRコードが"
                    "別の証明書のもの、または改ざんされています",
        "face-mismatch": "表面が裏面から復元した画像と一致しません。別の書類です",
        "face-differs": "{fronts}が裏面から復元した画像と異なります（下記の箇所）",
        "ok": "QRコードの発行者署名は有効で、{fronts}は裏面から復元した画像と一致します（{count}ページ照合）"
              "{text_layer}{serial}",
    },
}

_WHERE_JA = {
    "header": "見出し（表題・発行番号・市区町村）",
    "closing": "末尾（認証文・日付・市長名・公印）",
    "body": "本文（表の外）",
}


#: The operator's reason for withdrawing a key, when it gave one.
_REVOCATION_REASON = {"en": " (reason: {reason})", "ja": "（理由：{reason}）"}


def heading(status: int, reason: str, lang: Lang = "en") -> str:
    """The verdict's heading: its status's, or its reason's own (``reason`` as the verdict
    names it, ``issuer-key-unknown``)."""
    return _HEADINGS[reason][lang] if reason in _HEADINGS else STATUS[lang][status]


def _utc(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def explain(verdict: Verdict, lang: Lang = "en") -> str:
    if verdict.message and lang == "en":
        return verdict.message
    if verdict.message:
        return f"入力を読めません（{verdict.reason}）"
    text = _REASONS[lang].get(verdict.reason, verdict.reason)
    kind = verdict.kind or "image"
    fronts = (_FRONT if len(verdict.comparisons) == 1 else _FRONTS)[lang][kind]
    pages = ", ".join(str(p) for p in verdict.missing)
    text_layer = _TEXT_LAYER[lang] if kind != "image" else ""
    serial = _SERIAL[lang].format(serial=verdict.claims.serial) if verdict.claims is not None else ""
    unlisted, revoked = verdict.not_listed, verdict.revoked
    issuer: dict[str, object] = {}
    if unlisted is not None:
        issuer = {"code": unlisted.code, "issued_on": unlisted.issued_on.isoformat(),
                  "directory_serial": unlisted.directory_serial, "directory_date": _utc(unlisted.directory_issued_at)}
    if revoked is not None:
        issuer = {"code": revoked.code, "key_id": revoked.key.key_id, "revoked_at": _utc(revoked.revoked_at),
                  "revocation_reason": _REVOCATION_REASON[lang].format(reason=revoked.reason) if revoked.reason else ""}
    return text.format(fronts=fronts, pages=pages, count=len(verdict.comparisons), text_layer=text_layer,
                       serial=serial, **issuer)


def where(text: str, lang: Lang = "en") -> str:
    """A region's place (as :func:`compare.where` names it) in ``lang``."""
    if lang == "en":
        return text
    if text.startswith("table row"):
        n, _, column = text.removeprefix("table row ").partition(" ")
        return f"表の{n}行目（{'項目名' if 'label' in column else '内容'}）"
    return _WHERE_JA.get(text.split(" ")[0], text)
