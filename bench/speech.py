"""Speech benchmark: the offline voices' cost per language.

``python -m bench.speech [--rounds N]``

For each kiosk language and its engine (Open JTalk for Japanese, eSpeak NG for the
others): the time to make one short and one long kiosk sentence (a new process each, as
in service), the real-time factor (making time ÷ audio length), the engine process's peak
resident memory (``wait4``'s ``ru_maxrss``), and the installed size of the Debian
packages each needs. The figures are in ``docs/accessibility.md`` and
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time

from kiosk.speech.engines import ESPEAK_VOICES, MEI_VOICE, EspeakNg, OpenJTalk
from kiosk.speech.wav import from_wav

SENTENCES = {
    "ja": ("カードをお取りください",
           "証明書の種類を選んでください。選択肢は7つです。矢印キーで順に聞くことができます。"),
    "en": ("Please take your card", "Which certificate do you need? 7 choices. Use the arrow keys to hear them."),
    "zh": ("请取走您的卡", "请选择证明书的种类。共有7个选项。用方向键逐个收听。"),
    "ko": ("카드를 가져가십시오", "증명서 종류를 선택하십시오. 선택지는 7개입니다. 화살표 키로 들을 수 있습니다."),
    "vi": ("Vui lòng lấy thẻ của bạn", "Bạn cần loại giấy chứng nhận nào? Có 7 lựa chọn. Dùng phím mũi tên để nghe."),
    "pt": ("Retire seu cartão", "De qual certidão você precisa? 7 opções. Use as setas para ouvi-las."),
}
PACKAGES = {"open_jtalk": ("open-jtalk", "open-jtalk-mecab-naist-jdic"),
            "espeak-ng": ("espeak-ng", "espeak-ng-data", "libespeak-ng1")}


def run(cmd: list[str], text: str) -> tuple[float, float, int]:
    """(seconds to make it, seconds of audio, peak resident kB of the engine process)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(text.encode("utf-8"))
    proc.stdin.close()
    wav = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    took = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{cmd[0]} failed")
    return took, from_wav(wav).seconds, usage.ru_maxrss


def installed_kb(packages: tuple[str, ...]) -> int:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Installed-Size}\\n", *packages],
                         capture_output=True, text=True, check=True).stdout
    return sum(int(x) for x in out.split())


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.speech")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    jtalk, espeak = OpenJTalk(), EspeakNg()
    print(f"Speech benchmark, {args.rounds} rounds, {platform.platform()}, "
          f"load {os.getloadavg()[0]:.2f}")
    print("| language | engine | short sentence: make | long: make / audio (RTF) | "
          "engine peak RSS |")
    print("|---|---|---|---|---|")
    for lang, (short, long) in SENTENCES.items():
        if lang == "ja":
            name, cmd = "Open JTalk (Mei)", jtalk.cmd
        else:
            name = f"eSpeak NG ({ESPEAK_VOICES[lang]})"
            cmd = [espeak.program, "-v", ESPEAK_VOICES[lang], "-s", str(espeak.wpm),
                   "--stdin", "--stdout"]
        shorts = [run(cmd, short) for _ in range(args.rounds)]
        longs = [run(cmd, long) for _ in range(args.rounds)]
        make_short = statistics.median(t for t, _, _ in shorts) * 1000
        make_long = statistics.median(t for t, _, _ in longs)
        audio_long = statistics.median(a for _, a, _ in longs)
        rss = max(r for _, _, r in shorts + longs) / 1024
        print(f"| {lang} | {name} | {make_short:.0f} ms | {make_long * 1000:.0f} ms / "
              f"{audio_long:.1f} s ({make_long / audio_long:.3f}) | {rss:.0f} MB |")
    print()
    for engine, packages in PACKAGES.items():
        size = installed_kb(packages) / 1024
        extra = f" + voice {MEI_VOICE.stat().st_size / 1024:.0f} KB" if engine == "open_jtalk" else ""
        print(f"- {engine}: Debian {', '.join(packages)}: {size:.1f} MB installed{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
