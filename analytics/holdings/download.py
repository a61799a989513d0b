"""Downloading a fund's holdings file from iShares with aiohttp.

Two URLs are tried in order: the long-standing `.ajax` download link, then
`latest-holdings.csv`, which reports from 2026 say serves the file when the `.ajax` link
answers a web page. Both are sent with a browser User-Agent; an HTML answer counts as a
failure. When both fail the caller gets one UpstreamError with a plain message.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from analytics.errors import BadInput, RateLimited, UpstreamError
from analytics.holdings.funds import ISHARES_BASE_URL, Fund, get_fund
from analytics.holdings.ishares import WEB_PAGE_MESSAGE, Holdings, parse_ishares_holdings

log = logging.getLogger(__name__)

# The id of the "download holdings" component on every iShares US fund page.
AJAX_COMPONENT_ID = "1467271812596"
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
DEFAULT_TIMEOUT_S = 30.0
_TOO_MANY = "too many requests"


def holdings_urls(fund: Fund, base_url: str = ISHARES_BASE_URL) -> list[str]:
    """The download URLs to try for `fund`, in order."""
    page = base_url.rstrip("/") + fund.page_path
    return [
        f"{page}/{AJAX_COMPONENT_ID}.ajax?fileType=csv&fileName={fund.symbol}_holdings&dataType=fund",
        f"{page}/latest-holdings.csv",
    ]


async def fetch_holdings(
    session: aiohttp.ClientSession,
    fund: str | Fund,
    *,
    base_url: str = ISHARES_BASE_URL,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Holdings:
    """Download and parse `fund`'s latest holdings from iShares.

    Raises BadInput for a fund we have no source for, RateLimited when iShares says "too
    many requests", and UpstreamError when neither URL gives a holdings file (unreachable,
    5xx, or a web page instead of the CSV).
    """
    fund = get_fund(fund)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    problems: list[str] = []
    for url in holdings_urls(fund, base_url):
        body, problem = await _download(session, url, timeout)
        if body is None:
            log.warning("iShares download failed for %s (%s): %s", fund.symbol, url, problem)
            problems.append(problem)
            continue
        text = body.decode("utf-8-sig", errors="replace")
        try:
            # Parsing ~2,000 rows is CPU work; keep it off the event loop.
            return await asyncio.to_thread(parse_ishares_holdings, text, fund=fund)
        except BadInput as exc:
            log.warning(
                "iShares answer for %s (%s) is not a holdings file: %s", fund.symbol, url, exc
            )
            web_page = exc.message == WEB_PAGE_MESSAGE
            problems.append("a web page instead of the file" if web_page else "an unreadable file")
    reasons = ", ".join(dict.fromkeys(problems))
    message = (
        f"Could not download {fund.symbol} holdings from iShares ({reasons}). Try again later, "
        f"or download the CSV from {ISHARES_BASE_URL}{fund.page_path} and run "
        f"`marketbot import holdings {fund.symbol} FILE`."
    )
    if set(problems) == {_TOO_MANY}:
        raise RateLimited(message)
    raise UpstreamError(message)


async def _download(
    session: aiohttp.ClientSession, url: str, timeout: aiohttp.ClientTimeout
) -> tuple[bytes | None, str]:
    """(body, "") for a 200 answer, else (None, what went wrong in a few words)."""
    headers = {"User-Agent": BROWSER_USER_AGENT, "Accept": "text/csv,text/plain,*/*"}
    try:
        async with session.get(url, headers=headers, timeout=timeout) as response:
            if response.status == 429:
                return None, _TOO_MANY
            if response.status != 200:
                return None, f"HTTP {response.status}"
            return await response.read(), ""
    except TimeoutError:  # before ClientError: aiohttp's timeouts are both
        return None, "timed out"
    except aiohttp.ClientConnectionError:
        return None, "unreachable"
    except aiohttp.ClientError as exc:
        return None, f"a broken answer ({type(exc).__name__})"
