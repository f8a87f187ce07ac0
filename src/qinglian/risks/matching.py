"""The conflict-of-interest matching engine: what cadres declared against the supplier register, as plain data.

No database and no models: the service reads declarations and suppliers, hands them here as `Declaration`s and
`SupplierRecord`s, and writes the `Match`es this returns. A match is a lead for a person to check, never a finding.

What counts as a match (strongest first, the basis names of `vocab.MatchBasis`):
- credit_code: a declared business has the supplier's unified social credit code (score 1);
- person_id: a declared family member's (or the cadre's own) identity number is the supplier's legal
  representative's — compared through the keyed digests, never the numbers (score 1);
- name_exact: a declared business's name has the supplier's key (`names.normalise_company`) (score 1);
- name_similar: the names' similarity (`names.similarity`) reaches the rule's threshold (score = similarity);
- person_name: a family member's name is the supplier's legal representative's or a shareholder's, no identity
  numbers can settle it, and the member's declared employer is the supplier by name (score ≤ 0.5).

To keep false leads out: a name match is dropped when both sides have credit codes and they differ, or when both
names carry provinces and they differ (a name is unique only where it was registered); the same person's name
with different identity numbers is never a match; a name alone (王芳 is the legal representative of hundreds of
companies) is never enough. One cadre and one supplier make one match, whose evidence lists every reason.

Speed: suppliers are indexed once (by code, key, the legal representative's digest and name, and an inverted
index of trade-name bigrams). Similar names are found by prefix filtering: a name similar enough must share at
least one of the declared trade name's rarest bigrams, so only those posting lists are read, and candidates of
the wrong length are skipped before any similarity is computed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from qinglian.risks.names import TRADE_WEIGHT as _TRADE_WEIGHT
from qinglian.risks.names import (
    bigrams,
    company_core,
    company_region,
    dice,
    industry_similarity,
    normalise_credit_code,
    split_key,
    trade_threshold,
)

CREDIT_CODE, PERSON_ID, NAME_EXACT, NAME_SIMILAR, PERSON_NAME = (
    "credit_code",
    "person_id",
    "name_exact",
    "name_similar",
    "person_name",
)
STRENGTH = {CREDIT_CODE: 0, PERSON_ID: 1, NAME_EXACT: 2, NAME_SIMILAR: 3, PERSON_NAME: 4}
SPACES = re.compile(r"\s+")
DOTS = re.compile(r"[.•・‧∙]")
PROGRESS_EVERY = 500
PERSON_NAME_WEIGHT = 0.5  # a name corroborated by the employer is a weak lead: at most half

BUSINESS, FAMILY, SELF = "business", "family", "self"
LEGAL_REPRESENTATIVE, SHAREHOLDER = "legal_representative", "shareholder"


@dataclass(frozen=True, slots=True)
class Declaration:
    """One thing a cadre declared: a business run by a family member, a family member, or the cadre themself."""

    member_id: int
    source: str  # BUSINESS, FAMILY or SELF
    relation: str = ""
    person: str = ""
    person_index: str = ""  # keyed digest of the identity number (core.crypto.blind_index)
    person_masked: str = ""
    company: str = ""
    credit_code: str = ""
    employer: str = ""
    role: str = ""
    year: int | None = None

    def as_dict(self) -> dict:
        """What was declared, for the evidence (never the identity number's digest)."""
        fields = ("source", "relation", "person", "person_masked", "company", "credit_code", "employer", "role", "year")
        return {name: getattr(self, name) for name in fields if getattr(self, name) not in ("", None)}

    @property
    def label(self) -> str:
        if self.source == BUSINESS:
            return self.company or self.credit_code
        return self.person


@dataclass(frozen=True, slots=True)
class SupplierRecord:
    """A supplier as the engine sees it."""

    id: int
    name: str
    key: str
    credit_code: str = ""
    legal_representative: str = ""
    legal_rep_index: str = ""
    legal_rep_masked: str = ""
    shareholders: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "key": self.key,
            "credit_code": self.credit_code,
            "legal_representative": self.legal_representative,
            "legal_rep_id_masked": self.legal_rep_masked,
            "shareholders": list(self.shareholders),
        }


@dataclass
class Match:
    """A possible conflict between one cadre and one supplier, with every reason found."""

    member_id: int
    supplier_id: int
    basis: str
    score: float
    declared: str
    relation: str
    evidence: dict = field(default_factory=dict)
    signature: tuple = ()  # what makes two matches identical (to carry a decision from one check to the next)


@dataclass(slots=True)
class _Reason:
    basis: str
    score: float
    declaration: Declaration
    details: dict


