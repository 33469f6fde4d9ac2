"""Model licenses read clause by clause, and the "may I ...?" questions they answer (lessons 10, 11).

**Education, not legal advice.** The table records what the course's research notes read in each
text, with the clause, a short quote and a link, so that you can check every answer yourself.
Read the full text, and ask a lawyer, before you rely on it.

The data lives in ``minimoe/data/licenses.json``:

* **licenses**: Apache-2.0, MIT, the Llama 2 / 3 / 3.1 / 3.3 / 4 community licenses, the DeepSeek
  License Agreement, MiniMax's January 2025 agreement and its February 2025 revision, MIT with
  MiniMax-M2's display rider, the license of Qwen2.5's 3B and 72B variants, the Gemma Terms of Use,
  and the API terms of OpenAI and Google's Gemini (their clauses on outputs). Each names the text
  that was read (source, url, date) and how far it was checked (:data:`STATUSES`), and gives one
  :class:`Term` for each topic of :data:`TERM_VALUES`: patent grant and retaliation, attribution,
  naming, derivatives, user-count thresholds, use restrictions, military use, training on outputs,
  governing law and OSI status. A term has a value, a summary in the course's own words, and the
  clauses that support it. Its value is ``"unclear"``, with a reason, where the text is unclear or
  the notes could not verify it.
* **models**: which model (or API) uses which license from which date, for MiniMax-Text-01, M1 and
  M2, DeepSeek-V3, R1, its distilled models and V3.2-Exp, Llama 2 to 4, Qwen2.5 and Qwen3, Gemma 2,
  and the OpenAI and Gemini APIs. A model may name the models it was derived from (their terms are
  checked too) and carry its publisher's own statements (DeepSeek-R1's README on distillation).

:func:`load_licenses` reads and validates the file; a malformed entry is refused with a
:class:`LicenseError` that names the entry and the field. The questions:

* :func:`may_ship_product`: may a product with N monthly active users be built on it?
* :func:`may_release_derivative`: may a fine-tuned version be released under a new name?
* :func:`may_train_on_outputs`: may another model be trained on its outputs?
* :func:`grants_patent_license`: does it grant an explicit patent license, and what ends it?
* :func:`may_use_for_military`: does it allow military use?

Each takes a license id or name, or a model name or alias (:meth:`LicenseTable.subjects`), and
returns an :class:`Answer`: a verdict from :data:`VERDICTS`, the condition that goes with it, and
the clause that decides it (section, quote, url). "yes" means the text allows it with no more
than the license's standing duties (notices, attribution), which the condition lists;
"conditional" means it is allowed only if something about your case holds (a name, a display, an
inherited restriction, a purpose); "no" means the text does not allow it; "unclear" means the
text, as the notes read it, does not decide.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minimoe.records import check_choice, check_fields

DATA_FILE = Path(__file__).resolve().parent / "data" / "licenses.json"

VERDICTS = ("yes", "conditional", "unclear", "no")
"""Possible answers, from most to least permissive."""

STATUSES = ("verified", "verified-copy", "reported")
"""How far a text was checked: the publisher's own text, an exact copy kept elsewhere, or only
secondary reports."""

KINDS = ("license", "terms of service")
MODEL_KINDS = ("model", "service")

TERM_VALUES: dict[str, tuple[str, ...] | None] = {
    "patent_grant": ("explicit", "none", "unclear"),
    "patent_retaliation": ("yes", "no", "unclear"),
    "attribution": ("required", "none", "unclear"),
    "naming": ("prefix", "none", "no trademark grant", "unclear"),
    "derivatives": ("allowed", "conditional", "unclear"),
    "user_threshold": ("none", "license required", "display duty", "unclear"),
    "use_restrictions": ("none", "restricted", "unclear"),
    "military_use": ("not restricted", "prohibited", "unclear"),
    "outputs_training": ("allowed", "conditional", "prohibited", "unclear"),
    "governing_law": None,
    "osi": ("approved", "not open source", "unclear"),
}
"""Every term a license has, with its allowed values (``None``: free text, such as "California",
"none specified" or "unclear")."""

TERM_EXTRAS: dict[str, tuple[str, ...]] = {
    "naming": ("prefix",),
    "user_threshold": ("monthly_active_users", "annual_revenue_usd", "display"),
    "outputs_training": ("name_prefix",),
}
"""Fields some terms carry besides value, summary, reason and clauses:

* ``naming.prefix``: what a derived model's name must begin with (value ``"prefix"``);
* ``user_threshold.monthly_active_users`` / ``annual_revenue_usd``: the counts that trigger the
  clause (strictly above them), ``display``: the name a product must show (``"display duty"``);
* ``outputs_training.name_prefix``: when set, the only condition on training with the outputs is
  that a distributed model's name begins with it (Llama 3.1 and later).
