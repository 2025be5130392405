"""Text helpers for short messages: one normal form to match against, the language the
resident wrote in, and how many SMS segments a reply costs."""

from __future__ import annotations

import re
import unicodedata

import opencc

# Traditional → simplified by OpenCC's maintained dictionaries (phrases first, then
# characters): residents' phones send both, and a hand-kept table always misses some.
_T2S = opencc.OpenCC("t2s")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_SPACES = re.compile(r"\s+")


def normalize(text: str | None) -> str:
    """NFKC (full-width letters and digits become ASCII), traditional → simplified
    (OpenCC), lower-case Latin, one space between words. Emoji are kept: they match
    nothing and harm nothing."""
    text = unicodedata.normalize("NFKC", text or "")
    if any(ord(ch) >= 0x3400 for ch in text):
        text = _T2S.convert(text)
    text = text.lower()
    return _SPACES.sub(" ", text).strip()


def syllables(norm: str) -> list[str] | None:
    """The toneless pinyin of each character of a normal-form text (pypinyin; any other
    character stands for itself), one item per character; None when they do not line up.
    Two words that read the same ("井钙", "井盖") have the same syllables."""
    from pypinyin import lazy_pinyin  # its dictionaries load on first use

    out = lazy_pinyin(norm, errors=lambda chars: list(chars))
    return out if len(out) == len(norm) else None


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text or ""))


def latin_words(text: str) -> list[str]:
    return _LATIN_WORD.findall(text or "")


def detect_language(text: str | None, default: str = "zh_Hans_CN") -> str:
    """"en" when the message is written in English (a Chinese road name inside it is fine),
    "zh_Hans_CN" when it is Chinese, ``default`` when it has no words (digits, emoji)."""
    cjk, words = cjk_count(text or ""), len(latin_words(text or ""))
    if cjk == 0 and words == 0:
        return default
    if cjk == 0:
        return "en"
    # Mixed: English when the Latin words carry the sentence ("car parked at 中山大道").
    return "en" if words >= 3 and words * 2 >= cjk else "zh_Hans_CN"


# Words that say nothing about the writer's language: commands, acknowledgements, the
# pinyin abbreviations both languages use, and a tracking code's letters.
_NEUTRAL = frozenset({"ok", "okay", "td", "cx", "kt", "help", "stop", "start", "yes", "no",
                      "hi", "hello", "thanks", "thx", "info", "sms", "mms", "suv", "app"})
_CODE_LIKE = re.compile(r"(?:\bcx\s*)?(?:\b[0-9a-z]{4}-[0-9a-z]{4}\b|"
                        r"\b(?=[a-z]*\d)[0-9a-z]{8}\b)")
PROSE_LATIN_WORDS = 3  # "car on pavement": the fewest words that are English prose
PROSE_CJK = 6  # more than a road name ("中山大道") or an acknowledgement ("好的谢谢")


def prose_language(text: str | None) -> str | None:
    """The language a known resident's message shows they now write in, or None when the
    message does not tell: a command, a code, a road name, a single word or an
    acknowledgement ("ok", "好的") never switches a resident's language; only prose does."""
    norm = _CODE_LIKE.sub(" ", normalize(text))
    words = [w for w in latin_words(norm) if w not in _NEUTRAL]
    cjk = cjk_count(norm)
    if len(words) >= PROSE_LATIN_WORDS and len(words) * 2 >= cjk:
        return "en"
    if cjk >= PROSE_CJK and len(words) * 2 < cjk:
        return "zh_Hans_CN"
    return None


#: The GSM-7 alphabet: a message of these characters only is sent in 160-character parts.
GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def segments(text: str) -> int:
    """How many SMS segments a message needs: GSM-7 (160, or 153 per part) when every
    character fits, else UCS-2 (70, or 67 per part; characters beyond the BMP count two)."""
    if all(ch in GSM for ch in text):
        n = sum(2 if ch in "^{}\\[~]|€" else 1 for ch in text)
        return 1 if n <= 160 else -(-n // 153)
    n = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
    return 1 if n <= 70 else -(-n // 67)
