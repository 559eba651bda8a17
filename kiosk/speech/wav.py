"""WAV files and the silence test for audio (engines write WAV; the tests read it)."""

from __future__ import annotations

import array
import io
import math
import wave
from pathlib import Path

from kiosk.speech.port import Audio, SpeechError


def to_wav(audio: Audio) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.rate)
        w.writeframes(audio.pcm)
    return out.getvalue()


def from_wav(data: bytes) -> Audio:
    """Mono or stereo 16-bit WAV as mono :class:`Audio` (stereo keeps the left channel)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            if w.getsampwidth() != 2:
                raise SpeechError(f"WAV of {w.getsampwidth() * 8}-bit samples, not 16")
            frames = w.readframes(w.getnframes())
            rate, channels = w.getframerate(), w.getnchannels()
    except (wave.Error, EOFError) as exc:
        raise SpeechError(f"not a WAV file: {exc}") from exc
    if channels > 1:
        samples = array.array("h", frames)
        frames = samples[::channels].tobytes()
    return Audio(frames, rate)


def write_wav(path: Path, audio: Audio) -> Path:
    path.write_bytes(to_wav(audio))
    return path


def rms(audio: Audio) -> float:
    """Root mean square of the samples, 0..32767 (silence is near 0)."""
    samples = array.array("h", audio.pcm[: len(audio.pcm) // 2 * 2])
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def first_sound(audio: Audio, threshold: int = 500) -> float:
    """Seconds from the start of ``audio`` to its first sample louder than ``threshold``."""
    samples = array.array("h", audio.pcm[: len(audio.pcm) // 2 * 2])
    for i, s in enumerate(samples):
        if abs(s) > threshold:
            return i / audio.rate
    return audio.seconds