"""

MAX_QUOTE_WORDS = 25
"""Quotes stay short: at most this many words ("..." marks an omission and is not counted)."""

_RANK = {verdict: rank for rank, verdict in enumerate(reversed(VERDICTS))}


class LicenseError(ValueError):
    """An entry of the license table is malformed; the message names the entry and the field."""


@dataclass(frozen=True)
class Clause:
    """A clause that supports a term, or the absence of one.

    Attributes:
        license: the name of the text it comes from.
        section: the section as the text numbers it ("§2", "§1.b.v", "Attachment A"), or ``None``
            where the notes give no number.
        quote: the words of the text, at most :data:`MAX_QUOTE_WORDS`; ``""`` where the notes
            record no wording (the clause is paraphrased in ``note``, or the text is silent).
        url: where to read it.
        note: what the clause is, or why there is no quote.
    """

    license: str
    section: str | None
    quote: str
    url: str
    note: str = ""

    def cite(self) -> str:
        """One line: ``Llama 3.1 Community License §2: “...” (note) <url>``."""
        where = self.license + (f" {self.section}" if self.section else "")
        text = " ".join(
            part
            for part in (
                f"“{self.quote}”" if self.quote else "",
                f"({self.note})" if self.note else "",
            )
            if part
        )
        return f"{where}: {text} <{self.url}>"


@dataclass(frozen=True)
class Term:
    """What one text says on one topic (see :data:`TERM_VALUES` and :data:`TERM_EXTRAS`)."""

    name: str
    value: str
    summary: str
    clauses: tuple[Clause, ...]
    reason: str = ""
    prefix: str | None = None
    monthly_active_users: int | None = None
    annual_revenue_usd: int | None = None
    display: str | None = None
    name_prefix: str | None = None


@dataclass(frozen=True)
class License:
    """One license or set of terms, as read on ``date`` from ``source``."""

    id: str
    name: str
    kind: str
    date: dt.date
    date_note: str
    source: str
    url: str
    status: str
    terms: Mapping[str, Term]
    note: str = ""


@dataclass(frozen=True)
class LicenseUse:
    """A model's license from a date on (``start`` is ``None`` where the notes give no date)."""

    license: str
    start: dt.date | None
    source: str
    url: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class Model:
    """A model release (or an API service) and the licenses it has had, oldest first.

    ``derived_from`` names the models it was built from, whose terms apply as well;
    ``statements`` holds its publisher's own words on a topic, which take the place of the
    license's term for this model (DeepSeek-R1's README on distillation).
    """

    name: str
    aliases: tuple[str, ...]
    kind: str
    publisher: str
    released: dt.date | None
    released_note: str
    licenses: tuple[LicenseUse, ...]
    derived_from: tuple[str, ...] = ()
    statements: Mapping[str, Term] = field(default_factory=dict)
    note: str = ""

    def license_on(self, on: dt.date | None = None) -> LicenseUse:
        """The license in force on ``on`` (the latest when ``None``)."""
        if on is None:
            return self.licenses[-1]
        in_force = [use for use in self.licenses if use.start is None or use.start <= on]
        if not in_force:
            raise ValueError(
                f"no license is recorded for {self.name} on {on}; "
                f"the first is from {self.licenses[0].start}"
            )
        return in_force[-1]


@dataclass(frozen=True)
class Answer:
    """The answer to one question about one license or model.

    Attributes:
        question: the question, in words.
        subject: what was asked about, with the license that applied.
        verdict: one of :data:`VERDICTS`.
        condition: what must hold or be done, or why it is unclear or refused.
        clause: the clause that decides it.
        also: other clauses that bear on it (duties, the base model's terms).
    """

    question: str
    subject: str
    verdict: str
    condition: str
    clause: Clause
    also: tuple[Clause, ...] = ()

    def __str__(self) -> str:
        lines = [
            self.subject,
            f"Q: {self.question}",
            f"A: {self.verdict.upper()}." + (f" {self.condition}" if self.condition else ""),
            f"Decided by: {self.clause.cite()}",
        ]
        lines += [f"Also: {clause.cite()}" for clause in self.also]
        return "\n".join(lines)


# ------------------------------------------------------------------------------------ parsing


def _parse_date(text: Any, where: str, name: str) -> dt.date:
    if not isinstance(text, str):
        raise LicenseError(f"{where}: field '{name}' must be a YYYY-MM-DD string, got {text!r}")
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise LicenseError(f"{where}: field '{name}' must be YYYY-MM-DD, got {text!r}") from None
    if date.isoformat() != text:
        raise LicenseError(f"{where}: field '{name}' must be YYYY-MM-DD, got {text!r}")
    return date


def _check(record: Any, where: str, required: Sequence[str], optional: Sequence[str]) -> None:
    check_fields(record, where, required, optional, error=LicenseError)


