"""The offline voices: Open JTalk for Japanese, eSpeak NG for the other languages.

Both run as a short-lived program per sentence (Debian's ``open_jtalk`` and
``espeak-ng``): the text goes in on standard input (never on the command line), a WAV
comes back on standard output. A program of its own keeps the dictionary's memory out of
the UI process and the synthesis off its interpreter lock, so the screen never stalls
while a sentence is made. Why these two, with measurements: ``docs/accessibility.md``.

Open JTalk needs a dictionary (Debian ``open-jtalk-mecab-naist-jdic``) and an HTS voice;
Debian main ships no voice, so the kiosk carries "Mei" (MMDAgent, Nagoya Institute of
Technology, CC BY 3.0: ``voices/LICENSE-mei.txt``).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from kiosk.speech.port import Audio, SpeechError, Synthesiser
from kiosk.speech.wav import from_wav

HERE = Path(__file__).resolve().parent
MEI_VOICE = HERE / "voices" / "mei_normal.htsvoice"
NAIST_JDIC = Path("/var/lib/mecab/dic/open-jtalk/naist-jdic")
TIMEOUT_S = 15.0  # one sentence; a stuck engine must not hold the speech thread
#: eSpeak NG's voice for each kiosk language (Japanese: eSpeak reads kana only).
ESPEAK_VOICES: dict[str, str] = {"en": "en-us", "zh": "cmn", "ko": "ko", "vi": "vi",
                                 "pt": "pt-br"}


def _run(cmd: list[str], text: str) -> Audio:
    try:
        proc = subprocess.run(cmd, input=" ".join(text.split()).encode("utf-8"),
                              capture_output=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpeechError(f"{cmd[0]}: {type(exc).__name__}") from exc
    if proc.returncode != 0 or not proc.stdout:
        raise SpeechError(f"{cmd[0]} exited with {proc.returncode}")
    return from_wav(proc.stdout)


class OpenJTalk:
    """Japanese through Debian's ``open_jtalk`` (24 kHz). ``speed`` 1.0 is normal."""

    name = "open_jtalk"
    languages = frozenset({"ja"})

    def __init__(self, *, program: str = "open_jtalk", dictionary: Path = NAIST_JDIC,
                 voice: Path = MEI_VOICE, speed: float = 1.0) -> None:
        found = shutil.which(program)
        if found is None:
            raise SpeechError(f"{program} is not installed (Debian: open-jtalk)")
        if not (dictionary / "sys.dic").is_file():
            raise SpeechError(f"no Open JTalk dictionary in {dictionary} "
                              "(Debian: open-jtalk-mecab-naist-jdic)")
        if not voice.is_file():
            raise SpeechError(f"no HTS voice at {voice}")
        self.program, self.dictionary, self.voice, self.speed = program, dictionary, voice, speed
        # 24 kHz (the voice's 48 kHz halved, with its 5 ms frame period kept): speech
        # loses nothing audible, and the kept audio of a sentence half its memory
        self.cmd = [found, "-x", str(dictionary), "-m", str(voice), "-r", f"{speed:g}",
                    "-s", "24000", "-p", "120", "-ow", "/dev/stdout"]

    def synthesise(self, text: str, language: str) -> Audio:
        return _run(self.cmd, text)

    def identity(self, language: str) -> str:
        return " ".join([self.name, *self.cmd[1:-2]])

    def with_speed(self, speed: float) -> OpenJTalk:
        return OpenJTalk(program=self.program, dictionary=self.dictionary, voice=self.voice,
                         speed=self.speed * speed)

    def reading(self, text: str) -> str:
        """How Open JTalk reads ``text``, in katakana (「420円」: ヨンヒャクニジュウエン):
        the pronunciation column of its text analysis (self-test, tests)."""
        cmd = [*self.cmd[:-2], "-ow", "/dev/null", "-ot", "/dev/stdout"]
        try:
            out = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True,
                                 timeout=TIMEOUT_S, check=True).stdout.decode("utf-8")
        except (OSError, subprocess.SubprocessError) as exc:
            raise SpeechError(f"open_jtalk: {type(exc).__name__}") from exc
        analysis = out.split("[Text analysis result]", 1)[-1].split("[Output label]", 1)[0]
        return "".join(f.split(",")[9] for f in analysis.splitlines() if f.count(",") >= 9)


class EspeakNg:
    """English, Chinese (Mandarin), Korean, Vietnamese and Portuguese (Brazil) through
    ``espeak-ng`` (22.05 kHz formant synthesis). ``speed`` 1.0 is 165 words a minute."""

    name = "espeak-ng"

    def __init__(self, *, program: str = "espeak-ng", voices: Mapping[str, str] = ESPEAK_VOICES,
                 speed: float = 1.0) -> None:
        found = shutil.which(program)
        if found is None:
            raise SpeechError(f"{program} is not installed (Debian: espeak-ng)")
        self.program = found
        self.voices = dict(voices)
        self.languages = frozenset(self.voices)
        self.speed = speed
        self.wpm = max(80, min(450, round(165 * speed)))

    def synthesise(self, text: str, language: str) -> Audio:
        voice = self.voices.get(language)
        if voice is None:
            raise SpeechError(f"espeak-ng has no voice for {language!r} here")
        return _run([self.program, "-v", voice, "-s", str(self.wpm), "--stdin", "--stdout"],
                    text)

    def identity(self, language: str) -> str:
        return f"{self.name} {self.voices.get(language)} {self.wpm}"

    def with_speed(self, speed: float) -> EspeakNg:
        return EspeakNg(program=self.program, voices=self.voices, speed=self.speed * speed)

    def phonemes(self, text: str, language: str) -> str:
        """eSpeak's phonemes for ``text`` ("420 yen": f'o@h'VndrI2d@n tw'Enti j'En)."""
        try:
            out = subprocess.run([self.program, "-v", self.voices[language], "-q", "-x",
                                  "--stdin"], input=text.encode("utf-8"), capture_output=True,
                                 timeout=TIMEOUT_S, check=True).stdout
        except (OSError, KeyError, subprocess.SubprocessError) as exc:
            raise SpeechError(f"espeak-ng: {type(exc).__name__}") from exc
        return " ".join(out.decode("utf-8").split())


def offline_voices(speed: float = 1.0) -> dict[str, Synthesiser]:
    """Every kiosk language this machine can speak: Open JTalk for Japanese where it is
    installed, eSpeak NG for the rest. A missing engine leaves its languages silent (the
    screen still shows everything; the self-test reports it)."""
    voices: dict[str, Synthesiser] = {}
    try:
        espeak = EspeakNg(speed=speed)
        voices.update(dict.fromkeys(espeak.languages, espeak))
    except SpeechError:
        pass
    try:
        voices["ja"] = OpenJTalk(speed=speed)
    except SpeechError:
        pass
    return voices
