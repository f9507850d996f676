"""Precision and recall per entity on presidio-research's synthetic corpus. Not collected by pytest. Run:

    python -m tests.redaction.bench_pii [CORPUS] [--stock]

CORPUS is ``synth_dataset_v2.json`` or the folder holding it; the default is
``../shared/benchmarks/pii`` next to the repository. Matching follows the
corpus README: a prediction is a true positive when it has the type of a gold
span and overlaps it, any other prediction is a false positive, and a gold
span is recalled when some prediction of its type overlaps it. DOMAIN_NAME
spans count as URL. ``--stock`` also runs the README's baseline (stock
Presidio pattern recognizers on a blank pipeline, score threshold 0.3).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lookout.redaction.detect import build_detector

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = ROOT.parent / "shared" / "benchmarks" / "pii"
PATTERN_ENTITIES = (
    "CREDIT_CARD",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "URL",
    "DATE_TIME",
    "US_DRIVER_LICENSE",
)
Span = tuple[str, int, int]


@dataclass
class Tally:
    true_positives: Counter[str] = field(default_factory=Counter)
    false_positives: Counter[str] = field(default_factory=Counter)
    gold: Counter[str] = field(default_factory=Counter)
    recalled: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    records: int = 0

    def add(self, gold: list[Span], predicted: list[Span]) -> None:
        def overlaps(a: Span, b: Span) -> bool:
            return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]

        for span in gold:
            self.gold[span[0]] += 1
            self.recalled[span[0]] += any(overlaps(span, guess) for guess in predicted)
        for guess in predicted:
            hit = any(overlaps(guess, span) for span in gold)
            (self.true_positives if hit else self.false_positives)[guess[0]] += 1

    def precision(self, entity: str) -> float | None:
        found = self.true_positives[entity] + self.false_positives[entity]
        return self.true_positives[entity] / found if found else None

    def recall(self, entity: str) -> float:
        return self.recalled[entity] / self.gold[entity] if self.gold[entity] else 0.0


def corpus_records(path: Path) -> list[dict[str, Any]]:
    file = path / "synth_dataset_v2.json" if path.is_dir() else path
    records: list[dict[str, Any]] = json.loads(file.read_text())
    return records


def gold_spans(record: dict[str, Any]) -> list[Span]:
    return [
        (
            "URL" if span["entity_type"] == "DOMAIN_NAME" else span["entity_type"],
            span["start_position"],
            span["end_position"],
        )
        for span in record["spans"]
    ]


def evaluate(records: Iterable[dict[str, Any]], predict: Callable[[str], list[Span]]) -> Tally:
    tally = Tally()
    start = time.perf_counter()
    for record in records:
        tally.add(gold_spans(record), predict(record["full_text"]))
        tally.records += 1
    tally.seconds = time.perf_counter() - start
    return tally


def lookout_predictor() -> Callable[[str], list[Span]]:
    detector = build_detector(None)
    return lambda text: [(found.entity, found.start, found.end) for found in detector.find(text)]


def stock_predictor() -> Callable[[str], list[Span]]:
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine

    from lookout.redaction.offline import OfflineNlpEngine, offline_tld_extractor

    tldextract.extract = offline_tld_extractor()  # the stock e-mail check would go to the network
    analyzer = AnalyzerEngine(nlp_engine=OfflineNlpEngine(spacy.blank("en")))

    def predict(text: str) -> list[Span]:
        results = analyzer.analyze(text, language="en", score_threshold=0.3)
        return [(result.entity_type, result.start, result.end) for result in results]

    return predict


def table(tallies: dict[str, Tally]) -> str:
    def cell(value: float | None) -> str:
        return "  n/a" if value is None else f"{value:5.2f}"

    names = list(tallies)
    header = "| entity | gold | " + " | ".join(f"{name} P | {name} R" for name in names) + " |"
    lines = [header, "|" + "---|" * (2 + 2 * len(names))]
    for entity in PATTERN_ENTITIES:
        gold = next(iter(tallies.values())).gold[entity]
        cells = [f"{cell(t.precision(entity))} | {cell(t.recall(entity))}" for t in tallies.values()]
        lines.append(f"| {entity} | {gold} | " + " | ".join(cells) + " |")
    speeds = [f"{name}: {t.seconds / t.records * 1000:.2f} ms per record" for name, t in tallies.items()]
    return "\n".join(lines) + "\n\n" + "; ".join(speeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--stock", action="store_true", help="also run the stock Presidio baseline")
    args = parser.parse_args()
    records = corpus_records(args.corpus)
    tallies = {"lookout": evaluate(records, lookout_predictor())}
    if args.stock:
        tallies["stock"] = evaluate(records, stock_predictor())
    print(table(tallies))


if __name__ == "__main__":
    main()
