/**
 * The Redis store's scripts for users and the access_token. Each touches one
 * hash slot: a user's keys share `{u:<openid>}`, an app's token keys share
 * `{at:<appid>}` (redis-keys.ts). Writes carry their deadline, as the session
 * scripts do.
 */
import { script, storeNewerSessionKey, TOO_LATE } from './redis-scripts.ts'

/**
 * KEYS[1] the user's hash. ARGV[1] deadline, ARGV[2] the candidate user id or ''.
 * Reserves the candidate unless the user has an id; answers { userId or false, firstLoginAt or false } or TOO_LATE.
 */
export const START_LOGIN = script(`
if ARGV[2] ~= '' then
  if now_ms() > tonumber(ARGV[1]) then return ${TOO_LATE} end
  redis.call('HSETNX', KEYS[1], 'userId', ARGV[2])
end
return { redis.call('HGET', KEYS[1], 'userId'), redis.call('HGET', KEYS[1], 'firstLoginAt') }
`)

/** KEYS[1] a hash. ARGV[1] deadline, then field, value pairs. Answers 1, or TOO_LATE without writing. */
export const SET_FIELDS = script(`
if now_ms() > tonumber(ARGV[1]) then return ${TOO_LATE} end
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
return 1
`)

/**
 * KEYS[1] the user's hash. ARGV[1] deadline, ARGV[2] the sealed session_key, ARGV[3] when WeChat
 * handed it out (ms), ARGV[4] the unionid or ''. The key replaces the stored one only when it was
 * handed out as late or later. Answers 1, or TOO_LATE without writing.
 */
export const SET_SESSION_KEY = script(`
if now_ms() > tonumber(ARGV[1]) then return ${TOO_LATE} end
${storeNewerSessionKey('KEYS[1]', 'ARGV[2]', 'ARGV[3]')}
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'unionid', ARGV[4]) end
return 1
`)

/**
 * KEYS[1] the token hash. ARGV[1] the expected fingerprint ('' for none), ARGV[2] deadline,
 * ARGV[3] the new fingerprint, ARGV[4] the sealed token, ARGV[5] expiresAt, ARGV[6] its TTL in ms,
 * then optional field, value pairs (lastForcedAt, forceDay, forceCount).
 * Replaces the token only if the cached one is still the expected: 1 stored, 0 not, or TOO_LATE.
 */
export const TOKEN_COMPARE_AND_SET = script(`
if now_ms() > tonumber(ARGV[2]) then return ${TOO_LATE} end
local current = redis.call('HGET', KEYS[1], 'fp') or ''
if current ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'fp', ARGV[3], 'token', ARGV[4], 'expiresAt', ARGV[5])
for i = 7, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
`)

/**
 * KEYS[1] the lock. ARGV[1] owner, ARGV[2] TTL in ms, ARGV[3] deadline.
 * SET NX PX; an owner that holds the lock already has it extended. Answers 1 (held), 0 or TOO_LATE.
 */
export const TOKEN_LOCK = script(`
if now_ms() > tonumber(ARGV[3]) then return ${TOO_LATE} end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`)

/** KEYS[1] the lock. ARGV[1] owner. Deletes it only while that owner holds it. */
export const TOKEN_UNLOCK = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)
