-- heartbeat: renews the JVM's session, re-asserts what it holds and waits for (after a Redis
-- restart or a purge the counts are rebuilt from the JVMs), drops what it no longer has (a cancel
-- or release lost while Redis was away), and hands over its mailbox (notices pub/sub may have lost).
-- ARGV[5] number of pools, then per pool: pool n r lifo promote grace preempt;
-- then the number of entries, then per entry: pool where(wrt|wbe|hrt|hbe|off) member score; an
-- offer (off) follows the entry of its slot (hbe).
-- Reply: ok, re-asserted count, dropped count; then the mailbox (member, notice) pairs.
local changed = sessions()
local i = 5
local pools = tonumber(ARGV[i])
i = i + 1
for _ = 1, pools do
  ensureCfg(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6])
  changed[ARGV[i]] = true
  i = i + 7
end
local asserted = {}
local reasserted = 0
local entries = tonumber(ARGV[i])
i = i + 1
local restored = {}
for _ = 1, entries do
  local pool, where, member, score = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  asserted[member] = true
  -- a grant still in the mailbox is newer than what the JVM knew when it sent this
  local pending = redis.call('HGET', P .. ':mbox:' .. JVM, member)
  if where == 'off' then
    -- an offer for preemption comes back only with its slot: where Redis kept the slot, it kept
    -- the offer too (or saw it withdrawn after this heartbeat was sent)
    if restored[member] then
      redis.call('ZADD', key('off', pool), score, member)
      reasserted = reasserted + 1
    end
  elseif not redis.call('ZSCORE', key(where, pool), member) and not pending then
    remove(pool, member)
    redis.call('ZADD', key(where, pool), score, member)
    place(member, pool, where)
    restored[member] = true
    reasserted = reasserted + 1
    changed[pool] = true
  end
  i = i + 4
end
local dropped = 0
local own = redis.call('HGETALL', P .. ':own:' .. JVM)
for k = 1, #own, 2 do
  local member = own[k]
  if not asserted[member] and not redis.call('HGET', P .. ':mbox:' .. JVM, member) then
    local pool, where = split(own[k + 1])
    remove(pool, member)
    dropped = dropped + 1
    changed[pool] = true
  end
end
local mailbox = redis.call('HGETALL', P .. ':mbox:' .. JVM)
redis.call('DEL', P .. ':mbox:' .. JVM)
for pool, _ in pairs(changed) do
  settle(pool)
end
local out = reply('ok', reasserted, dropped)
for k = 1, #mailbox do
  out[#out + 1] = mailbox[k]
end
return out
