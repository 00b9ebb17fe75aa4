-- Shared part of every ledger script: it is put in front of each event's script when the agent
-- loads them (Redis has no include). One script runs atomically: the rule is decided in one place.
--
-- KEYS[1]  the fleet prefix "{rtbe:<fleet>}"; the hash tag keeps every key in one cluster slot
-- ARGV[1]  the calling JVM's id
-- ARGV[2]  "now" in ms for tests, or "" to use the server's clock (TIME): never the clients' clocks
-- ARGV[3]  the session lifetime in ms
-- ARGV[4]  the pool ("server|model"), "" for the heartbeat
-- ARGV[5..10] for pool events: the caller's n r lifo promote(ms, -1 never) grace(ms) preempt(0/1)
--
-- Keys of a pool p: cfg:p (hash n r lifo promote grace preempt), wrt:p / wbe:p (waiters, score =
-- arrival ms), hrt:p / hbe:p (holders, score = grant ms), off:p (holders offered for preemption).
-- Per JVM j: own:j (member -> "pool\twhere", to purge a dead JVM), mbox:j (member -> notice).
-- sess: JVM -> session expiry ms. A member is "<seq>|<jvm>|<call>", so equal scores keep arrival order.
local P = KEYS[1]
local JVM = ARGV[1]
local NOW
if ARGV[2] ~= '' then
  NOW = tonumber(ARGV[2])
else
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local TTL = tonumber(ARGV[3])
local POOL = ARGV[4]
local notices = {}

local function key(kind, pool)
  return P .. ':' .. kind .. ':' .. pool
end

local function owner(member)
  local a = string.find(member, '|', 1, true)
  local b = string.find(member, '|', a + 1, true)
  return string.sub(member, a + 1, b - 1)
end

local function split(text)
  local tab = string.find(text, '\t', 1, true)
  return string.sub(text, 1, tab - 1), string.sub(text, tab + 1)
end