def _text(record: Mapping, name: str, where: str, *, empty: bool = False) -> str:
    value = record.get(name, "")
    if not isinstance(value, str):
        raise LicenseError(f"{where}: field '{name}' must be a string, got {value!r}")
    if not empty and not value.strip():
        raise LicenseError(f"{where}: field '{name}' is empty")
    return value.strip()


def _url(record: Mapping, name: str, where: str) -> str:
    url = _text(record, name, where)
    if not url.startswith(("https://", "http://")):
        raise LicenseError(f"{where}: field '{name}' must start with https://, got {url!r}")
    return url


def quote_words(quote: str) -> int:
    """How many words a quote has, not counting "..." (omissions)."""
    return len([word for word in quote.split() if word not in ("...", "…")])


def _parse_clause(record: Any, where: str, license_name: str, default_url: str) -> Clause:
    _check(record, where, ("section", "quote"), ("url", "note"))
    section = record["section"]
    if section is not None and (not isinstance(section, str) or not section.strip()):
        raise LicenseError(
            f"{where}: field 'section' must be a non-empty string or null, got {section!r}"
        )
    quote = _text(record, "quote", where, empty=True)
    if quote_words(quote) > MAX_QUOTE_WORDS:
        raise LicenseError(
            f"{where}: field 'quote' has {quote_words(quote)} words; quote at most "
            f"{MAX_QUOTE_WORDS} (shorten it with '...')"
        )
    url = _url(record, "url", where) if "url" in record else default_url
    note = _text(record, "note", where, empty=True)
    if not (section or quote or note):
        raise LicenseError(f"{where}: a clause needs a section, a quote or a note")
    return Clause(license_name, section.strip() if section else None, quote, url, note)


def _parse_term(name: str, record: Any, where: str, license_name: str, url: str) -> Term:
    extras = TERM_EXTRAS.get(name, ())
    _check(record, where, ("value", "summary", "clauses"), ("reason", *extras))
    value = _text(record, "value", where)
    if TERM_VALUES[name] is not None:
        check_choice(record, "value", TERM_VALUES[name], where, error=LicenseError)
    reason = _text(record, "reason", where, empty=True)
    if value == "unclear" and not reason:
        raise LicenseError(f"{where}: an 'unclear' term needs a 'reason' saying why")
    if not isinstance(record["clauses"], list):
        raise LicenseError(f"{where}: field 'clauses' must be a list")
    clauses = tuple(
        _parse_clause(clause, f"{where}, clause {i}", license_name, url)
        for i, clause in enumerate(record["clauses"])
    )
    values: dict[str, Any] = {}
    for extra in extras:
        if extra in record:
            values[extra] = record[extra]
    for count in ("monthly_active_users", "annual_revenue_usd"):
        if count in values and (
            not isinstance(values[count], int)
            or isinstance(values[count], bool)
            or values[count] <= 0
        ):
            raise LicenseError(f"{where}: field '{count}' must be a positive whole number")
    for text in ("prefix", "display", "name_prefix"):
        if text in values and (not isinstance(values[text], str) or not values[text].strip()):
            raise LicenseError(f"{where}: field '{text}' must be a non-empty string")
    needs = {
        ("naming", "prefix"): ("prefix",),
        ("user_threshold", "license required"): ("monthly_active_users",),
        ("user_threshold", "display duty"): ("monthly_active_users", "display"),
    }.get((name, value), ())
    for extra in needs:
        if extra not in values:
            raise LicenseError(f"{where}: a {name} of {value!r} needs the field '{extra}'")
    return Term(name, value, _text(record, "summary", where), clauses, reason, **values)


def parse_license(record: Any, where: str = "license") -> License:
    """Validate one license record (a dict as in the JSON file) and return its :class:`License`.

    Raises:
        LicenseError: naming ``where`` and the field: a missing or unknown field, an empty or
            non-string value, an unknown kind, status or term value, a date that does not parse,
            a URL that is not http(s), a missing term, an "unclear" term without a reason, a quote
            over :data:`MAX_QUOTE_WORDS` words, a clause with neither section, quote nor note.
    """
    _check(
        record,
        where,
        ("id", "name", "kind", "date", "date_note", "source", "url", "status", "terms"),
        ("note",),
    )
    name = _text(record, "name", where)
    check_choice(record, "kind", KINDS, where, error=LicenseError)
    check_choice(record, "status", STATUSES, where, error=LicenseError)
    url = _url(record, "url", where)
    terms = record["terms"]
    if not isinstance(terms, Mapping):
        raise LicenseError(f"{where}: field 'terms' must be an object of terms")
    missing = [term for term in TERM_VALUES if term not in terms]
    unknown = sorted(set(terms) - set(TERM_VALUES))
    if missing or unknown:
        raise LicenseError(
            f"{where}: "
            + (f"missing term(s) {', '.join(missing)}" if missing else "")
            + ("; " if missing and unknown else "")
            + (f"unknown term(s) {', '.join(unknown)}" if unknown else "")
            + f" (terms are {', '.join(TERM_VALUES)})"
        )
    return License(
        id=_text(record, "id", where),
        name=name,
        kind=record["kind"],
        date=_parse_date(record["date"], where, "date"),
        date_note=_text(record, "date_note", where),
        source=_text(record, "source", where),
        url=url,
        status=record["status"],
        terms={
            term: _parse_term(term, terms[term], f"{where}, term '{term}'", name, url)
            for term in TERM_VALUES
        },
        note=_text(record, "note", where, empty=True),
    )