class SupplierIndex:
    """The supplier register indexed for matching; build it once per check."""

    def __init__(self, suppliers: Iterable[SupplierRecord]):
        self.suppliers: list[SupplierRecord] = list(suppliers)
        self.by_code: dict[str, list[int]] = defaultdict(list)
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.by_rep_index: dict[str, list[int]] = defaultdict(list)
        self.by_person: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.postings: dict[str, list[int]] = defaultdict(list)
        self.trades: list[str] = []
        self.industries: list[str] = []
        self.grams: list[frozenset[str]] = []
        self._regions: dict[int, str] = {}
        self._employers: dict[str, tuple[str, dict[int, float]]] = {}
        for position, supplier in enumerate(self.suppliers):
            if supplier.credit_code:
                self.by_code[supplier.credit_code].append(position)
            if supplier.key:
                self.by_key[supplier.key].append(position)
            if supplier.legal_rep_index:
                self.by_rep_index[supplier.legal_rep_index].append(position)
            representative = person_key(supplier.legal_representative)
            if representative:
                self.by_person[representative].append((position, LEGAL_REPRESENTATIVE))
            for name in {person_key(name) for name in supplier.shareholders} - {representative, ""}:
                self.by_person[name].append((position, SHAREHOLDER))
            trade, industry = split_key(supplier.key)
            grams = bigrams(trade)
            self.trades.append(trade)
            self.industries.append(industry)
            self.grams.append(grams)
            for gram in grams:
                self.postings[gram].append(position)

    def __len__(self) -> int:
        return len(self.suppliers)

    def region(self, position: int) -> str:
        # Only the few suppliers a name matched need their name parsed again.
        region = self._regions.get(position)
        if region is None:
            region = self._regions[position] = company_region(self.suppliers[position].name)
        return region

    def similar(self, trade: str, industry: str, min_similarity: float) -> list[tuple[int, float]]:
        """Suppliers whose name is at least `min_similarity` alike, other than those with the very same key."""
        grams = bigrams(trade)
        if not grams:
            return []
        threshold = trade_threshold(min_similarity)
        size = len(grams)
        overlap = max(1, math.ceil(threshold * size / (2 - threshold)))
        # Any name sharing `overlap` of the bigrams shares one of any size - overlap + 1 of them: read the rarest.
        rarest = sorted(grams, key=lambda gram: len(self.postings.get(gram, ())))[: size - overlap + 1]
        smallest = threshold * size / (2 - threshold)
        largest = size * (2 - threshold) / threshold
        key = trade + industry
        seen: set[int] = set()
        found = []
        for gram in rarest:
            for position in self.postings.get(gram, ()):
                if position in seen:
                    continue
                seen.add(position)
                other = self.grams[position]
                if not smallest <= len(other) <= largest or self.suppliers[position].key == key:
                    continue
                trade_score = dice(grams, other)
                if trade_score < threshold:
                    continue
                score = _TRADE_WEIGHT * trade_score + (1 - _TRADE_WEIGHT) * industry_similarity(
                    industry, self.industries[position]
                )
                if score >= min_similarity:
                    found.append((position, round(score, 4)))
        return found

    def employer(self, name: str, min_similarity: float) -> tuple[str, dict[int, float]]:
        """An employer's key and the suppliers it is by name ({position: similarity}), worked out once per name."""
        found = self._employers.get(name)
        if found is None:
            core = company_core(name)
            at: dict[int, float] = {}
            if core.key:
                for position in self.by_key.get(core.key, ()):
                    at[position] = 1.0
                for position, score in self.similar(core.trade, core.industry, min_similarity):
                    at[position] = score
                if core.region:  # another province's company of that name is another company
                    at = {p: a for p, a in at.items() if not self.region(p) or self.region(p) == core.region}
            found = self._employers[name] = (core.key, at)
        return found


def person_key(name: str) -> str:
    """A person's name as written in both registers: no spaces, one kind of middle dot (阿依古丽·买买提)."""
    return DOTS.sub("·", SPACES.sub("", unicodedata.normalize("NFKC", name or "")))


def _codes_differ(code: str, supplier: SupplierRecord) -> bool:
    return bool(code and supplier.credit_code and code != supplier.credit_code)


