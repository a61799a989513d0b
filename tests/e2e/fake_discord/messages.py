"""Messages the bot creates: interaction callbacks, webhook follow-ups and edits, channel posts;
what the fake records of each (``Sent``) and how Discord stores them (attachments, embeds).
"""

from __future__ import annotations

import copy
import mimetypes
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .wire import FLAG_EPHEMERAL, FLAG_LOADING, ApiError, RecordedRequest, _iso_now
from .world import _ATTACH, _HISTORY, _SEND, _VIEW

if TYPE_CHECKING:
    from .interactions import InteractionHandle


@dataclass
class Sent:
    """Something the bot sent for an interaction or to a channel.

    kind: "callback" (interaction response), "followup" (webhook POST), "edit" (webhook
    PATCH of @original or of a follow-up), "channel" (POST /channels/{id}/messages) or "dm"
    (the same in a DM channel, dms.py).
    payload: the JSON body the bot sent (``payload_json`` of a multipart body); for a
    callback it is ``{"type": N, "data": {...}}``. files: uploaded files by filename.
    message: the message object the fake answered with (None for callbacks without one).
    at: `time.perf_counter()` when the fake recorded it (what the bench times answers by).
    """

    kind: str
    payload: dict[str, Any]
    files: dict[str, bytes]
    message: dict[str, Any] | None
    at: float = field(default_factory=time.perf_counter, compare=False)

    @property
    def type(self) -> int | None:
        """The interaction callback type (4 message, 5 deferred, 8 autocomplete...)."""
        return self.payload.get("type") if self.kind == "callback" else None

    @property
    def data(self) -> dict[str, Any]:
        """The message fields the bot sent: ``payload["data"]`` for callbacks."""
        if self.kind == "callback":
            return self.payload.get("data") or {}
        return self.payload

    @property
    def content(self) -> str | None:
        return self.data.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Embeds as the bot sent them (image urls still ``attachment://name``)."""
        return list(self.data.get("embeds") or [])

    @property
    def flags(self) -> int:
        """Flags of the resulting message (for follow-ups to a defer, the defer's ones)."""
        if self.message is not None:
            return int(self.message.get("flags") or 0)
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete choices (callback type 8)."""
        return list(self.data.get("choices") or [])


class MessagesMixin:
    """REST handlers that create, edit or delete messages."""

    def _handle(self, app: str | None, token: str) -> InteractionHandle:
        handle = self._interactions.get(token)
        if handle is None or (app is not None and int(app) != self.application_id):
            raise ApiError(404, 10015, "Unknown Webhook")
        return handle

    def _post_callback(self, req: RecordedRequest, iid: str, token: str) -> tuple[int, Any]:
        handle = self._interactions.get(token)
        if handle is None or handle.id != int(iid):
            raise ApiError(404, 10062, "Unknown interaction")
        if handle.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        payload = req.json or {}
        ctype = payload.get("type")
        data = payload.get("data") or {}
        resource: dict[str, Any] = {"type": ctype}
        message = None
        if ctype == 4:
            message = self._message(
                handle.channel_id, data, req.files, flags=int(data.get("flags") or 0)
            )
            message |= self._interaction_message_fields(handle)
        elif ctype == 5:
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            message = self._message(handle.channel_id, {}, {}, flags=flags)
            message |= self._interaction_message_fields(handle)
        if message is not None:
            handle.original = message
            resource["message"] = message
        interaction = {"id": str(handle.id), "type": handle.type}
        if message is not None:
            interaction |= {
                "response_message_id": message["id"],
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": bool(message["flags"] & FLAG_EPHEMERAL),
            }
        handle._record(Sent("callback", payload, req.files, message))
        return 200, {"interaction": interaction, "resource": resource}

    def _interaction_message_fields(self, handle: InteractionHandle) -> dict[str, Any]:
        return {
            "type": 20,  # CHAT_INPUT_COMMAND
            "webhook_id": str(self.application_id),
            "application_id": str(self.application_id),
            "interaction_metadata": {
                "id": str(handle.id),
                "type": handle.type,
                "user": handle.payload.get("member", {}).get("user") or handle.payload.get("user"),
                "authorizing_integration_owners": handle.payload["authorizing_integration_owners"],
            },
        }

    def _post_followup(self, req: RecordedRequest, app: str, token: str) -> tuple[int, Any]:
        handle = self._handle(app, token)
        if not handle.acknowledged:
            # Real Discord has no webhook for the token until the interaction is answered.
            raise ApiError(404, 10015, "Unknown Webhook")
        data = req.json or {}
        original = handle.original
        if original is not None and original["flags"] & FLAG_LOADING:
            # The first follow-up after a defer replaces the "thinking..." message and keeps
            # the defer's ephemerality, whatever flags it asks for.
            message = self._edited(original, data, req.files)
            message["flags"] = original["flags"] & ~FLAG_LOADING
            handle.original = message
        else:
            message = self._message(
                handle.channel_id, data, req.files, flags=int(data.get("flags") or 0)
            )
            message |= self._interaction_message_fields(handle)
            handle.followups[int(message["id"])] = message
        handle._record(Sent("followup", data, req.files, message))
        return 200, message

    def _webhook_message(self, handle: InteractionHandle, mid: str) -> dict[str, Any]:
        message = handle.original if mid == "@original" else handle.followups.get(int(mid))
        if message is None:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    def _get_wh(self, req: RecordedRequest, app: str, token: str, mid: str) -> tuple[int, Any]:
        return 200, self._webhook_message(self._handle(app, token), mid)

    def _patch_wh(self, req: RecordedRequest, app: str, token: str, mid: str) -> tuple[int, Any]:
        handle = self._handle(app, token)
        message = self._edited(self._webhook_message(handle, mid), req.json or {}, req.files)
        message["flags"] &= ~FLAG_LOADING
        message["edited_timestamp"] = _iso_now()
        if mid == "@original":
            handle.original = message
        else:
            handle.followups[int(mid)] = message
        handle._record(Sent("edit", req.json or {}, req.files, message))
        return 200, message

    def _del_wh(self, req: RecordedRequest, app: str, token: str, mid: str) -> tuple[int, Any]:
        handle = self._handle(app, token)
        self._webhook_message(handle, mid)
        if mid == "@original":
            handle.original = None
        else:
            del handle.followups[int(mid)]
        return 204, None

    def _post_channel_message(self, req: RecordedRequest, cid: str) -> tuple[int, Any]:
        channel_id = int(cid)
        self._channel(channel_id)
        perms = self.bot_permissions(channel_id)
        if not perms & _VIEW:
            raise ApiError(403, 50001, "Missing Access")
        if not perms & _SEND or (req.files and not perms & _ATTACH):
            raise ApiError(403, 50013, "Missing Permissions")
        data = req.json or {}
        nonce = data.get("nonce")
        key = (self.bot_user["id"], str(nonce))
        if nonce is not None and data.get("enforce_nonce"):
            # Discord: the same author and nonce within a few minutes returns the first
            # message and creates none.
            first = self._nonces.get(key)
            if first is not None and self.clock() - first[0] < self.nonce_window:
                self.nonce_repeats.append(req)
                return 200, copy.deepcopy(first[1])
        message = self._message(channel_id, data, req.files, flags=int(data.get("flags") or 0))
        message["guild_id"] = str(self._channel(channel_id)["guild_id"])
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[key] = (self.clock(), copy.deepcopy(message))
        self.channel_messages.setdefault(channel_id, []).append(
            Sent("channel", data, req.files, message)
        )
        return 200, message

    def _get_channel_messages(self, req: RecordedRequest, cid: str) -> tuple[int, Any]:
        """GET /channels/{id}/messages: newest first, ``limit`` 1-100 (default 50), ``before``
        / ``after`` a message id. Needs View Channel; without Read Message History Discord
        answers an empty list. Listed messages carry no nonce, as on Discord."""
        channel_id = int(cid)
        self._channel(channel_id)
        perms = self.bot_permissions(channel_id)
        if not perms & _VIEW:
            raise ApiError(403, 50001, "Missing Access")
        try:
            limit = int(req.query.get("limit", 50))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            errors = {"limit": {"_errors": [{"code": "NUMBER_TYPE_MAX", "message": "1-100"}]}}
            raise ApiError(400, 50035, "Invalid Form Body", errors)
        if not perms & _HISTORY:
            return 200, []
        messages = [s.message for s in self.channel_messages.get(channel_id, []) if s.message]
        if "before" in req.query:
            messages = [m for m in messages if int(m["id"]) < int(req.query["before"])]
        if "after" in req.query:
            messages = [m for m in messages if int(m["id"]) > int(req.query["after"])]
        newest_first = sorted(messages, key=lambda m: int(m["id"]), reverse=True)[:limit]
        return 200, [{k: v for k, v in m.items() if k != "nonce"} for m in newest_first]

    # ------------------------------------------------------------- messages
    def _message(
        self, channel_id: int, data: dict[str, Any], files: dict[str, bytes], *, flags: int
    ) -> dict[str, Any]:
        message = {
            "id": str(self._snowflake()),
            "type": 0,
            "channel_id": str(channel_id),
            "author": self.bot_user,
            "content": "",
            "embeds": [],
            "attachments": [],
            "components": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": _iso_now(),
            "edited_timestamp": None,
            "flags": flags,
        }
        return self._edited(message, data, files)

    def _edited(
        self, message: dict[str, Any], data: dict[str, Any], files: dict[str, bytes]
    ) -> dict[str, Any]:
        """``message`` with the fields of ``data`` applied, as Discord stores them."""
        message = copy.deepcopy(message)
        if "content" in data:
            message["content"] = data["content"] or ""
        if "components" in data:
            message["components"] = data["components"] or []
        if "attachments" in data or files:
            keep = {str(a["id"]) for a in data.get("attachments") or []}
            kept = [a for a in message["attachments"] if a["id"] in keep]
            message["attachments"] = kept + [
                self._attachment(message["channel_id"], name, blob) for name, blob in files.items()
            ]
        if "embeds" in data:
            urls = {f"attachment://{a['filename']}": a["url"] for a in message["attachments"]}
            message["embeds"] = [_with_attachment_urls(e, urls) for e in data["embeds"] or []]
        return message

    def _attachment(self, channel_id: str, filename: str, blob: bytes) -> dict[str, Any]:
        aid = str(self._snowflake())
        url = f"https://cdn.discordapp.com/attachments/{channel_id}/{aid}/{filename}"
        return {
            "id": aid,
            "filename": filename,
            "size": len(blob),
            "url": url,
            "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
            "content_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
        }


def _with_attachment_urls(embed: dict[str, Any], urls: Mapping[str, str]) -> dict[str, Any]:
    """Discord rewrites ``attachment://name`` in embed images to the uploaded file's URL."""
    embed = copy.deepcopy(embed)
    for key in ("image", "thumbnail"):
        part = embed.get(key)
        if isinstance(part, dict) and part.get("url") in urls:
            part["proxy_url"] = part["url"] = urls[part["url"]]
    return embed
