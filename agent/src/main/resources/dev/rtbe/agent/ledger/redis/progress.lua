-- progress: an offered call's first token came. Its tokens and prefill reach Redis now, not at the next
-- heartbeat: its loss is known (prefill only), so an RT waiter may take it back within the budget, or a
-- BE waiter may take the last slot beside it. Kept only while it is offered (never re-offers a call).
-- ARGV[15] the member, ARGV[16] tokens so far, ARGV[17] prefill ms. Reply: ok | gone (not offered).
ensureCfg(POOL, 5)
local changed = sessions()
local member = ARGV[15]
local status = 'gone'
if redis.call('ZSCORE', key('off', POOL), member) then
  progress(POOL, member, ARGV[16], ARGV[17])
  settle(POOL)
  status = 'ok'
end
settleChanged(changed)
return reply(status)