def parse_model(record: Any, where: str, licenses: Mapping[str, License]) -> Model:
    """Validate one model record; every license it names must be in ``licenses``."""
    _check(
        record,
        where,
        ("name", "aliases", "kind", "publisher", "released", "licenses", "derived_from"),
        ("released_note", "statements", "note"),
    )
    name = _text(record, "name", where)
    check_choice(record, "kind", MODEL_KINDS, where, error=LicenseError)
    for listed in ("aliases", "derived_from"):
        value = record[listed]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise LicenseError(f"{where}: field '{listed}' must be a list of names")
    released = record["released"]
    released_note = _text(record, "released_note", where, empty=True)
    if released is None:
        if not released_note:
            raise LicenseError(f"{where}: a null 'released' needs a 'released_note' saying why")
    else:
        released = _parse_date(released, where, "released")
    uses = record["licenses"]
    if not isinstance(uses, list) or not uses:
        raise LicenseError(f"{where}: field 'licenses' must be a non-empty list")
    parsed_uses = []
    for i, use in enumerate(uses):
        at = f"{where}, license {i}"
        _check(use, at, ("license", "from", "source", "url", "status"), ("note",))
        if use["license"] not in licenses:
            raise LicenseError(
                f"{at}: field 'license' names {use['license']!r}, which is not in the table; "
                f"licenses are {', '.join(licenses)}"
            )
        check_choice(use, "status", STATUSES, at, error=LicenseError)
        start = None if use["from"] is None else _parse_date(use["from"], at, "from")
        parsed_uses.append(
            LicenseUse(
                use["license"],
                start,
                _text(use, "source", at),
                _url(use, "url", at),
                use["status"],
                _text(use, "note", at, empty=True),
            )
        )
    starts = [use.start for use in parsed_uses]
    if None in starts[1:] or any(a >= b for a, b in zip(starts, starts[1:]) if a is not None):
        raise LicenseError(
            f"{where}: field 'licenses' must be in date order, each with a 'from' date "
            "(only the first may be null)"
        )
    statements = record.get("statements", {})
    if not isinstance(statements, Mapping):
        raise LicenseError(f"{where}: field 'statements' must be an object of terms")
    unknown = sorted(set(statements) - set(TERM_VALUES))
    if unknown:
        raise LicenseError(f"{where}: unknown statement term(s) {', '.join(unknown)}")
    publisher = _text(record, "publisher", where)
    label = f"{publisher}'s statement on {name}"
    parsed_statements = {}
    for term, value in statements.items():
        at = f"{where}, statement '{term}'"
        parsed = _parse_term(term, value, at, label, parsed_uses[-1].url)
        if not parsed.clauses:
            raise LicenseError(f"{at}: a statement needs at least one clause")
        parsed_statements[term] = parsed
    return Model(
        name=name,
        aliases=tuple(a.strip() for a in record["aliases"]),
        kind=record["kind"],
        publisher=publisher,
        released=released,
        released_note=released_note,
        licenses=tuple(parsed_uses),
        derived_from=tuple(record["derived_from"]),
        statements=parsed_statements,
        note=_text(record, "note", where, empty=True),
    )


def _key(name: str) -> str:
    """Names compare without case, spaces, hyphens and underscores: "Llama 3.1" == "llama-3.1"."""
    return re.sub(r"[\s_\-]+", "", name).lower()


@dataclass(frozen=True)
class LicenseTable:
    """The validated table: licenses by id and models by name."""

    licenses: Mapping[str, License]
    models: Mapping[str, Model]
    about: str = ""

    def subjects(self) -> list[str]:
        """Every model name, then every license id: what the questions accept."""
        return [*self.models, *self.licenses]

    def find(self, subject: str) -> License | Model:
        """The license (by id or name) or model (by name or alias) called ``subject``."""
        if not isinstance(subject, str):
            raise TypeError(f"expected a license or model name, got {subject!r}")
        names: dict[str, License | Model] = {}
        for lic in self.licenses.values():
            names[_key(lic.id)] = names[_key(lic.name)] = lic
        for model in self.models.values():
            for alias in (model.name, *model.aliases):
                names[_key(alias)] = model
        if _key(subject) in names:
            return names[_key(subject)]
        close = difflib.get_close_matches(subject, self.subjects(), n=3, cutoff=0.5)
        raise ValueError(
            f"unknown license or model {subject!r}"
            + (f"; did you mean {', '.join(close)}?" if close else "")
            + f" Known: {', '.join(self.subjects())}"
        )