-- Tells a member's JVM: by pub/sub now, and in its mailbox, read at its next heartbeat (pub/sub may lose it).
local function notify(member, notice)
  local jvm = owner(member)
  redis.call('HSET', P .. ':mbox:' .. jvm, member, notice)
  redis.call('PUBLISH', P .. ':jvm:' .. jvm, member .. '\t' .. notice)
  notices[#notices + 1] = member
  notices[#notices + 1] = notice
end

local function place(member, pool, where)
  redis.call('HSET', P .. ':own:' .. owner(member), member, pool .. '\t' .. where)
end

local function forget(member)
  redis.call('HDEL', P .. ':own:' .. owner(member), member)
end

-- The first JVM writes a pool's parameters; the others follow what is stored.
local function ensureCfg(pool, n, r, lifo, promote, grace, preempt)
  if redis.call('EXISTS', key('cfg', pool)) == 0 then
    redis.call('HSET', key('cfg', pool), 'n', n, 'r', r, 'lifo', lifo, 'promote', promote, 'grace', grace,
      'preempt', preempt)
  end
end

local function cfg(pool)
  local c = redis.call('HMGET', key('cfg', pool), 'n', 'r', 'lifo', 'promote', 'grace', 'preempt')
  if not c[1] then
    return nil
  end
  return { n = tonumber(c[1]), r = tonumber(c[2]), lifo = c[3] == '1', promote = tonumber(c[4]),
    grace = tonumber(c[5]), preempt = c[6] == '1' }
end

local function promotedAt(c, arrival)
  return c.promote >= 0 and NOW - arrival >= c.promote
end

local function grant(pool, c, member, cls, arrival)
  redis.call('ZREM', key('w' .. cls, pool), member)
  redis.call('ZADD', key('h' .. cls, pool), NOW, member)
  place(member, pool, 'h' .. cls)
  local promoted = (cls == 'be' and promotedAt(c, arrival)) and '1' or '0'
  notify(member, 'G\t' .. pool .. '\t' .. promoted)
end

-- The in-process rule verbatim: RT may start iff rt + be < N; BE iff be + max(R, rt) < N. A
-- promoted BE head beats RT for a slot BE may take; RT is FIFO or LIFO; BE is FIFO by arrival.
-- Grants until nobody who may start is left waiting.
local function dispatch(pool, c)
  while true do
    local rt = redis.call('ZCARD', key('hrt', pool))
    local be = redis.call('ZCARD', key('hbe', pool))
    local rtMay = rt + be < c.n
    local beMay = be + math.max(c.r, rt) < c.n
    local beHead = redis.call('ZRANGE', key('wbe', pool), 0, 0, 'WITHSCORES')
    local rtHead
    if c.lifo then
      rtHead = redis.call('ZREVRANGE', key('wrt', pool), 0, 0, 'WITHSCORES')
    else
      rtHead = redis.call('ZRANGE', key('wrt', pool), 0, 0, 'WITHSCORES')
    end
    if beHead[1] and beMay and promotedAt(c, tonumber(beHead[2])) then
      grant(pool, c, beHead[1], 'be', tonumber(beHead[2]))
    elseif rtHead[1] and rtMay then
      grant(pool, c, rtHead[1], 'rt', tonumber(rtHead[2]))
    elseif beHead[1] and beMay then
      grant(pool, c, beHead[1], 'be', tonumber(beHead[2]))
    else
      return
    end
  end
end

-- The RT waiter a preemption would serve: the next in RT order among those that waited the grace.
local function rtDue(pool, c)
  if c.lifo then
    local w = redis.call('ZREVRANGEBYSCORE', key('wrt', pool), NOW - c.grace, '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
    return w[1], w[2]
  end
  local w = redis.call('ZRANGE', key('wrt', pool), 0, 0, 'WITHSCORES')
  if w[1] and NOW - tonumber(w[2]) >= c.grace then
    return w[1], w[2]
  end
  return nil
end

-- The offered BE call whose loss costs the least, as the in-process scheduler chooses it: the one that
-- has generated the fewest tokens (prg:p, reported by its JVM with the offer and at each heartbeat),
-- the youngest among equals; one whose progress is unknown only when no reporting one is offered.
local function cheapestOffered(pool)
  local offered = redis.call('ZRANGE', key('off', pool), 0, -1, 'WITHSCORES')
  local best, bestTokens, bestGrant = nil, nil, nil
  for k = 1, #offered, 2 do
    local member, grant = offered[k], tonumber(offered[k + 1])
    local tokens = tonumber(redis.call('HGET', key('prg', pool), member) or '-1')
    local better
    if best == nil then
      better = true
    elseif (tokens >= 0) ~= (bestTokens >= 0) then
      better = tokens >= 0
    elseif tokens ~= bestTokens then
      better = tokens < bestTokens
    else
      better = grant >= bestGrant
    end
    if better then
      best, bestTokens, bestGrant = member, tokens, grant
    end
  end
  return best
end

-- After an event: dispatch, then, while an RT call has waited its grace with no slot free for it,
-- take the cheapest offered BE slot and hand it straight to that RT call. The victim's JVM aborts
-- the exchange and asks again with the same member and its original arrival.
local function settle(pool)
  local c = cfg(pool)
  if not c then
    return
  end
  dispatch(pool, c)
  if not c.preempt then
    return
  end
  while true do
    local rtMember, rtArrival = rtDue(pool, c)
    if not rtMember then
      return
    end
    local victim = cheapestOffered(pool)
    if not victim then
      return
    end
    redis.call('ZREM', key('off', pool), victim)
    redis.call('HDEL', key('prg', pool), victim)
    redis.call('ZREM', key('hbe', pool), victim)
    forget(victim)
    notify(victim, 'R\t' .. pool)
    grant(pool, c, rtMember, 'rt', tonumber(rtArrival))
  end
end

-- Removes a member from wherever it is in its pool; returns 'w' (was waiting), 'h' (was holding) or nil.
local function remove(pool, member)
  local was = nil
  if redis.call('ZREM', key('wrt', pool), member) + redis.call('ZREM', key('wbe', pool), member) > 0 then
    was = 'w'
  end
  if redis.call('ZREM', key('hrt', pool), member) + redis.call('ZREM', key('hbe', pool), member) > 0 then
    was = 'h'
  end
  redis.call('ZREM', key('off', pool), member)
  redis.call('HDEL', key('prg', pool), member)
  forget(member)
  return was
end

-- Refreshes the caller's session, then frees everything of JVMs whose session expired.
-- Returns the pools that changed, to be settled.
local function sessions()
  redis.call('ZADD', P .. ':sess', NOW + TTL, JVM)
  local changed = {}
  local dead = redis.call('ZRANGEBYSCORE', P .. ':sess', '-inf', '(' .. NOW)
  for _, jvm in ipairs(dead) do
    local own = redis.call('HGETALL', P .. ':own:' .. jvm)
    for i = 1, #own, 2 do
      local pool, where = split(own[i + 1])
      redis.call('ZREM', key(where, pool), own[i])
      redis.call('ZREM', key('off', pool), own[i])
      changed[pool] = true
    end
    redis.call('DEL', P .. ':own:' .. jvm, P .. ':mbox:' .. jvm)
    redis.call('ZREM', P .. ':sess', jvm)
  end
  return changed
end

local function settleChanged(changed)
  for pool, _ in pairs(changed) do
    if pool ~= POOL then
      settle(pool)
    end
  end
end

-- The reply: status, three values, the pool's counts and N and R as stored, then the notices
-- (member, notice) this event produced, so the caller can deliver its own at once.
local function reply(status, v1, v2, v3)
  local out = { status, tostring(v1 or ''), tostring(v2 or ''), tostring(v3 or '') }
  if POOL ~= '' then
    local c = cfg(POOL) or { n = 0, r = 0 }
    out[5] = redis.call('ZCARD', key('hrt', POOL))
    out[6] = redis.call('ZCARD', key('hbe', POOL))
    out[7] = redis.call('ZCARD', key('wrt', POOL))
    out[8] = redis.call('ZCARD', key('wbe', POOL))
    out[9] = c.n
    out[10] = c.r
  else
    for i = 5, 10 do
      out[i] = 0
    end
  end
  for i = 1, #notices do
    out[#out + 1] = notices[i]
  end
  return out
end
