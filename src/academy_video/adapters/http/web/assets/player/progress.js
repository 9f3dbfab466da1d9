// What the student watched of a video before this session (GET /video-progress): the furthest
// point, which bounded seeking allows up to, and where to resume.

import { api } from "../api.js";

export async function watchedBefore(video) {
  try {
    const rows = await api("GET", `/video-progress/?video=${video.id}&enrollment=${video.enrollment_id}`);
    const row = rows && rows[0];
    if (!row) return { max: 0, resume: 0 };
    const duration = video.duration || 0;
    const max = Math.max(row.last_position || 0, (row.progress || 0) * duration);
    const resume = row.completed || row.last_position > duration - 5 ? 0 : row.last_position;
    return { max, resume };
  } catch {
    return { max: 0, resume: 0 };
  }
}