def parse_table(data: Any, where: str = "license table") -> LicenseTable:
    """Validate the whole table (``{"licenses": [...], "models": [...]}``)."""
    if not isinstance(data, Mapping) or not all(
        isinstance(data.get(part), list) for part in ("licenses", "models")
    ):
        raise LicenseError(f"{where}: expected an object with 'licenses' and 'models' lists")
    licenses: dict[str, License] = {}
    for i, record in enumerate(data["licenses"]):
        name = f"license {i}"
        if isinstance(record, Mapping):
            name += f" ({record.get('id', 'no id')})"
        lic = parse_license(record, name)
        if lic.id in licenses:
            raise LicenseError(f"{name}: id {lic.id!r} is used twice")
        licenses[lic.id] = lic
    models: dict[str, Model] = {}
    for i, record in enumerate(data["models"]):
        name = f"model {i}"
        if isinstance(record, Mapping):
            name += f" ({record.get('name', 'no name')})"
        model = parse_model(record, name, licenses)
        if model.name in models:
            raise LicenseError(f"{name}: name {model.name!r} is used twice")
        models[model.name] = model
    for model in models.values():
        for base in model.derived_from:
            if base not in models:
                raise LicenseError(
                    f"model {model.name}: field 'derived_from' names {base!r}, which is not a "
                    "model in the table"
                )
    table = LicenseTable(licenses, models, str(data.get("about", "")))
    seen: dict[str, str] = {}
    for subject in table.subjects():
        entry = table.find(subject)
        for alias in (entry.id, entry.name) if isinstance(entry, License) else entry.aliases:
            owner = seen.setdefault(_key(alias), subject)
            if owner != subject:
                raise LicenseError(f"{subject}: name {alias!r} is also used by {owner}")
    return table


_DEFAULT: LicenseTable | None = None


def load_licenses(path: str | Path | None = None) -> LicenseTable:
    """The table shipped with minimoe (or the JSON file at ``path``), validated."""
    global _DEFAULT
    if path is None and _DEFAULT is not None:
        return _DEFAULT
    with open(Path(path) if path is not None else DATA_FILE, encoding="utf-8") as f:
        table = parse_table(json.load(f), str(path or DATA_FILE.name))
    if path is None:
        _DEFAULT = table
    return table


# ---------------------------------------------------------------------------------- questions


@dataclass(frozen=True)
class _Reading:
    """One license as it applies to the subject; the model's statements replace the terms they cover."""

    label: str
    license: License
    terms: Mapping[str, Term]
    publisher: str = ""


def _as_date(on: dt.date | str | None) -> dt.date | None:
    if on is None or isinstance(on, dt.date):
        return on
    if isinstance(on, str):
        try:
            return dt.date.fromisoformat(on)
        except ValueError:
            raise ValueError(f"'on' must be a date or 'YYYY-MM-DD', got {on!r}") from None
    raise TypeError(f"'on' must be a date or 'YYYY-MM-DD', got {on!r}")


def _readings(subject: str, on, table: LicenseTable | None) -> list[_Reading]:
    """The subject's own license first, then those of the models it was derived from."""
    table = table or load_licenses()
    entry = table.find(subject)
    date = _as_date(on)
    if isinstance(entry, License):
        if date is not None:
            raise ValueError(
                f"'on' picks a model's license by date; {entry.id!r} is a license itself"
            )
        return [_Reading(entry.name, entry, entry.terms)]
    readings, todo, done = [], [entry], set()
    while todo:
        model = todo.pop(0)
        if model.name in done:
            continue
        done.add(model.name)
        use = model.license_on(date)
        lic = table.licenses[use.license]
        since = f", from {use.start}" if use.start else ""
        label = f"{model.name} ({lic.name}{since})"
        readings.append(_Reading(label, lic, {**lic.terms, **model.statements}, model.publisher))
        todo += [table.models[base] for base in model.derived_from]
    return readings


def _deciding(term: Term, reading: _Reading) -> Clause:
    """The term's first clause, or a stand-in saying that the text has no clause on it."""
    if term.clauses:
        return term.clauses[0]
    note = term.reason if term.value == "unclear" else f"no clause: {term.summary}"
    return Clause(reading.license.name, None, "", reading.license.url, note)


@dataclass(frozen=True)
class _Part:
    verdict: str
    condition: str
    clause: Clause
    also: tuple[Clause, ...] = ()


def _unclear(term: Term, reading: _Reading) -> _Part:
    return _Part("unclear", term.reason, _deciding(term, reading), term.clauses[1:])


