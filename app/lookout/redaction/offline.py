"""The NLP side of redaction, built without any network access.

Presidio's stock set-up downloads a spaCy model when the configured one is not
installed, and its e-mail validation lets tldextract fetch the public-suffix
list on first use. Both would break design invariant 5 (no network calls of
Lookout's own). This module owns the replacements:

- a blank spaCy English pipeline (a tokenizer, no model), built in memory at
  start-up: as fast as loading one from disk, and nothing lands in the data dir;
- an optional NER model, used only when it is an installed spaCy package or an
  existing pipeline directory, never downloaded;
- :class:`OfflineNlpEngine`, Presidio's NLP-engine interface over a pipeline
  that is already loaded, so that no code path leads to a download;
- a tldextract instance that reads only the suffix-list snapshot shipped inside
  the tldextract package.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
import spacy.util
import tldextract
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from spacy.language import Language
from spacy.tokens import Doc

NER_ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION", "NRP")
NER_SCORE = 0.85  # spaCy gives no confidence; Presidio's default for its own spaCy engine
# spaCy's English NER labels that Lookout redacts, by Presidio's name for them.
NER_LABELS = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
NER_LABELS |= {"NORP": "NRP"}

PATTERNS_ONLY_MODE = (
    "patterns only (no NER model): PERSON/LOCATION not detected; "
    'set [redaction] ner_model = "en_core_web_md" after `pip install en_core_web_md` to enable names'
)


class OfflineNlpEngine(NlpEngine):
    """Presidio's NLP engine interface over one English spaCy pipeline that is already loaded."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        # Any component that sets entities counts: a trained "ner", or an entity ruler.
        self.ner = any("doc.ents" in nlp.get_pipe_meta(name).assigns for name in nlp.pipe_names)

    def load(self) -> None:
        """Nothing to do: the pipeline was built or loaded before."""

    def is_loaded(self) -> bool:
        return True

    def get_supported_languages(self) -> list[str]:
        return ["en"]

    def get_supported_entities(self) -> list[str]:
        return list(NER_ENTITIES) if self.ner else []

    def is_stopword(self, word: str, language: str) -> bool:
        return bool(self.nlp.vocab[word].is_stop)

    def is_punct(self, word: str, language: str) -> bool:
        return bool(self.nlp.vocab[word].is_punct)

    def keep_context_words(self, words: Iterable[str]) -> None:
        """Stop treating ``words`` as stop words: Presidio drops stop words before it
        looks for context, and spaCy counts "call" as one."""
        for word in words:
            self.nlp.vocab[word.lower()].is_stop = False

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        doc = self.nlp(text)
        if not self.ner:
            return LazyNlpArtifacts(doc, self, language)
        entities = [entity for entity in doc.ents if entity.label_ in NER_LABELS]
        for entity in entities:
            entity.label_ = NER_LABELS[entity.label_]
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[token.lemma_ or token.lower_ for token in doc],
            nlp_engine=self,
            language=language,
            scores=[NER_SCORE] * len(entities),
        )

    def process_batch(
        self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1, **kwargs: Any
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        for text in texts:
            yield text, self.process_text(text, language)


class LazyNlpArtifacts(NlpArtifacts):
    """Artifacts of a pipeline without NER, whose token lists are built only when read.

    Only Presidio's context enhancer reads them, and only when some result has
    context words; building them for every text was most of the analysis time
    on long prompts. Lower-cased token texts stand in for lemmas (there is no
    lemmatizer), so that context words such as "phone" or "card" still count.
    """

    def __init__(self, doc: Doc, engine: NlpEngine, language: str) -> None:
        # Presidio's __init__ builds every list at once; __getattr__ below builds them on demand.
        self.tokens = doc
        self.entities = []
        self.scores = []
        self.nlp_engine = engine
        self.language = language

    def __getattr__(self, name: str) -> list[Any]:
        # Called only for the fields __init__ left unset; each is built once, then kept.
        value: list[Any]
        if name == "tokens_indices":
            value = [token.idx for token in self.tokens]
        elif name == "lemmas":
            value = [token.lower_ for token in self.tokens]
        elif name == "keywords":
            value = NlpArtifacts.set_keywords(self.nlp_engine, self.lemmas, self.language)
        else:
            raise AttributeError(name)
        setattr(self, name, value)
        return value


@dataclass(frozen=True, slots=True)
class NlpChoice:
    """The NLP engine to give Presidio, and what it can detect."""

    engine: OfflineNlpEngine
    mode: str  # a sentence for the UI and `lookout doctor`


def offline_tld_extractor() -> tldextract.TLDExtract:
    """A tldextract that never fetches: no suffix-list URLs, no disk cache, the bundled snapshot."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def installed_ner_source(ner_model: str | None) -> str | None:
    """``ner_model`` if spaCy can load it offline (an installed package or a pipeline dir), else None."""
    if not ner_model:
        return None
    if spacy.util.is_package(ner_model):
        return ner_model
    path = Path(ner_model).expanduser()
    return str(path) if (path / "config.cfg").is_file() else None


def build_nlp_choice(ner_model: str | None) -> NlpChoice:
    """The NER model when it is available offline, otherwise the blank pipeline (patterns only)."""
    source = installed_ner_source(ner_model)
    if source is None:
        mode = f"{ner_model} is not installed, so {PATTERNS_ONLY_MODE}" if ner_model else PATTERNS_ONLY_MODE
        return NlpChoice(OfflineNlpEngine(spacy.blank("en")), mode)
    # The parser is the slowest component and nothing here uses it.
    engine = OfflineNlpEngine(spacy.load(source, exclude=["parser", "senter"]))
    if not engine.ner:
        return NlpChoice(engine, f"{ner_model} has no NER component, so {PATTERNS_ONLY_MODE}")
    return NlpChoice(engine, f"patterns + NER with {ner_model}")
