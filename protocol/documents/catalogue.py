"""Certificate types, their options, and who may request them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CertType(StrEnum):
    JUMINHYO = "juminhyo"  # 住民票の写し
    JUMINHYO_KISAI = "juminhyo_kisai"  # 住民票記載事項証明書
    INKAN = "inkan"  # 印鑑登録証明書
    KOSEKI_ZENBU = "koseki_zenbu"  # 戸籍全部事項証明書
    KOSEKI_KOJIN = "koseki_kojin"  # 戸籍個人事項証明書
    KOSEKI_FUHYO = "koseki_fuhyo"  # 戸籍の附票の写し
    SHOTOKU = "shotoku"  # 所得・課税証明書


@dataclass(frozen=True)
class OptionSpec:
    key: str
    title_ja: str
    choices: tuple[str, ...]  # the first is the default


@dataclass(frozen=True)
class CertSpec:
    type: CertType
    title_ja: str
    scope: str  # "self", "household" (self or same household), "koseki" (self or same 戸籍)
    options: tuple[OptionSpec, ...] = ()


SCOPE_OPTION = OptionSpec("scope", "請求の範囲", ("self", "household"))
JUMINHYO_OPTIONS = (
    SCOPE_OPTION,
    OptionSpec("honseki", "本籍・筆頭者", ("omit", "include")),
    OptionSpec("relationship", "世帯主・続柄", ("omit", "include")),
    OptionSpec("my_number", "個人番号", ("omit", "include")),
)

CATALOGUE: dict[CertType, CertSpec] = {
    CertType.JUMINHYO: CertSpec(CertType.JUMINHYO, "住民票の写し", "household", JUMINHYO_OPTIONS),
    CertType.JUMINHYO_KISAI: CertSpec(
        CertType.JUMINHYO_KISAI, "住民票記載事項証明書", "household", (SCOPE_OPTION,)
    ),
    CertType.INKAN: CertSpec(CertType.INKAN, "印鑑登録証明書", "self"),
    CertType.KOSEKI_ZENBU: CertSpec(CertType.KOSEKI_ZENBU, "戸籍全部事項証明書", "koseki"),
    CertType.KOSEKI_KOJIN: CertSpec(CertType.KOSEKI_KOJIN, "戸籍個人事項証明書", "self"),
    CertType.KOSEKI_FUHYO: CertSpec(CertType.KOSEKI_FUHYO, "戸籍の附票の写し", "self"),
    CertType.SHOTOKU: CertSpec(CertType.SHOTOKU, "所得・課税証明書", "self"),
}

MAX_COPIES = 10


def default_options(cert_type: CertType) -> dict[str, str]:
    return {o.key: o.choices[0] for o in CATALOGUE[cert_type].options}


def validate_options(cert_type: CertType, options: dict[str, str]) -> dict[str, str]:
    """Return the complete option set, or raise ``ValueError`` naming the bad option."""
    spec = CATALOGUE[cert_type]
    known = {o.key: o for o in spec.options}
    for key, value in options.items():
        if key not in known:
            raise ValueError(f"unknown option {key!r} for {cert_type.value}")
        if value not in known[key].choices:
            raise ValueError(f"option {key!r} must be one of {known[key].choices}")
    return {**default_options(cert_type), **options}
