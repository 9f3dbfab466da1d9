// This browser's device id, as the device limit counts devices: made once, kept in localStorage.

const DEVICE_KEY = "academy-video.device";

export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}