def _ask(
    question: str,
    subject: str,
    on: dt.date | str | None,
    table: LicenseTable | None,
    judge: Callable[[_Reading], _Part],
) -> Answer:
    """Judge the subject's license and those of the models it derives from; the strictest decides.

    The others' conditions and clauses are added to the deciding one.
    """
    readings = _readings(subject, on, table)
    parts = [judge(reading) for reading in readings]
    order = sorted(range(len(parts)), key=lambda i: (_RANK[parts[i].verdict], i))
    first = parts[order[0]]
    condition, also = first.condition, list(first.also)
    for i in order[1:]:
        other = parts[i]
        if other.condition:
            condition += f" Also, as {readings[i].label}: {other.condition}"
        also += [other.clause, *other.also]
    label = readings[0].label + "".join(f"; derived from {r.label}" for r in readings[1:])
    unique = tuple(dict.fromkeys(c for c in also if c != first.clause))
    return Answer(question, label, first.verdict, condition.strip(), first.clause, unique)


def _duties(reading: _Reading) -> tuple[str, tuple[Clause, ...]]:
    attribution = reading.terms["attribution"]
    if attribution.value == "required":
        return f"Duties: {attribution.summary}", attribution.clauses
    return "", attribution.clauses


def _check_count(value: Any, name: str, *, whole: bool = True) -> None:
    kinds = int if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < 0:
        what = "a whole number" if whole else "a number"
        raise ValueError(f"{name} must be {what} of at least 0, got {value!r}")


def may_ship_product(
    subject: str,
    monthly_active_users: int,
    *,
    annual_revenue_usd: float | None = None,
    on: dt.date | str | None = None,
    table: LicenseTable | None = None,
) -> Answer:
    """May a product with ``monthly_active_users`` users be built on ``subject`` and shipped?

    Checks the user-count (and revenue) thresholds, then the use restrictions the product must
    keep to. Thresholds are strict ("greater than 700 million"). ``annual_revenue_usd`` matters
    only where a clause counts revenue (MiniMax-M2's rider); left as ``None`` there, the answer
    says what happens above the revenue threshold. ``on`` picks the license a model had that day.
    """
    _check_count(monthly_active_users, "monthly_active_users")
    if annual_revenue_usd is not None:
        _check_count(annual_revenue_usd, "annual_revenue_usd", whole=False)
    users, revenue = monthly_active_users, annual_revenue_usd

    def judge(reading: _Reading) -> _Part:
        threshold, uses = reading.terms["user_threshold"], reading.terms["use_restrictions"]
        if threshold.value == "unclear":
            return _unclear(threshold, reading)
        verdict, conditions, clause = "yes", [], _deciding(threshold, reading)
        also = list(threshold.clauses[1:])
        limit = threshold.monthly_active_users
        if threshold.value == "license required":
            if users > limit:
                return _Part(
                    "no",
                    f"{users:,} monthly active users is more than {limit:,}: {threshold.summary}",
                    clause,
                    tuple(also),
                )
            conditions.append(f"{users:,} is not more than the {limit:,} of the user clause.")
        elif threshold.value == "display duty":
            revenue_limit = threshold.annual_revenue_usd
            over_revenue = (
                revenue_limit is not None and revenue is not None and revenue > revenue_limit
            )
            if users > limit or over_revenue:
                verdict = "conditional"
                over = "users" if users > limit else "revenue"
                conditions.append(
                    f"Above the threshold ({over}): display “{threshold.display}” on the "
                    "product's user interface."
                )
            elif revenue_limit is not None and revenue is None:
                verdict = "conditional"
                conditions.append(
                    f"{users:,} users is below {limit:,}, but if annual recurring revenue is "
                    f"above ${revenue_limit:,}, display “{threshold.display}” on the product's "
                    "user interface."
                )
        if uses.value == "unclear":
            return _unclear(uses, reading)
        if uses.value == "restricted":
            verdict = "conditional"
            conditions.append(f"The product must keep to the use restrictions: {uses.summary}")
            if threshold.value == "none":
                clause, also = _deciding(uses, reading), [*uses.clauses[1:]]
            else:
                also += uses.clauses
        duties, duty_clauses = _duties(reading)
        if duties:
            conditions.append(duties)
        return _Part(verdict, " ".join(conditions), clause, (*also, *duty_clauses))

    question = f"may a product with {users:,} monthly active users be built on it and shipped?"
    return _ask(question, subject, on, table, judge)


def _trade_names(publisher: str) -> list[str]:
    """The words of a publisher's name ("Alibaba (Qwen)" -> ["Alibaba", "Qwen"])."""
    return re.findall(r"[A-Za-z][A-Za-z0-9]+", publisher)


