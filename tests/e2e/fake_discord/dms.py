"""Direct messages: POST /users/@me/channels opens (or returns) the DM channel with a user;
messages posted there are recorded per user in ``dm_messages``; a user whose DMs are closed
(``close_dms``) makes the post answer 403 "Cannot send messages to this user" (50007), as
Discord does for a member who does not accept DMs from the server.

DM channels share the channel routes (GET /channels/{id}, POST and GET
/channels/{id}/messages): this mixin answers for DM channel ids and leaves the others to the
guild channel handlers (``super()``), so it must come before MessagesMixin and RoutesMixin.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from .messages import Sent
from .wire import ApiError, RecordedRequest

DM_CHANNEL_BASE = 1_100_000_000_000_000_400


class DmsMixin:
    """DM channels by user, their messages, and closed DMs."""

    def _build_dms(self) -> None:
        self.dm_channels: dict[int, dict[str, Any]] = {}
        """DM channel id -> its payload."""
        self.dm_messages: dict[int, list[Sent]] = {}
        """User id -> the messages the bot posted in its DM channel, oldest first."""
        self.closed_dms: set[int] = set()
        """Users who do not accept DMs from the bot (posting to them answers 50007)."""

    def close_dms(self, user_id: int) -> None:
        self.closed_dms.add(int(user_id))

    def open_dms(self, user_id: int) -> None:
        self.closed_dms.discard(int(user_id))

    def dm_channel_of(self, user_id: int) -> int | None:
        for cid, channel in self.dm_channels.items():
            if int(channel["recipients"][0]["id"]) == int(user_id):
                return cid
        return None

    def _dm_recipient(self, channel_id: int) -> int:
        return int(self.dm_channels[channel_id]["recipients"][0]["id"])

    def _post_dm_channel(self, req: RecordedRequest) -> tuple[int, Any]:
        body = req.json or {}
        try:
            user_id = int(body["recipient_id"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, 50035, "Invalid Form Body") from None
        existing = self.dm_channel_of(user_id)
        if existing is not None:
            return 200, self.dm_channels[existing]
        user = self.users.get(str(user_id)) or self._user(user_id, f"user{user_id}")
        cid = DM_CHANNEL_BASE + len(self.dm_channels)
        channel = {
            "id": str(cid),
            "type": 1,
            "recipients": [user],
            "last_message_id": None,
            "flags": 0,
        }
        self.dm_channels[cid] = channel
        return 200, channel

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Any, bool]]:
        opening = ("POST", re.compile(r"^/users/@me/channels$"), self._post_dm_channel, True)
        return [opening, *super()._route_table()]  # type: ignore[misc]

    # -- the channel routes, for DM channels -------------------------------------------------
    def _get_channel(self, req: RecordedRequest, cid: str) -> tuple[int, Any]:
        if int(cid) in self.dm_channels:
            return 200, self.dm_channels[int(cid)]
        return super()._get_channel(req, cid)  # type: ignore[misc]

    def _post_channel_message(self, req: RecordedRequest, cid: str) -> tuple[int, Any]:
        channel_id = int(cid)
        if channel_id not in self.dm_channels:
            return super()._post_channel_message(req, cid)  # type: ignore[misc]
        user_id = self._dm_recipient(channel_id)
        if user_id in self.closed_dms:
            raise ApiError(403, 50007, "Cannot send messages to this user")
        data = req.json or {}
        nonce = data.get("nonce")
        key = (self.bot_user["id"], str(nonce))
        if nonce is not None and data.get("enforce_nonce"):
            first = self._nonces.get(key)
            if first is not None and self.clock() - first[0] < self.nonce_window:
                self.nonce_repeats.append(req)
                return 200, copy.deepcopy(first[1])
        message = self._message(channel_id, data, req.files, flags=int(data.get("flags") or 0))
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[key] = (self.clock(), copy.deepcopy(message))
        self.dm_messages.setdefault(user_id, []).append(Sent("dm", data, req.files, message))
        return 200, message

    def _get_channel_messages(self, req: RecordedRequest, cid: str) -> tuple[int, Any]:
        channel_id = int(cid)
        if channel_id not in self.dm_channels:
            return super()._get_channel_messages(req, cid)  # type: ignore[misc]
        limit = int(req.query.get("limit", 50))
        sent = self.dm_messages.get(self._dm_recipient(channel_id), [])
        messages = sorted(
            (s.message for s in sent if s.message), key=lambda m: int(m["id"]), reverse=True
        )[:limit]
        return 200, [{k: v for k, v in m.items() if k != "nonce"} for m in messages]
