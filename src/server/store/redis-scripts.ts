/**
 * The Lua scripts of the Redis store. Each touches the keys of one hash slot
 * (see redis-keys.ts), so they run unchanged on Redis Cluster. A write carries
 * its deadline (ms since the epoch) and compares it with Redis' own clock
 * (`TIME`): a script Redis gets to only after the caller gave up, say once a
 * stalled Redis resumes, writes nothing.
 */
import { createHash } from 'node:crypto'

export interface Script {
  readonly source: string
  readonly sha: string
}

/** A script with the shared prelude (effects replication, `now_ms()`), and its SHA for EVALSHA. */
export function script(body: string): Script {
  // Redis 3.2/4 replicate scripts verbatim unless told otherwise, and refuse writes after TIME; 5+ always replicate effects.
  const source = `if redis.replicate_commands then redis.replicate_commands() end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
${body}`
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * Lua that makes `sealed` the user's session_key (in the hash `userKey`) only
 * when handed out (`at`, ms) as late as the stored one or later; shared by the
 * login's script and the refresh's, so the rule is written once.
 */
export function storeNewerSessionKey(userKey: string, sealed: string, at: string): string {
  return `if tonumber(${at}) >= (tonumber(redis.call('HGET', ${userKey}, 'sessionKeyAt')) or 0) then
  redis.call('HSET', ${userKey}, 'sessionKey', ${sealed}, 'sessionKeyAt', ${at})
end`
}

/** What a write script answers when the deadline had passed: it wrote nothing. */
export const TOO_LATE = -1

/**
 * The tail of a script that answers `{ first, hash... }`: a flag or a count,
 * then the token hashes whose sessions it removed, so that the caller can
 * delete their pointers (which live in other slots on a Cluster). A loop
 * rather than `unpack`, which fails past Lua's stack limit.
 */
function answerWithHashes(first: string, hashes: string): string {
  return `local answer = { ${first} }
for i, hash in ipairs(${hashes}) do
  answer[i + 1] = hash
end
return answer`
}

/**
 * KEYS[1] the pointer. ARGV[1] openid, ARGV[2] expiresAt, ARGV[3] deadline.
 * Answers 1 (written), 0 (already expired: nothing to write) or TOO_LATE.
 */
export const SET_POINTER = script(`
local now = now_ms()
if now > tonumber(ARGV[3]) then return ${TOO_LATE} end
local ttl = tonumber(ARGV[2]) - now
if ttl <= 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
return 1
`)

/**
 * KEYS[1] the session, KEYS[2] the user's index, KEYS[3] the user's hash.
 * ARGV[1] the session JSON, ARGV[2] expiresAt, ARGV[3] deadline, ARGV[4] maxSessionsPerUser,
 * ARGV[5] '1' to replace the user's other sessions, ARGV[6] the user's session key prefix
 * (the client's own key prefix included), ARGV[7] the token hash,
 * ARGV[8] the login's session_key (sealed), ARGV[9] the login's time (ms),
 * ARGV[10] the unionid or '', ARGV[11] the app user id or '', ARGV[12] when WeChat handed out
 * the session_key (ms): it replaces the user's stored key only when handed out as late or later.
 *
 * Prunes the index's expired entries (ZREMRANGEBYSCORE), then evicts the
 * oldest sessions beyond the cap: O(log n) in the user's sessions, never a
 * walk over them. With the session, the user's hash takes the newest
 * session_key and the login. Answers { 1, evicted hashes... } or { TOO_LATE }.
 *
 * Idempotent: ioredis sends a command again when the connection dropped
 * before its reply came, so the script may run twice for one login. A session
 * already written means the first run did it all, in time; a second run would
 * evict one more of the user's sessions (and, replacing them, list the new
 * session itself, whose pointer the caller would then delete).
 */
export const CREATE_SESSION = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return { 1 } end
local now = now_ms()
if now > tonumber(ARGV[3]) then return { ${TOO_LATE} } end
local expires_at = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local evicted = {}
if ARGV[5] == '1' then
  evicted = redis.call('ZRANGE', KEYS[2], 0, -1)
  redis.call('DEL', KEYS[2])
else
  local excess = redis.call('ZCARD', KEYS[2]) - (tonumber(ARGV[4]) - 1)
  if excess > 0 then
    evicted = redis.call('ZRANGE', KEYS[2], 0, excess - 1)
    redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
  end
end
for _, hash in ipairs(evicted) do
  redis.call('DEL', ARGV[6] .. hash)
end
local ttl = expires_at - now
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
  redis.call('ZADD', KEYS[2], expires_at, ARGV[7])
  if redis.call('PTTL', KEYS[2]) < ttl then
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
  ${storeNewerSessionKey('KEYS[3]', 'ARGV[8]', 'ARGV[12]')}
  redis.call('HSETNX', KEYS[3], 'firstLoginAt', ARGV[9])
  local last = tonumber(redis.call('HGET', KEYS[3], 'lastLoginAt') or '0')
  redis.call('HSET', KEYS[3], 'lastLoginAt', math.max(last, tonumber(ARGV[9])))
  if ARGV[10] ~= '' then redis.call('HSET', KEYS[3], 'unionid', ARGV[10]) end
  if ARGV[11] ~= '' then redis.call('HSET', KEYS[3], 'userId', ARGV[11]) end
end
${answerWithHashes('1', 'evicted')}
`)

/** KEYS[1] the session, KEYS[2] the user's index. ARGV[1] the token hash. Answers how many sessions were deleted (0 or 1). */
export const DELETE_SESSION = script(`
local removed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return removed
`)

/**
 * KEYS[1] the user's index. ARGV[1] the user's session key prefix (full).
 * Answers { how many sessions were deleted, their hashes... }.
 */
export const DELETE_USER_SESSIONS = script(`
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
local removed = 0
for _, hash in ipairs(members) do
  removed = removed + redis.call('DEL', ARGV[1] .. hash)
end
redis.call('DEL', KEYS[1])
${answerWithHashes('removed', 'members')}
`)

/**
 * KEYS[1] a rate-limit counter. ARGV[1] the window in ms.
 * One hit in a fixed window that starts with the window's first hit; the key
 * expires with the window, never before. Answers { count, ms left }.
 */
export const COUNT_HIT = script(`
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return { count, ttl }
`)

/**
 * KEYS: pairs of a session and its user's hash, one pair per session read.
 * Answers, pair by pair in the same order, { the session JSON or false, the
 * user's sealed session_key or false, ... }. One pair touches one slot; several
 * pairs (the checks of one turn, read-batch.ts) are sent only to a standalone
 * Redis, where slots do not matter.
 */
export const READ_SESSIONS = script(`
local answer = {}
for i = 1, #KEYS, 2 do
  answer[i] = redis.call('GET', KEYS[i])
  answer[i + 1] = redis.call('HGET', KEYS[i + 1], 'sessionKey')
end
return answer
`)
