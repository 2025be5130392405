"""A category model learnt from labelled resident messages, read beside the keyword rules.

Word lists know the words someone thought of; residents describe a problem by what it did
to them ("差点把脚崴了", "车都开不进去"). A logistic regression over the character 1–3-grams
of the message (scikit-learn) learns such wording from the labelled examples shipped in
``examples.tsv``, plus every keyword of the city's catalogue, so an administrator's new
keyword counts here too. Place names and digits are masked before learning: "洞庭街" must
not teach anything about holes, nor a house number about a category.

``Classifier`` blends the model's probabilities with its own rule scores
(``workflows/sms/classify.py``); on its own the model never turns a message with no
problem in it into a report (a location, an acknowledgement).

Training takes about a second (newton-cg converges in a few steps here); the trained model
is kept per process for each set of (catalogue, place names) it was built from, so
reference data reloaded every minute does not train it again."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from workflows.sms.text import normalize

EXAMPLES = Path(__file__).with_name("examples.tsv")
_DIGITS = re.compile(r"\d+")
_PLACE = "\u25a1"  # □ stands for any place name
_NUMBER = "0"
_FEWEST_CATEGORIES = 5
_TRAINING = threading.Lock()


def examples(path: Path = EXAMPLES) -> list[tuple[str, str]]:
    """The shipped labelled messages: (message, category code)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            message, code = line.split("\t")
            rows.append((message, code))
    return rows


class CategoryModel:
    """Probabilities of each category code for a message's normal form."""

    def __init__(self, vectorizer, regression, places: re.Pattern[str] | None):
        self._vectorizer = vectorizer
        self._regression = regression
        self._places = places
        self.codes: tuple[str, ...] = tuple(regression.classes_)

    def probabilities(self, norm: str) -> dict[str, float]:
        """``norm`` is already in ``normalize``'s form."""
        row = self._regression.predict_proba(
            self._vectorizer.transform([_masked(norm, self._places)]))
        return dict(zip(self.codes, (float(p) for p in row[0]), strict=True))


def train(entries: Iterable[tuple[str, Iterable[str]]], place_names: Iterable[str] = (),
          labelled: Iterable[tuple[str, str]] | None = None) -> CategoryModel | None:
    """A model for the catalogue ``entries`` (code, keywords); ``labelled`` defaults to the
    shipped examples. Examples of codes the city does not have (switched off) are left
    out. None when the examples know too few of the city's categories to learn from: a
    model that knows two categories is sure of everything."""
    with _TRAINING:  # one at a time: the thread limit while fitting is process-wide
        return _trained(tuple((code, tuple(words)) for code, words in entries),
                        tuple(sorted(set(place_names))),
                        tuple(labelled) if labelled is not None else None)


@functools.lru_cache(maxsize=4)
def _trained(entries: tuple[tuple[str, tuple[str, ...]], ...], place_names: tuple[str, ...],
             labelled: tuple[tuple[str, str], ...] | None) -> CategoryModel | None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    codes = {code for code, _words in entries}
    names = sorted({n for n in (normalize(p) for p in place_names) if len(n) >= 2},
                   key=lambda n: (-len(n), n))
    places = re.compile("|".join(map(re.escape, names))) if names else None
    rows = [(message, code) for message, code in (labelled if labelled is not None
                                                  else examples()) if code in codes]
    if len({code for _m, code in rows}) < _FEWEST_CATEGORIES:
        return None
    rows += [(word, code) for code, words in entries for word in words if word]
    texts = [_masked(normalize(message), places) for message, _code in rows]
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                 lowercase=False)
    regression = LogisticRegression(C=10, solver="newton-cg", max_iter=200)
    with threadpool_limits(1):  # a second per process; more threads only fight the server's
        regression.fit(vectorizer.fit_transform(texts), [code for _m, code in rows])
    return CategoryModel(vectorizer, regression, places)


def _masked(norm: str, places: re.Pattern[str] | None) -> str:
    """Place names and numbers say where, never what: each becomes one placeholder."""
    if places is not None:
        norm = places.sub(_PLACE, norm)
    return _DIGITS.sub(_NUMBER, norm)
