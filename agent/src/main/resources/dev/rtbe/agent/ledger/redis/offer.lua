-- offer: a running BE call may now be preempted; an RT call due for a preemption may take it at once.
-- ARGV[11] the member, ARGV[12] the tokens it has generated so far (-1: unknown, its answer is not
-- streamed). Reply: ok | gone (not held any more); a preemption of it is among the notices.
ensureCfg(POOL, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
local changed = sessions()
local member = ARGV[11]
local granted = redis.call('ZSCORE', key('hbe', POOL), member)
if not granted then
  settleChanged(changed)
  return reply('gone')
end
redis.call('ZADD', key('off', POOL), granted, member)
if tonumber(ARGV[12] or '-1') >= 0 then
  redis.call('HSET', key('prg', POOL), member, ARGV[12])
else
  redis.call('HDEL', key('prg', POOL), member)
end
settle(POOL)
settleChanged(changed)
return reply('ok')
