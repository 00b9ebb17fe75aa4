-- Shared part of every ledger script: it is put in front of each event's script when the agent
-- loads them (Redis has no include). One script runs atomically: the rule is decided in one place.
--
-- KEYS[1]  the fleet prefix "{rtbe:<fleet>}"; the hash tag keeps every key in one cluster slot
-- ARGV[1]  the calling JVM's id
-- ARGV[2]  "now" in ms for tests, or "" to use the server's clock (TIME): never the clients' clocks
-- ARGV[3]  the session lifetime in ms
-- ARGV[4]  the pool ("server|model"), "" for the heartbeat
-- ARGV[5..14] for pool events: the caller's n r lifo promote(ms, -1 never) grace(ms) preempt(0/1)
--             budget(share, -1 off) window(ms) reserve(RT load share) passed(0/1: aging while passed over)
--
-- Keys of a pool p: cfg:p (hash of the settings above), wrt:p / wbe:p (waiters, score = arrival ms),
-- hrt:p / hbe:p (holders, score = grant ms), off:p (holders offered for preemption), prg:p / pfl:p
-- (an offered call's tokens so far and its prefill ms, from its JVM), mrk:p (BE waiters, score = the
-- aging clock at arrival), age:p (hash v = aging clock ms, at = last advance, load = RT load average),
-- bud:p (hash b = budget left in slot-ms, at = last refill). One budget and one RT load per pool, fleet-wide.
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

local CFG = { 'n', 'r', 'lifo', 'promote', 'grace', 'preempt', 'budget', 'window', 'reserve', 'passed' }

