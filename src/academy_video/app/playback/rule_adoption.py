"""A session whose token is staler than the rules in force (``live.py`` comes here only when
``stale`` says so): the rules in force decide (``PolicyUpdates``). A heartbeat or refresh adopts
a loosened policy and answers it with a new token; an event batch under the old token is
accepted; a tightening is ``policy_changed``. Only this path loads anything, bounded
(``StaleTokenJudge``: its own executor, one evaluation per session at a time, answers
remembered); once the session adopted the rules in force (noted in the session store), its
older tokens take the hot path again: old players never swap tokens."""

from __future__ import annotations

from ..errors import Conflict
from ..ports import LiveState, SessionStore
from ..tokens import PlaybackClaims, TokenCodec
from .live_answers import Beat
from .policy_updates import PolicyUpdate, PolicyUpdates
from .stale_tokens import StaleTokenJudge


class RuleAdoption:
    def __init__(
        self,
        *,
        store: SessionStore,
        updates: PolicyUpdates,
        tokens: TokenCodec,
        judge: StaleTokenJudge,
    ) -> None:
        self.store = store
        self.updates = updates
        self.tokens = tokens
        self.judge = judge

    def adopted(self, claims: PlaybackClaims, *, alive: bool) -> PolicyUpdate:
        """``follow``, noting the versions the session adopted in the session store (its
        older tokens then take the hot path)."""
        update = self.follow(claims, alive=alive)
        self.store.adopt(
            tenant=claims.tenant,
            user_id=claims.user_id,
            session_id=claims.session_id,
            versions=update.claims.versions,
        )
        return update

    def follow(self, claims: PlaybackClaims, *, alive: bool) -> PolicyUpdate:
        """Adopt the rules in force for a live session; for one no longer live, only say
        whether they tightened its own (``policy_changed``, the seed's order: versions before
        liveness) or not (``session_inactive``): nothing is recorded on a session gone."""
        if not alive:
            self.updates.check_claims(claims)
            raise Conflict("session_inactive")
        return self.updates.adopt(claims)

    async def told_again(self, claims: PlaybackClaims, state: LiveState) -> Beat:
        """The heartbeat of an older token of a session that adopted the rules in force: the
        adoption's answer again if this process still remembers it (its answer was lost on the
        way, the player asks again), else nothing to tell (a refresh hands the policy over)."""
        question = ("adopt", claims, state.versions, True)
        update = await self.judge.remembered(claims.session_id, question)
        if not isinstance(update, PolicyUpdate) or not update.news:
            return Beat(claims)
        return Beat(update.claims, update.policy, self.tokens.encode(update.claims), update.change)
