-- withdraw: the response is about to reach the application: no more preemption.
-- ARGV[15] the member. Reply: ok (held; no longer offered) | preempted (its revocation waits in the
-- mailbox) | lost (Redis does not know the slot: restarted empty, or this JVM's session was purged;
-- the call runs on and the next heartbeat re-asserts it).
ensureCfg(POOL, 5)
local changed = sessions()
local member = ARGV[15]
redis.call('ZREM', key('off', POOL), member)
local status = 'ok'
if not redis.call('ZSCORE', key('hbe', POOL), member) then
  local notice = redis.call('HGET', P .. ':mbox:' .. JVM, member)
  status = (notice and string.sub(notice, 1, 1) == 'R') and 'preempted' or 'lost'
end
settleChanged(changed)
return reply(status)