-- The first JVM writes a pool's parameters; the others follow what is stored (one budget and one rule
-- for the fleet), and are told when theirs differ. Settings an older agent did not store are added.
local function ensureCfg(pool, first)
  local stored = redis.call('HMGET', key('cfg', pool), unpack(CFG))
  local same = true
  for k, field in ipairs(CFG) do
    local mine = ARGV[first + k - 1]
    if not stored[k] then
      redis.call('HSET', key('cfg', pool), field, mine)
    elseif stored[k] ~= mine and field ~= 'n' and field ~= 'r' then
      same = false -- N and R are compared by the JVM from the reply's counts
    end
  end
  if not same and pool == POOL then
    notices[#notices + 1] = ''
    notices[#notices + 1] = 'C\t' .. pool
  end
end

local function cfg(pool)
  local c = redis.call('HMGET', key('cfg', pool), unpack(CFG))
  if not c[1] then
    return nil
  end
  local preempt, budget = c[6] == '1', tonumber(c[7] or '-1')
  return { n = tonumber(c[1]), r = tonumber(c[2]), lifo = c[3] == '1', promote = tonumber(c[4]),
    grace = tonumber(c[5]), preempt = preempt, budget = budget, window = tonumber(c[8] or '0'),
    reserve = tonumber(c[9] or '1'), passed = c[10] == '1',
    -- with a budget: the last-slot rule and reservation under high RT load apply too
    budgeted = preempt and budget >= 0 }
end

-- Numbers go to Redis as text with every digit (Lua's own conversion keeps 14).
local function num(x)
  return string.format('%.17g', x)
end

-- ---- Aging and the RT load: both advance by the pool's state since the pool's last event

local RT_LOAD_MS = 120000 -- the RT load's averaging time, as SchedulerPolicy.RT_LOAD_AVERAGE_NANOS
local AGE = {} -- pool -> { v = aging clock ms, at, load }, advanced once per script (NOW is fixed)

-- With a budget, RT held more than its share of the slots lately: the pool works as with R = 1.
local function loadHigh(c, load)
  return c.budgeted and load > c.reserve * c.n
end

-- The slots kept for RT now: R, or at least one while the RT load is high.
local function reservedNow(c, load)
  if loadHigh(c, load) then
    return math.max(c.r, math.min(1, c.n - 1))
  end
  return c.r
end

-- Advances the pool's aging clock and RT load to NOW. Whatever changes what they count (RT holders, BE
-- waiters) calls it first (remove, and so a purge; a BE waiter joining; grant), so what they count is
-- the state of the whole interval since the pool's last event; settle calls it for scripts that change
-- neither. The aging clock runs with real time, or (passed-over aging) only while BE calls wait and
-- RT holds more than the slots kept for it: slots a BE call could have used. Time behind other BE calls
-- does not count. It never runs backwards, so BE waiters are promoted in arrival order.
local function advance(pool, c)
  if AGE[pool] then
    return AGE[pool]
  end
  c = c or cfg(pool)
  local s = redis.call('HMGET', key('age', pool), 'v', 'at', 'load')
  local a = { v = tonumber(s[1]) or NOW, at = tonumber(s[2]) or NOW, load = tonumber(s[3]) or 0 }
  if not c then
    return a
  end
  if NOW > a.at then
    local rt = redis.call('ZCARD', key('hrt', pool))
    if not c.passed or (redis.call('EXISTS', key('wbe', pool)) == 1 and rt > reservedNow(c, a.load)) then
      a.v = a.v + NOW - a.at
    end
    if c.budgeted then
      a.load = a.load + (rt - a.load) * (1 - math.exp(-(NOW - a.at) / RT_LOAD_MS))
    end
    a.at = NOW
  end
  redis.call('HSET', key('age', pool), 'v', num(a.v), 'at', num(a.at), 'load', num(a.load))
  AGE[pool] = a
  return a
end

-- A BE waiter joins with its aging mark (the aging clock at its arrival; a preempted call keeps its own).
-- No mark credits more than the whole wait: one lost with a Redis restart is rebuilt as exactly that.
local function waitBe(pool, member, arrival, mark)
  local fullWait = advance(pool).v - math.max(0, NOW - arrival)
  redis.call('ZADD', key('wbe', pool), arrival, member)
  redis.call('ZADD', key('mrk', pool), math.max(tonumber(mark) or fullWait, fullWait), member)
end

local function markOf(pool, member, arrival)
  local m = redis.call('ZSCORE', key('mrk', pool), member)
  return tonumber(m) or (advance(pool).v - math.max(0, NOW - arrival))
end

-- Promoted once the aging clock has run the promotion time past the waiter's mark.
local function promoted(pool, c, mark)
  return c.promote >= 0 and advance(pool, c).v - mark >= c.promote
end

local function grant(pool, c, member, cls, arrival)
  advance(pool, c)
  local flag, mark = '0', ''
  if cls == 'be' then
    local m = markOf(pool, member, arrival)
    flag = promoted(pool, c, m) and '1' or '0'
    mark = num(m) -- its JVM sends it back if the call is preempted and asks again
    redis.call('ZREM', key('mrk', pool), member)
  end
  redis.call('ZREM', key('w' .. cls, pool), member)
  redis.call('ZADD', key('h' .. cls, pool), NOW, member)
  place(member, pool, 'h' .. cls)
  notify(member, 'G\t' .. pool .. '\t' .. flag .. '\t' .. mark)
end

-- ---- The preemption budget

local BUDGET = {} -- pool -> slot-ms left, once refilled in this script

-- The slot time preemption may still throw away (slot-ms): it fills at the budget's share of N slots, up
-- to one window of it, and starts full (the first preemptions need no history). One bucket per pool,
-- shared by the fleet.
local function budget(pool, c)
  if BUDGET[pool] then
    return BUDGET[pool]
  end
  local cap = c.budget * c.n * c.window
  local s = redis.call('HMGET', key('bud', pool), 'b', 'at')
  local b, at = tonumber(s[1]) or cap, tonumber(s[2]) or NOW
  if NOW > at then
    b = math.min(cap, b + (NOW - at) * c.budget * c.n)
  end
  redis.call('HSET', key('bud', pool), 'b', num(b), 'at', num(math.max(at, NOW)))
  BUDGET[pool] = b
  return b
end

local function spend(pool, c, ms)
  BUDGET[pool] = budget(pool, c) - ms
  redis.call('HSET', key('bud', pool), 'b', num(BUDGET[pool]))
end

-- An offered call's progress as its JVM reports it: tokens so far (-1 unknown: it restarts if preempted)
-- and its prefill ms (-1: no token yet).
local function progress(pool, member, tokens, prefill)
  if tonumber(tokens or '-1') >= 0 then
    redis.call('HSET', key('prg', pool), member, tokens)
  else
    redis.call('HDEL', key('prg', pool), member)
  end
  if tonumber(prefill or '-1') >= 0 then
    redis.call('HSET', key('pfl', pool), member, prefill)
  else
    redis.call('HDEL', key('pfl', pool), member)
  end
end

-- What a preemption of an offered call throws away now: a call that reports its progress (read as a
-- stream, continued from its output) loses its prefill once its first token came (pfl, from its JVM);
-- otherwise it starts again from zero and loses all of its time since the grant.
local function loss(pool, member, granted)
  local tokens = tonumber(redis.call('HGET', key('prg', pool), member) or '-1')
  local prefill = redis.call('HGET', key('pfl', pool), member)
  if tokens >= 0 and prefill then
    return tonumber(prefill)
  end
  return math.max(0, NOW - granted)
end

local function affordable(pool, c, member, granted)
  return not c.budgeted or loss(pool, member, granted) <= budget(pool, c)
end

-- Running BE calls RT could not count on taking back: not offered, restarting if preempted (their loss
-- grows as they run), or costing more than the budget holds. Under high RT load: all of them (R = 1).
local function hardBe(pool, c, be)
  if loadHigh(c, advance(pool, c).load) then
    return be
  end
  local offered = redis.call('ZRANGE', key('off', pool), 0, -1, 'WITHSCORES')
  local soft = 0
  for k = 1, #offered, 2 do
    if redis.call('HEXISTS', key('prg', pool), offered[k]) == 1
        and affordable(pool, c, offered[k], tonumber(offered[k + 1])) then
      soft = soft + 1
    end
  end
  return be - soft
end

-- The admission rule for BE: be + max(R, rt) < N. With a budget (lastSlot) also: BE takes the last slot
-- RT could have only while every other running BE call can be taken back within the budget, so one slot
-- is always free, RT's, or preemptible (as with R = 1 where preemption cannot help).
local function beMayStart(pool, c, rt, be, lastSlot)
  if be + math.max(c.r, rt) >= c.n then
    return false
  end
  return not lastSlot or c.n == 1 or not c.budgeted or hardBe(pool, c, be) + math.max(c.r, 1) < c.n
end

local SETTLE = {} -- pool -> ms from now when the budget will cover what waits on it

-- Asks the caller's JVM to settle the pool again when the budget will cover the cheapest offered call
-- whose loss no longer grows (its first token came); nothing if there is none or the budget never grows.
-- Any JVM's next event or heartbeat settles it too: a JVM that dies with the timer loses nothing.
local function waitForBudget(pool, c)
  local rate = c.budget * c.n
  if not c.budgeted or rate <= 0 then
    return
  end
  local need = nil
  local offered = redis.call('ZRANGE', key('off', pool), 0, -1)
  for _, member in ipairs(offered) do
    local prefill = redis.call('HGET', key('pfl', pool), member)
    if prefill and redis.call('HEXISTS', key('prg', pool), member) == 1 then
      need = math.min(need or math.huge, tonumber(prefill))
    end
  end
  -- (a loss above one window's budget is never covered: no settle for it)
  if not need or need <= budget(pool, c) or need > c.budget * c.n * c.window then
    return
  end
  local due = math.ceil((need - budget(pool, c)) / rate)
  SETTLE[pool] = math.min(SETTLE[pool] or due, due)
end

-- ---- Dispatch and preemption

-- The in-process rule verbatim: RT may start iff rt + be < N; BE iff be + max(R, rt) < N (and the
-- last-slot rule). A promoted BE head beats RT for a slot BE may take; RT is FIFO or LIFO; BE is FIFO
-- by arrival. Grants until nobody who may start is left waiting.
local function dispatch(pool, c)
  while true do
    local rt = redis.call('ZCARD', key('hrt', pool))
    local be = redis.call('ZCARD', key('hbe', pool))
    local rtMay = rt + be < c.n
    local beHead = redis.call('ZRANGE', key('wbe', pool), 0, 0, 'WITHSCORES')
    local beMay = beHead[1] ~= nil and beMayStart(pool, c, rt, be, true)
    local rtHead
    if c.lifo then
      rtHead = redis.call('ZREVRANGE', key('wrt', pool), 0, 0, 'WITHSCORES')
    else
      rtHead = redis.call('ZRANGE', key('wrt', pool), 0, 0, 'WITHSCORES')
    end
    if beMay and promoted(pool, c, markOf(pool, beHead[1], tonumber(beHead[2]))) then
      grant(pool, c, beHead[1], 'be', tonumber(beHead[2]))
    elseif rtHead[1] and rtMay then
      grant(pool, c, rtHead[1], 'rt', tonumber(rtHead[2]))
    elseif beMay then
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
-- With a budget, only one whose expected loss the budget covers. Returns the member and its grant ms.
local function cheapestOffered(pool, c)
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
    if better and affordable(pool, c, member, grant) then
      best, bestTokens, bestGrant = member, tokens, grant
    end
  end
  return best, bestGrant
end

-- After an event: dispatch, then, while an RT call has waited its grace with no slot free for it,
-- take the cheapest offered BE slot the budget covers and hand it straight to that RT call. The
-- victim's JVM aborts the exchange and asks again with the same member, arrival and aging mark.
local function settle(pool)
  local c = cfg(pool)
  if not c then
    return
  end
  advance(pool, c)
  dispatch(pool, c)
  if not c.preempt then
    return
  end
  if c.budgeted and redis.call('EXISTS', key('wbe', pool)) == 1 and beMayStart(pool, c,
      redis.call('ZCARD', key('hrt', pool)), redis.call('ZCARD', key('hbe', pool)), false) then
    waitForBudget(pool, c) -- a BE waiter waits for the budget to cover the last slot
  end
  while true do
    local rtMember, rtArrival = rtDue(pool, c)
    if not rtMember then
      return
    end
    local victim, granted = nil, nil
    -- under high RT load the last slot batch work holds stays with it (R = 1)
    if not (loadHigh(c, advance(pool, c).load) and redis.call('ZCARD', key('hbe', pool)) <= 1) then
      victim, granted = cheapestOffered(pool, c)
    end
    if not victim then
      waitForBudget(pool, c) -- an offered call costs more than the budget holds: retry when it does
      return
    end
    if c.budgeted then
      spend(pool, c, loss(pool, victim, granted))
    end
    redis.call('ZREM', key('off', pool), victim)
    redis.call('HDEL', key('prg', pool), victim)
    redis.call('HDEL', key('pfl', pool), victim)
    redis.call('ZREM', key('hbe', pool), victim)
    forget(victim)
    notify(victim, 'R\t' .. pool)
    grant(pool, c, rtMember, 'rt', tonumber(rtArrival))
  end
end

-- Removes a member from wherever it is in its pool; returns 'w' (was waiting), 'h' (was holding) or nil.
local function remove(pool, member)
  advance(pool)
  local was = nil
  if redis.call('ZREM', key('wrt', pool), member) + redis.call('ZREM', key('wbe', pool), member) > 0 then
    was = 'w'
  end
  if redis.call('ZREM', key('hrt', pool), member) + redis.call('ZREM', key('hbe', pool), member) > 0 then
    was = 'h'
  end
  redis.call('ZREM', key('mrk', pool), member)
  redis.call('ZREM', key('off', pool), member)
  redis.call('HDEL', key('prg', pool), member)
  redis.call('HDEL', key('pfl', pool), member)
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
      local pool = split(own[i + 1])
      remove(pool, own[i])
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
-- (member, notice) this event produced, so the caller can deliver its own at once. Notices for the
-- caller alone have no member: 'S\tpool\tms' (settle again in ms: the budget will cover a waiting
-- preemption) and 'C\tpool' (the stored settings differ from the caller's).
local function reply(status, v1, v2, v3)
  for pool, due in pairs(SETTLE) do
    notices[#notices + 1] = ''
    notices[#notices + 1] = 'S\t' .. pool .. '\t' .. num(due)
  end
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
