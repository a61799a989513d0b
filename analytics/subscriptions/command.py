"""The digest command's parse and answer (analytics/subscriptions/specs.py).

The answer is a headline (`title`) with the dating and section notices as its warnings and one
part per section that went out (`Answer.parts`, in digest order); `result` is the typed
`Digest` (the post's renderer reads it) and `--json` is the digest's own form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from analytics.answer import Answer
from analytics.commands.common import check_as_of, parse_date
from analytics.data.market import MarketData
from analytics.errors import NoData
from analytics.spec import ParseContext, Progress
from analytics.subscriptions.digest import Digest, compose_digest
from analytics.subscriptions.sections import parse_sections, sections_text


@dataclass(frozen=True)
class DigestRequest:
    """The sections (digest order) and the trading day asked (None: the last completed one)."""

    sections: tuple[str, ...]
    as_of: dt.date | None = None


def parse(values: dict[str, Any], ctx: ParseContext) -> DigestRequest:
    """sections ('streak, returns', 'all') and as_of (a past date). BadInput otherwise."""
    sections = parse_sections(values.get("sections"))
    as_of = parse_date(values.get("as_of"), name="as_of")
    check_as_of(as_of, ctx.today)
    return DigestRequest(sections, as_of)


def answer(data: MarketData, request: DigestRequest, progress: Progress) -> Answer:
    """The digest as of the request's day (blocking): see `digest_answer`.

    NoData when no section could be made: asked for, nothing to show is an error with each
    section's reason (the daily post says it in the channel instead; it does not come here)."""
    digest = compose_digest(data, request.sections, day=request.as_of, progress=progress)
    if not digest.answers:
        reasons = " ".join(digest.notices)
        raise NoData(f"No digest for {digest.trading_day}: every section failed. {reasons}")
    return digest_answer(digest)


def digest_answer(digest: Digest) -> Answer:
    """`digest` as one Answer: its headline, notices as warnings, each section a part."""
    names = [s.name for s in digest.sections]
    parts = tuple(a for _, a in digest.answers)
    return Answer(
        title=digest.headline,
        summary="" if parts else "Nothing to show: every section failed.",
        source="; ".join(dict.fromkeys(p.source for p in parts if p.source)),
        as_of=digest.data_as_of,
        warnings=digest.notices,
        data={"sections": sections_text(names)},
        advice_disclaimer=any(p.advice_disclaimer for p in parts),
        result=digest,
        parts=parts,
    )


def digest_json(answer: Answer) -> dict[str, Any]:
    """The --json view: the digest's own form (trading_day, data_as_of, early_close, headline,
    notices, sections [{name, ok, notice, answer}])."""
    digest: Digest = answer.result
    return digest.to_json()
