"""The verification web page: upload a PDF or scans, see the verdict and the faces.

``GET /`` shows the form, ``POST /check`` answers with a page: the verdict in words, the
serial and the regions that differ, listed by name. A registered verifier (a bank, a
landlord's agent: :mod:`relay.public_access`) who gives its token in the form also sees
the claims the QR code carries and the face recovered from the back beside the front as
it was given, the regions boxed on both; each such face is recorded with the resident it
belongs to, within the verifier's faces an hour. Japanese by default, English with
``?lang=en``. The page has no script and loads nothing from elsewhere (its images are
inline); uploads are read with a bound (:data:`~protocol.paper.verification.limits.MAX_FILE_BYTES`
each, :data:`~protocol.paper.verification.limits.MAX_TOTAL_BYTES` in all,
:data:`~protocol.paper.verification.limits.MAX_FILES` files) at the pace of
:mod:`relay.upload_pace`, and dropped with the request.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

from aiohttp import BodyPartReader, MultipartReader, web

from protocol import wire
from protocol.documents.catalogue import CATALOGUE, CertType
from protocol.paper.verification import limits
from protocol.paper.verification.wording import Lang, heading
from relay import upload_pace
from relay.schema import ApiError

#: One check, within the endpoint's limits (the request tells its source), for anyone or,
#: with a token, for the registered verifier it names.
Check = Callable[[web.Request, list[bytes], Lang, str | None], Awaitable[Mapping[str, Any]]]
#: Characters of a verifier's token read from the form (tokens are 43).
MAX_TOKEN = 128
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"

TEXT: dict[Lang, dict[str, str]] = {
    "ja": {
        "title": "証明書の検証",
        "intro": "お手元の証明書（住民票の写し・印鑑登録証明書など）が発行者の発行したとおりかを確かめます。"
                 "PDF、または表面と裏面をスキャンした画像（PNG・JPEG、200dpi以上）を選んでください。",
        "kept": "アップロードしたファイルは検証の回答を返した時点で破棄され、保存されません。",
        "limits": "ファイルは{files}個まで、1個{each}MiBまで、合計{mib}MiBまで。",
        "files": "ファイル",
        "submit": "検証する",
        "verifier": "登録確認者のトークン（金融機関など、市区町村に登録した事業者のみ。空欄でも検証できます）",
        "bad_token": "登録確認者のトークンが正しくないか、利用が停止されています。",
        "face_limit": "この登録確認者が1時間に復元できる表面の数を超えました。しばらくしてからお試しください。",
        "again": "別の証明書を検証する",
        "claims": "QRコードに署名された内容",
        "serial": "発行番号", "type": "種類", "municipality": "市区町村コード", "issued": "発行日",
        "faces": "左：裏面から復元した表面（発行者が印刷したもの）　右：お持ちの表面",
        "face": "裏面から復元した表面",
        "regions": "異なる箇所",
        "region": "{n}. {where}（左から{left}〜{right}mm、上から{top}〜{bottom}mm）",
        "error": "検証できませんでした",
        "too_large": "ファイルが大きすぎます（1個{each}MiBまで、合計{mib}MiBまで）。",
        "too_many": "ファイルは{files}個までです。",
        "none": "ファイルを選んでください。",
        "busy": "ただいま混み合っています。しばらくしてからもう一度お試しください。",
        "rate_limited": "このアドレスからの検証が多すぎます。1分ほどしてからもう一度お試しください。",
        "too_slow": "アップロードに時間がかかりすぎたため中断しました。通信環境のよい場所でもう一度お試しください。",
        "other": "English",
    },
    "en": {
        "title": "Certificate verification",
        "intro": "Check that a certificate you were given (a residence record, a seal registration certificate …) "
                 "is as its issuer issued it. Choose its PDF, or scans of its front and back (PNG or JPEG, "
                 "200 dpi or more).",
        "kept": "The files you upload are dropped as soon as the answer is sent: nothing is kept.",
        "limits": "Up to {files} files, {each} MiB each, {mib} MiB in all.",
        "files": "Files",
        "submit": "Verify",
        "verifier": "Registered verifier's token (a bank or other organisation registered with the municipality; "
                    "leave empty to verify without it)",
        "bad_token": "The registered verifier's token is not valid, or the verifier is suspended.",
        "face_limit": "This registered verifier has recovered as many faces as it may this hour: try again later.",
        "again": "Verify another certificate",
        "claims": "What the QR code's signature covers",
        "serial": "Serial", "type": "Type", "municipality": "Municipality code", "issued": "Issued on",
        "faces": "Left: the face recovered from the back (as the issuer printed it). Right: the face you gave.",
        "face": "The face recovered from the back",
        "regions": "Regions that differ",
        "region": "{n}. {where} ({left}–{right} mm from the left, {top}–{bottom} mm from the top)",
        "error": "The certificate could not be verified",
        "too_large": "The files are too large (at most {each} MiB each, {mib} MiB in all).",
        "too_many": "Give at most {files} files.",
        "none": "Choose a file.",
        "busy": "The service is busy: please try again in a moment.",
        "rate_limited": "Too many checks from your address: please try again in a minute.",
        "too_slow": "The upload took too long and was stopped: please try again over a faster connection.",
        "other": "日本語",
    },
}
COLOURS = {"valid": "#0a7d2c", "invalid": "#b00020", "unreadable": "#555555", "uncompared": "#a65e00",
           "unchecked": "#6a3d9a"}
_STATUS_INDEX = {"valid": 0, "invalid": 1, "unreadable": 2, "uncompared": 3, "unchecked": 4}


def _lang(request: web.Request) -> Lang:
    return "en" if request.query.get("lang") == "en" else "ja"


def _page(lang: Lang, body: str, status: int = 200) -> web.Response:
    t = TEXT[lang]
    other: Literal["en", "ja"] = "ja" if lang == "en" else "en"
    doc = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t["title"]}</title>
<style>
body {{ font-family: sans-serif; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.6; }}
h1 {{ font-size: 1.6rem; }} .verdict {{ color: #fff; padding: .8rem 1rem; border-radius: .4rem; }}
.verdict strong {{ font-size: 1.3rem; display: block; }} img {{ max-width: 100%; border: 1px solid #999; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #bbb; padding: .2rem .6rem; text-align: left; }}
button {{ font-size: 1.1rem; padding: .5rem 1.5rem; }} .lang {{ float: right; }}
</style></head>
<body><a class="lang" href="/?lang={other}">{t["other"]}</a>
<h1>{t["title"]}</h1>
{body}
</body></html>"""
    response = web.Response(status=status, text=doc, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _form(lang: Lang) -> str:
    t = TEXT[lang]
    return f"""<p>{t["intro"]}</p>
<form method="post" action="/check?lang={lang}" enctype="multipart/form-data">
<label>{t["files"]}: <input type="file" name="file" multiple required
 accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"></label>
<p><label>{t["verifier"]}:<br><input type="password" name="token" autocomplete="new-password"
 maxlength="{MAX_TOKEN}" size="50"></label></p>
<p><button type="submit">{t["submit"]}</button></p>
</form>
<p>{t["kept"]} {t["limits"].format(files=limits.MAX_FILES, each=limits.MAX_FILE_BYTES >> 20,
                                      mib=limits.MAX_TOTAL_BYTES >> 20)}</p>"""


def _result(lang: Lang, answer: Mapping[str, Any]) -> str:
    t = TEXT[lang]
    e = html.escape
    status = answer["status"]
    title = heading(_STATUS_INDEX[status], str(answer["reason"]).replace("_", "-"), lang)  # the verdict's keyword
    parts = [f"""<div class="verdict" id="verdict" data-status="{e(status)}" style="background:{COLOURS[status]}">
<strong>{e(title)}</strong>{e(answer["message"])}</div>"""]
    claims = answer["claims"]
    if claims is not None:
        title = CATALOGUE[CertType(claims["type"])].title_ja
        parts.append(f"""<h2>{t["claims"]}</h2><table id="claims">
<tr><th>{t["serial"]}</th><td>{e(claims["serial"])}</td></tr>
<tr><th>{t["type"]}</th><td>{e(title)} ({e(claims["type"])})</td></tr>
<tr><th>{t["municipality"]}</th><td>{e(claims["municipality"])}</td></tr>
<tr><th>{t["issued"]}</th><td>{e(claims["issued_on"])}</td></tr></table>""")
    elif answer.get("serial"):  # for anyone: the serial, never what the document says
        parts.append(f'<p id="serial">{t["serial"]}: {e(str(answer["serial"]))}</p>')
    if answer["regions"]:
        items = "".join(
            f"<li>{e(t['region'].format(n=n, where=r['where'], left=round(r['box_mm'][0]), right=round(r['box_mm'][2]), top=round(r['box_mm'][1]), bottom=round(r['box_mm'][3])))}</li>"  # noqa: E501
            for n, r in enumerate(answer["regions"], 1))
        parts.append(f'<h2>{t["regions"]}</h2><ul id="regions" style="list-style:none;padding:0">{items}</ul>')
    if answer["diff_png"]:
        parts.append(f'<h2>{t["faces"]}</h2><img id="faces" alt="{e(t["faces"])}" '
                     f'src="data:image/png;base64,{answer["diff_png"]}">')
    elif answer["face_png"]:
        parts.append(f'<h2>{t["face"]}</h2><img id="face" alt="{e(t["face"])}" '
                     f'src="data:image/png;base64,{answer["face_png"]}">')
    parts.append(f'<p><a href="/?lang={lang}">{t["again"]}</a></p><p>{t["kept"]}</p>')
    return "\n".join(parts)


def _error(lang: Lang, message: str, status: int) -> web.Response:
    t = TEXT[lang]
    body = f"""<div class="verdict" id="verdict" data-status="error" style="background:{COLOURS["unreadable"]}">
<strong>{t["error"]}</strong>{html.escape(message)}</div>
{_form(lang)}"""
    return _page(lang, body, status)


async def _uploads(request: web.Request, lang: Lang) -> tuple[list[bytes], str | None] | web.Response:
    """The uploaded files and the verifier's token if one was given, read with the
    bounds, or the error page (a body that is not well-formed multipart included)."""
    try:
        return await _parts(await request.multipart(), lang)
    except (AssertionError, ValueError, KeyError):
        return _error(lang, TEXT[lang]["none"], 400)


async def _parts(reader: MultipartReader, lang: Lang) -> tuple[list[bytes], str | None] | web.Response:
    t = TEXT[lang]
    files: list[bytes] = []
    token: str | None = None
    tokens = 0
    total = 0
    while (part := await reader.next()) is not None:
        if isinstance(part, BodyPartReader) and part.name == "token":
            tokens += 1
            raw = bytearray()
            # in chunks as they arrive (a chunk is at least the boundary's length), bounded
            while len(raw) <= MAX_TOKEN and (chunk := await part.read_chunk(1 << 10)):
                raw += chunk
            if len(raw) > MAX_TOKEN or tokens > 1:
                return _error(lang, t["bad_token"], 401)
            token = raw.decode("ascii", "replace").strip() or None
            continue
        if not isinstance(part, BodyPartReader) or part.name != "file":
            continue
        data = bytearray()
        while chunk := await part.read_chunk(1 << 16):
            total += len(chunk)
            if total > limits.MAX_TOTAL_BYTES or len(data) + len(chunk) > limits.MAX_FILE_BYTES:
                return _error(lang, t["too_large"].format(each=limits.MAX_FILE_BYTES >> 20,
                                                          mib=limits.MAX_TOTAL_BYTES >> 20), 413)
            data += chunk
        if data:
            files.append(bytes(data))
            if len(files) > limits.MAX_FILES:
                return _error(lang, t["too_many"].format(files=limits.MAX_FILES), 400)
    if not files:
        return _error(lang, t["none"], 400)
    return files, token


def busy(request: web.Request) -> web.Response:
    """The page saying the service is busy, in the request's language (an upload refused
    before it was read)."""
    lang = _lang(request)
    return _error(lang, TEXT[lang]["busy"], 503)


def add_routes(app: web.Application, check: Check, pace: upload_pace.UploadPace) -> None:
    """The page's two routes on the public application; ``check`` runs one verification
    (within the endpoint's parallelism and deadline); uploads arrive at ``pace``."""

    async def form(request: web.Request) -> web.Response:
        return _page(_lang(request), _form(_lang(request)))

    async def result(request: web.Request) -> web.Response:
        lang = _lang(request)
        try:
            received = await upload_pace.receive(request, lambda: _uploads(request, lang), pace)
        except upload_pace.TooSlow:
            return _error(lang, TEXT[lang]["too_slow"], 408)
        if isinstance(received, web.Response):
            return received
        files, token = received
        try:
            answer = await check(request, files, lang, token)
        except ApiError as exc:
            if exc.code == wire.BAD_CREDENTIALS:
                return _error(lang, TEXT[lang]["bad_token"], 401)
            if exc.field == "faces":
                return _error(lang, TEXT[lang]["face_limit"], 429)
            if exc.code == wire.RATE_LIMITED:
                return _error(lang, TEXT[lang]["rate_limited"], 429)
            return _error(lang, TEXT[lang]["busy"], 503)
        finally:
            files.clear()
        return _page(lang, _result(lang, answer))

    app.router.add_get("/", form)
    app.router.add_post("/check", result)
