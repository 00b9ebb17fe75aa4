-- withdraw: the response is about to reach the application: no more preemption.
-- ARGV[11] the member. Reply: ok | gone (preempted already, or not held).
ensureCfg(POOL, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
local changed = sessions()
local member = ARGV[11]
redis.call('ZREM', key('off', POOL), member)
local held = redis.call('ZSCORE', key('hbe', POOL), member)
settleChanged(changed)
return reply(held and 'ok' or 'gone')
