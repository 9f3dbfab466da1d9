// What the server's answers to a started session's calls mean for it, and what the student is
// told: the session ends (with, for some, an offer to go on in a new one where the video was),
// its token wants renewing, or the failure is passing (503, the network: the next call tries
// again).

export const RENEW = "renew";

// `{message, restart}` (restart: the offer's label, or absent), RENEW, or null when passing.
// `violations`: the attempts this page reported, which tell a revocation from another end.
export function sessionAnswer(error, violations) {
  if (error.status === 409 && error.detail === "session_inactive") {
    return {
      message:
        violations > 0
          ? "This viewing session was revoked after repeated attempts to seek or change the speed against this video's rules. Your instructor can see these attempts."
          : "This viewing session has ended (it expired, or was closed elsewhere).",
    };
  }
  if (error.status === 403 && error.detail === "policy_changed") {
    return { message: "Your instructor changed the rules for this video.", restart: "Continue with the new rules" };
  }
  if (error.status === 403 && error.detail === "token_expired") return RENEW;
  if (error.status === 401) return { message: "Your sign-in has expired. Sign in again to continue." };
  if (error.status === 403) return { message: `Playback was refused (${error.detail}).` };
  return null;
}

// A refresh refused for an expired token: nothing renews it (the page slept past it).
export const EXPIRED = { message: "This viewing session has expired.", restart: "Continue" };
