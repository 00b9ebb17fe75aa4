-- offer: a running BE call may now be preempted; an RT call due for a preemption may take it at once.
-- ARGV[11] the member. Reply: ok | gone (not held any more); a preemption of it is among the notices.
ensureCfg(POOL, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
local changed = sessions()
local member = ARGV[11]
local granted = redis.call('ZSCORE', key('hbe', POOL), member)
if not granted then
  settleChanged(changed)
  return reply('gone')
end
redis.call('ZADD', key('off', POOL), granted, member)
settle(POOL)
settleChanged(changed)
return reply('ok')