def may_release_derivative(
    subject: str,
    new_name: str,
    *,
    on: dt.date | str | None = None,
    table: LicenseTable | None = None,
) -> Answer:
    """May a fine-tuned version of ``subject`` be released, as weights, named ``new_name``?

    Checks the terms for distributing derivatives and the naming rule (a required prefix, or no
    trademark grant: then a name that uses the publisher's name is "unclear", since trademark law
    outside the license decides it).
    """
    if not isinstance(new_name, str) or not new_name.strip():
        raise ValueError(f"new_name must be a non-empty model name, got {new_name!r}")
    new_name = new_name.strip()

    def judge(reading: _Reading) -> _Part:
        derivatives, naming = reading.terms["derivatives"], reading.terms["naming"]
        if derivatives.value == "unclear":
            return _unclear(derivatives, reading)
        if naming.value == "unclear":
            return _unclear(naming, reading)
        duties, duty_clauses = _duties(reading)
        conditions, clause = [], _deciding(derivatives, reading)
        verdict = "conditional" if derivatives.value == "conditional" else "yes"
        if derivatives.value == "conditional":
            conditions.append(derivatives.summary)
        if naming.value == "prefix":
            clause = naming.clauses[0] if naming.clauses else _deciding(naming, reading)
            if not _key(new_name).startswith(_key(naming.prefix)):
                return _Part(
                    "no",
                    f"The name must begin with “{naming.prefix}” (for example "
                    f"“{naming.prefix}-{new_name}”): {naming.summary}",
                    clause,
                    (*naming.clauses[1:], *derivatives.clauses),
                )
            conditions.append(f"“{new_name}” begins with “{naming.prefix}”, as required.")
        elif naming.value == "no trademark grant":
            used = [w for w in _trade_names(reading.publisher) if w.lower() in new_name.lower()]
            if used:
                return _Part(
                    "unclear",
                    f"“{new_name}” uses the name “{used[0]}”. {naming.summary} Whether you "
                    "need the owner's permission is a question of trademark law, outside the "
                    "license.",
                    naming.clauses[0],
                    (*derivatives.clauses, *duty_clauses),
                )
            conditions.append(
                "Keep the licensor's names out of yours except to say where the model comes "
                "from: the license grants no trademark rights."
            )
        if duties:
            conditions.append(duties)
        also = (*derivatives.clauses, *naming.clauses, *duty_clauses)
        return _Part(verdict, " ".join(conditions), clause, also)

    question = f"may a fine-tuned version be released as “{new_name}”?"
    return _ask(question, subject, on, table, judge)


def may_train_on_outputs(
    subject: str,
    *,
    new_name: str | None = None,
    on: dt.date | str | None = None,
    table: LicenseTable | None = None,
) -> Answer:
    """May another model be trained on the outputs of ``subject`` (distillation)?

    ``new_name``, if given, is the name under which the new model will be distributed: where the
    only condition is a name prefix (Llama 3.1 and later), the answer is then yes or no. Model
    publishers' own statements count (DeepSeek-R1's README allows distillation in so many words).
    """
    if new_name is not None and (not isinstance(new_name, str) or not new_name.strip()):
        raise ValueError(f"new_name must be a model name or None, got {new_name!r}")
    name = new_name.strip() if new_name else None

    def judge(reading: _Reading) -> _Part:
        outputs = reading.terms["outputs_training"]
        clause, rest = _deciding(outputs, reading), outputs.clauses[1:]
        if outputs.value == "unclear":
            return _unclear(outputs, reading)
        if outputs.value in ("allowed", "prohibited"):
            verdict = "yes" if outputs.value == "allowed" else "no"
            return _Part(verdict, outputs.summary, clause, rest)
        prefix = outputs.name_prefix
        if prefix and name:
            if _key(name).startswith(_key(prefix)):
                return _Part("yes", f"“{name}” begins with “{prefix}”.", clause, rest)
            return _Part(
                "no",
                f"A distributed model trained on these outputs must have a name that begins "
                f"with “{prefix}” (for example “{prefix}-{name}”).",
                rest[0] if rest else clause,
                (clause, *rest[1:]),
            )
        return _Part("conditional", outputs.summary, clause, rest)

    named = f" and the new model released as “{name}”" if name else ""
    return _ask(f"may another model be trained on its outputs{named}?", subject, on, table, judge)


def grants_patent_license(
    subject: str, *, on: dt.date | str | None = None, table: LicenseTable | None = None
) -> Answer:
    """Does ``subject``'s license grant an explicit patent license, and what would end it?"""

    def judge(reading: _Reading) -> _Part:
        grant, retaliation = reading.terms["patent_grant"], reading.terms["patent_retaliation"]
        ends = f" What ends it: {retaliation.summary}" if retaliation.value == "yes" else ""
        clause = _deciding(grant, reading)
        if grant.value == "unclear":
            return _Part("unclear", grant.reason + ends, clause, retaliation.clauses)
        if grant.value == "explicit":
            also = (*grant.clauses[1:], *retaliation.clauses)
            return _Part("yes", grant.summary + ends, clause, also)
        return _Part("no", grant.summary, clause, grant.clauses[1:])

    question = "does it grant an explicit patent license, and what ends it?"
    return _ask(question, subject, on, table, judge)


