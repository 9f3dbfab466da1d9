// The reference student player: hls.js on the signed play_url, the policy applied exactly as the
// server judges it, heartbeats with the position, batched player events, and a clear message
// whenever the server ends or changes the session. This module signs the student in; player/
// holds one module per job (player/playback.js coordinates a viewing session).

import { requireLogin, signOutButton } from "./api.js";
import { showPicker, track } from "./player/picker.js";

requireLogin(document.getElementById("app"), ["student"], (who) => {
  document.getElementById("who").replaceChildren(
    `user ${who.user} · ${who.tenant} `,
    signOutButton(),
  );
  track();
  showPicker(who);
});
