// What the console's modules share: who is signed in, the open session, video and tab, and the
// two DOM lookups.

export const state = {
  me: null,
  sessions: [],
  session: null, // the selected session
  videos: [],
  video: null, // the open video
  edited: null, // the open video as its edit form was filled
  pendingVideo: null, // a video id from the address, opened when the list arrives
  tab: "students",
  tabGen: 0, // bumps on every tab/video switch: late answers for an old view are dropped
};

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];