def may_use_for_military(
    subject: str, *, on: dt.date | str | None = None, table: LicenseTable | None = None
) -> Answer:
    """Does ``subject``'s license allow military use?"""

    def judge(reading: _Reading) -> _Part:
        military = reading.terms["military_use"]
        if military.value == "unclear":
            return _unclear(military, reading)
        verdict = "no" if military.value == "prohibited" else "yes"
        return _Part(verdict, military.summary, _deciding(military, reading), military.clauses[1:])

    return _ask("may it be used for a military purpose?", subject, on, table, judge)


# ------------------------------------------------------------------------------ the table view


def _threshold_text(term: Term) -> str:
    if term.value in ("none", "unclear"):
        return term.value
    users = f">{term.monthly_active_users / 1e6:g}M MAU"
    if term.annual_revenue_usd:
        users += f" or ${term.annual_revenue_usd / 1e6:g}M ARR"
    return f"{users}: {'ask' if term.value == 'license required' else 'display'}"


def license_rows(table: LicenseTable | None = None) -> list[dict[str, str]]:
    """One short row per license: the columns ``minimoe licenses`` prints."""
    table = table or load_licenses()
    rows = []
    for lic in table.licenses.values():
        terms = lic.terms
        patent = terms["patent_grant"].value
        if terms["patent_retaliation"].value == "yes":
            patent += ", suit ends"
        naming = terms["naming"]
        rows.append(
            {
                "license": lic.id,
                "date": lic.date.isoformat(),
                "read": lic.status,
                "patent": patent,
                "users": _threshold_text(terms["user_threshold"]),
                "uses": terms["use_restrictions"].value,
                "outputs": terms["outputs_training"].value,
                "naming": f"“{naming.prefix}...”" if naming.value == "prefix" else naming.value,
                "law": terms["governing_law"].value,
                "OSI": terms["osi"].value,
            }
        )
    return rows


def model_rows(table: LicenseTable | None = None) -> list[dict[str, str]]:
    """One row per model and license period: model, released, license, from, publisher."""
    table = table or load_licenses()
    rows = []
    for model in table.models.values():
        for use in model.licenses:
            rows.append(
                {
                    "model": model.name,
                    "released": model.released.isoformat() if model.released else "?",
                    "license": use.license,
                    "from": use.start.isoformat() if use.start else "?",
                    "publisher": model.publisher,
                }
            )
    return rows


def format_rows(rows: Sequence[Mapping[str, str]]) -> str:
    """Rows of equal keys as an aligned text table with a header line."""
    if not rows:
        return "(no rows)"
    keys = list(rows[0])
    widths = {k: max(len(k), *(len(str(row[k])) for row in rows)) for k in keys}
    lines = ["  ".join(f"{k:<{widths[k]}}" for k in keys).rstrip()]
    lines.append("  ".join("-" * widths[k] for k in keys))
    lines += ["  ".join(f"{str(row[k]):<{widths[k]}}" for k in keys).rstrip() for row in rows]
    return "\n".join(lines)


def _term_record(term: Term) -> dict[str, Any]:
    record: dict[str, Any] = {"value": term.value, "summary": term.summary}
    if term.reason:
        record["reason"] = term.reason
    for extra in TERM_EXTRAS.get(term.name, ()):
        if getattr(term, extra) is not None:
            record[extra] = getattr(term, extra)
    record["clauses"] = [
        {"section": c.section, "quote": c.quote, "url": c.url, "note": c.note} for c in term.clauses
    ]
    return record


def _license_record(lic: License) -> dict[str, Any]:
    return {
        "id": lic.id,
        "name": lic.name,
        "kind": lic.kind,
        "date": lic.date.isoformat(),
        "date_note": lic.date_note,
        "source": lic.source,
        "url": lic.url,
        "status": lic.status,
        "terms": {name: _term_record(term) for name, term in lic.terms.items()},
        "note": lic.note,
    }


def _model_record(model: Model) -> dict[str, Any]:
    return {
        "name": model.name,
        "aliases": list(model.aliases),
        "kind": model.kind,
        "publisher": model.publisher,
        "released": model.released.isoformat() if model.released else None,
        "released_note": model.released_note,
        "licenses": [
            {
                "license": use.license,
                "from": use.start.isoformat() if use.start else None,
                "source": use.source,
                "url": use.url,
                "status": use.status,
                "note": use.note,
            }
            for use in model.licenses
        ],
        "derived_from": list(model.derived_from),
        "statements": {name: _term_record(term) for name, term in model.statements.items()},
        "note": model.note,
    }


def to_records(table: LicenseTable | None = None) -> dict[str, Any]:
    """The validated table as JSON-ready data in the file's own format (what ``--json`` writes;
    :func:`parse_table` reads it back)."""
    table = table or load_licenses()
    return {
        "about": table.about,
        "licenses": [_license_record(lic) for lic in table.licenses.values()],
        "models": [_model_record(model) for model in table.models.values()],
    }
