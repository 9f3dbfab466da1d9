"""The Lua scripts of the heartbeat batch and of the versions mirror (``heartbeats.py``)."""

# One beat (the session's keys ``live``, ``devices``, ``revoked``, ``adopted``; the mirrored
# versions ``p`` and ``g``, false where missing; its arguments from ARGV[a]), its answer appended.
BEAT = """
  local sid, pv, gv, extend = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  for _, s in ipairs(redis.call('ZRANGEBYSCORE', live, '-inf', now)) do
    redis.call('HDEL', devices, s)
    redis.call('HDEL', adopted, s)
  end
  redis.call('ZREMRANGEBYSCORE', live, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', revoked, '-inf', now)
  local alive, noted = 0, ''
  if (not redis.call('ZSCORE', revoked, sid)) and redis.call('ZSCORE', live, sid) then
    alive = 1
    if not (p == pv and g == gv) then noted = redis.call('HGET', adopted, sid) or '' end
    if extend == '1' and p and g and ((p == pv and g == gv) or noted == p .. ':' .. g) then
      redis.call('ZADD', live, 'XX', now + ttl, sid)
      redis.call('EXPIRE', live, ttl + slack)
      redis.call('EXPIRE', devices, ttl + slack)
      redis.call('EXPIRE', adopted, ttl + slack)
    end
  end
  out[#out + 1] = {p or '', g or '', alive, noted}
"""

HEAD = """
local now, ttl, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
"""

# One Redis: the beats of many students, each reading its mirror keys itself (6 keys a beat).
BEATS = (
    HEAD
    + """
for i = 0, #KEYS / 6 - 1 do
  local live, devices, revoked = KEYS[i * 6 + 1], KEYS[i * 6 + 2], KEYS[i * 6 + 3]
  local adopted = KEYS[i * 6 + 4]
  local p = redis.call('GET', KEYS[i * 6 + 5])
  local g = redis.call('GET', KEYS[i * 6 + 6])
  local a = 4 + i * 4
"""
    + BEAT
    + """
end
return out
"""
)

# A cluster: the beats whose students' keys share one slot (4 keys a beat); the mirror's values
# come read beforehand, as the beat's last two arguments ('' where missing).
SLOT_BEATS = (
    HEAD
    + """
for i = 0, #KEYS / 4 - 1 do
  local live, devices, revoked = KEYS[i * 4 + 1], KEYS[i * 4 + 2], KEYS[i * 4 + 3]
  local adopted = KEYS[i * 4 + 4]
  local a = 4 + i * 6
  local p, g = ARGV[a + 4], ARGV[a + 5]
  if p == '' then p = false end
  if g == '' then g = false end
"""
    + BEAT
    + """
end
return out
"""
)

# Keep a version unless it is older than the one stored; ``gone`` is final.
KEEP = """
local seconds = tonumber(ARGV[#ARGV])
for i = 1, #KEYS do
  local current, value = redis.call('GET', KEYS[i]), ARGV[i]
  if current ~= 'gone' and (value == 'gone' or not current
                            or tonumber(current) < tonumber(value)) then
    redis.call('SET', KEYS[i], value, 'EX', seconds)
  end
end
return 1
"""


def policy_key(video_id: int) -> str:
    return f"av:ver:{{v:{int(video_id)}}}:p"


def grant_key(video_id: int, enrollment_id: int) -> str:
    return f"av:ver:{{v:{int(video_id)}}}:g:{int(enrollment_id)}"
