-- acquire: a call asks for a slot (or asks again after a preemption), then the pool settles.
-- ARGV[11] class rt|be   ARGV[12] max queue length of the class   ARGV[13] queue|try|requeue
-- ARGV[14] the member (requeue) or the JVM's call number   ARGV[15] the original arrival ms (requeue)
-- Reply: full (v1 = queue length) | none (try found no free slot) | ok (v1 member, v2 arrival ms,
-- v3 waiters ahead at arrival); a grant to the member itself is among the notices.
ensureCfg(POOL, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
local changed = sessions()
local cls, mode = ARGV[11], ARGV[13]
local c = cfg(POOL)
local waiting = key('w' .. cls, POOL)
local member, arrival, ahead
if mode == 'requeue' then
  member = ARGV[14]
  arrival = tonumber(ARGV[15])
  ahead = redis.call('ZCARD', key('wrt', POOL))
else
  local length = redis.call('ZCARD', waiting)
  if mode == 'queue' and length >= tonumber(ARGV[12]) then
    settleChanged(changed)
    return reply('full', length)
  end
  member = string.format('%012d', redis.call('INCR', P .. ':seq')) .. '|' .. JVM .. '|' .. ARGV[14]
  arrival = NOW
  if cls == 'rt' then
    -- those served before it: the RT queue in FIFO order, plus promoted BE waiters
    ahead = (c.lifo and 0 or length)
    if c.promote >= 0 then
      ahead = ahead + redis.call('ZCOUNT', key('wbe', POOL), '-inf', NOW - c.promote)
    end
  else
    ahead = redis.call('ZCARD', key('wrt', POOL)) + length
  end
end
redis.call('ZADD', waiting, arrival, member)
place(member, POOL, 'w' .. cls)
settle(POOL)
settleChanged(changed)
if mode == 'try' and redis.call('ZSCORE', waiting, member) then
  redis.call('ZREM', waiting, member)
  forget(member)
  return reply('none')
end
return reply('ok', member, arrival, ahead)
