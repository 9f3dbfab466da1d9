// Why playback may not start, in the student's words: the `detail` of a refused
// POST /playback/start, and the `reason` of a video the list says they cannot play.

export const START_DENIALS = {
  blocked: "Your instructor has blocked this video for you.",
  no_session_access: "You do not have access to this session.",
  enrollment_mismatch: "Your enrollment does not cover this video (not active, or another lecture).",
  not_enrolled: "You are not enrolled in this lecture.",
  video_not_ready: "This video is still being prepared. Try again in a few minutes.",
  device_limit_exceeded:
    "You are already watching on the maximum number of devices. Stop the video on another device first.",
  concurrency_limit_exceeded:
    "You already have the maximum number of videos playing. Stop one of them first.",
  rate_limited: "Too many attempts to start playback. Wait a minute and try again.",
};
