// The lecture's media through hls.js (vendored, loaded before the modules as window.Hls): the
// signed play_url kept on the page's own origin, the latest media_query on every media request,
// and the errors hls.js recovers from by itself.

import { sameServer } from "../api.js";

export class HlsMedia {
  // `mediaQuery()`: the session's latest media_query; `onError(data)`: every hls.js error;
  // `onSubtitles(tracks, current)`: the lecture's caption tracks, and the one hls.js picked.
  constructor(el, videoId, mediaQuery, onError, onSubtitles) {
    this.el = el;
    this.keyPath = `/api/v1/playback/key/${videoId}`;
    this.mediaQuery = mediaQuery;
    this.onError = onError;
    this.onSubtitles = onSubtitles;
    this.hls = null;
  }

  static supported() {
    return Boolean(window.Hls && window.Hls.isSupported());
  }

  attach(url, at, autoplay) {
    if (this.hls) this.hls.destroy();
    const hls = new window.Hls({
      startPosition: at,
      enableWorker: true,
      // At most 30 s fetched ahead, whatever the bitrate (hls.js would take up to 600 s of a
      // small one): what a revoked session still holds once its URLs lapse stays short.
      maxBufferLength: 30,
      maxMaxBufferLength: 30,
      // Playlists name absolute signed URLs: keep them on the page's own origin (sameServer),
      // with the latest media_query in (mediaUrl).
      xhrSetup: (xhr, target) => xhr.open("GET", this.mediaUrl(sameServer(target)), true),
    });
    this.hls = hls;
    hls.subtitleDisplay = false; // cues timed by the browser, drawn by captions.js
    hls.on(window.Hls.Events.ERROR, (_event, data) => this.onError(data));
    // hls.js picks its own track (the default one) just after telling of the tracks: the
    // player's choice is applied once that is done.
    hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, (_event, data) =>
      queueMicrotask(() => this.hls === hls && this.onSubtitles(data.subtitleTracks, hls.subtitleTrack)),
    );
    if (autoplay) hls.once(window.Hls.Events.MANIFEST_PARSED, () => this.el.play().catch(() => {}));
    hls.loadSource(sameServer(url));
    hls.attachMedia(this.el);
  }

  // Every request for this video's media (under media_query's acl) and for its key carries the
  // latest media_query, whatever query the playlist named: the URLs hls.js holds outlive their
  // signatures, and playback goes on across refreshes without re-attaching (docs/cdn.md).
  mediaUrl(target) {
    const query = this.mediaQuery();
    const acl = query && new URLSearchParams(query).get("acl");
    const url = new URL(target);
    if (acl && (url.pathname.startsWith(acl) || url.pathname === this.keyPath)) {
      url.search = `?${query}`;
    }
    return url.href;
  }

  // The caption track shown (its index in the tracks told; -1: none).
  showSubtitles(index) {
    if (this.hls) this.hls.subtitleTrack = index;
  }

  // A fatal error hls.js can get over (the media's, the network's): it does; false for others.
  recover(data) {
    if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
      this.hls.recoverMediaError();
    } else if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
      this.hls.startLoad(this.el.currentTime);
    } else {
      return false;
    }
    return true;
  }

  destroy() {
    if (this.hls) this.hls.destroy();
    this.hls = null;
  }
}