def _company_reasons(declaration: Declaration, index: SupplierIndex, min_similarity: float):
    code = normalise_credit_code(declaration.credit_code)
    if code:
        for position in index.by_code.get(code, ()):
            yield position, _Reason(CREDIT_CODE, 1.0, declaration, {"credit_code": code})
    if not declaration.company:
        return
    core = company_core(declaration.company)
    if not core.key:
        return

    def names(position: int, basis: str, score: float) -> _Reason | None:
        supplier = index.suppliers[position]
        if _codes_differ(code, supplier):
            return None
        region = index.region(position)
        if core.region and region and core.region != region:
            return None
        details = {
            "declared_key": core.key,
            "supplier_key": supplier.key,
            "similarity": score,
            "declared_region": core.region,
            "supplier_region": region,
        }
        return _Reason(basis, score, declaration, details)

    for position in index.by_key.get(core.key, ()):
        if reason := names(position, NAME_EXACT, 1.0):
            yield position, reason
    for position, score in index.similar(core.trade, core.industry, min_similarity):
        if reason := names(position, NAME_SIMILAR, score):
            yield position, reason


def _person_reasons(declaration: Declaration, index: SupplierIndex, min_similarity: float):
    if declaration.person_index:
        for position in index.by_rep_index.get(declaration.person_index, ()):
            supplier = index.suppliers[position]
            details = {"matched": LEGAL_REPRESENTATIVE, "supplier_person": supplier.legal_representative}
            yield position, _Reason(PERSON_ID, 1.0, declaration, details)
    if declaration.source != FAMILY or not declaration.person or not declaration.employer:
        return
    candidates = index.by_person.get(person_key(declaration.person))
    if not candidates:
        return
    # The suppliers the employer is (by name) are few; the suppliers whose people share a common name are many:
    # look the employer up once and keep the names found among its suppliers.
    employer, at_employer = index.employer(declaration.employer, min_similarity)
    if not at_employer:
        return
    for position, role in candidates:
        alike = at_employer.get(position)
        if alike is None:
            continue
        supplier = index.suppliers[position]
        if role == LEGAL_REPRESENTATIVE and declaration.person_index and supplier.legal_rep_index:
            continue  # both numbers known: equal is a person_id match above, different is another person
        details = {
            "matched": role,
            "supplier_person": declaration.person,
            "employer_key": employer,
            "supplier_key": supplier.key,
            "similarity": alike,
        }
        yield position, _Reason(PERSON_NAME, round(PERSON_NAME_WEIGHT * alike, 4), declaration, details)


def find_matches(
    declarations: Iterable[Declaration],
    suppliers: SupplierIndex | Iterable[SupplierRecord],
    *,
    min_similarity: float,
    progress: Callable[[int], None] | None = None,
) -> list[Match]:
    """Every possible conflict between the declarations and the suppliers, strongest first within each cadre.

    `progress(n)` is told every PROGRESS_EVERY declarations how many are done."""
    index = suppliers if isinstance(suppliers, SupplierIndex) else SupplierIndex(suppliers)
    found: dict[tuple[int, int], list[_Reason]] = defaultdict(list)
    for done, declaration in enumerate(declarations, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
        if declaration.source == BUSINESS:
            reasons = _company_reasons(declaration, index, min_similarity)
        else:
            reasons = _person_reasons(declaration, index, min_similarity)
        for position, reason in reasons:
            found[(declaration.member_id, position)].append(reason)
    matches = [_match(member, index.suppliers[position], reasons) for (member, position), reasons in found.items()]
    matches.sort(key=lambda m: (m.member_id, STRENGTH[m.basis], -m.score, m.supplier_id))
    return matches


def _identity(declaration: Declaration) -> list[tuple[str, object]]:
    return [(key, value) for key, value in declaration.as_dict().items() if key != "year"]


def _match(member_id: int, supplier: SupplierRecord, reasons: list[_Reason]) -> Match:
    reasons.sort(key=lambda r: (STRENGTH[r.basis], -r.score))
    unique: list[_Reason] = []
    seen = set()
    for reason in reasons:
        mark = (reason.basis, reason.declaration)
        if mark not in seen:
            seen.add(mark)
            unique.append(reason)
    primary = unique[0]
    declared = primary.declaration
    evidence = {
        "declared": declared.as_dict(),
        "supplier": supplier.as_dict(),
        "reasons": [
            {"basis": r.basis, "score": r.score, "declared": r.declaration.as_dict(), **r.details} for r in unique
        ],
    }
    # What makes two matches the same: the cadre, the supplier's record and what was declared -- not the year of
    # the file it was declared in (next year's file repeats this year's declaration).
    signature = (
        member_id,
        supplier.id,
        tuple(sorted((r.basis, tuple(sorted(_identity(r.declaration)))) for r in unique)),
        tuple(sorted((k, str(v)) for k, v in supplier.as_dict().items())),
        supplier.legal_rep_index,
    )
    return Match(
        member_id=member_id,
        supplier_id=supplier.id,
        basis=primary.basis,
        score=primary.score,
        declared=declared.label[:200],
        relation=declared.relation if declared.source != SELF else SELF,
        evidence=evidence,
        signature=signature,
    )
