-- offer: a running BE call may now be preempted; an RT call due for a preemption may take it at once.
-- ARGV[15] the member, ARGV[16] the tokens it has generated so far (-1: unknown, its answer is not
-- streamed), ARGV[17] its prefill in ms, grant to first token (-1: no token yet).
-- Reply: ok | gone (not held any more); a preemption of it is among the notices.
ensureCfg(POOL, 5)
local changed = sessions()
local member = ARGV[15]
local granted = redis.call('ZSCORE', key('hbe', POOL), member)
if not granted then
  settleChanged(changed)
  return reply('gone')
end
redis.call('ZADD', key('off', POOL), granted, member)
progress(POOL, member, ARGV[16], ARGV[17])
settle(POOL)
settleChanged(changed)
return reply('ok')
