-- acquire: a call asks for a slot (or asks again after a preemption), then the pool settles.
-- ARGV[15] class rt|be   ARGV[16] max queue length of the class   ARGV[17] queue|try|requeue
-- ARGV[18] the member (requeue) or the JVM's call number   ARGV[19] the original arrival ms (requeue)
-- ARGV[20] the aging mark it had (requeue; "" when unknown)
-- Reply: full (v1 = queue length) | none (try found no free slot) | ok (v1 member, v2 arrival ms,
-- v3 waiters ahead at arrival); a grant to the member itself is among the notices.
ensureCfg(POOL, 5)
local changed = sessions()
local cls, mode = ARGV[15], ARGV[17]
local c = cfg(POOL)
local waiting = key('w' .. cls, POOL)
local member, arrival, ahead, mark
if mode == 'requeue' then
  member = ARGV[18]
  arrival = tonumber(ARGV[19])
  mark = ARGV[20]
  ahead = redis.call('ZCARD', key('wrt', POOL))
else
  local length = redis.call('ZCARD', waiting)
  if mode == 'queue' and length >= tonumber(ARGV[16]) then
    settleChanged(changed)
    return reply('full', length)
  end
  member = string.format('%012d', redis.call('INCR', P .. ':seq')) .. '|' .. JVM .. '|' .. ARGV[18]
  arrival = NOW
  if cls == 'rt' then
    -- those served before it: the RT queue in FIFO order, plus promoted BE waiters
    ahead = (c.lifo and 0 or length)
    if c.promote >= 0 then
      ahead = ahead + redis.call('ZCOUNT', key('mrk', POOL), '-inf', num(advance(POOL, c).v - c.promote))
    end
  else
    ahead = redis.call('ZCARD', key('wrt', POOL)) + length
  end
end
if cls == 'be' then
  waitBe(POOL, member, arrival, mark)
else
  redis.call('ZADD', waiting, arrival, member)
end
place(member, POOL, 'w' .. cls)
settle(POOL)
settleChanged(changed)
if mode == 'try' and redis.call('ZSCORE', waiting, member) then
  remove(POOL, member)
  return reply('none')
end
return reply('ok', member, arrival, ahead)
