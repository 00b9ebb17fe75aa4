-- release: a call gives its slot back; the pool settles (the slot may go to a waiter at once).
-- ARGV[11] the member. Reply: ok | gone (nothing held: preempted, purged or released already).
ensureCfg(POOL, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
local changed = sessions()
local was = remove(POOL, ARGV[11])
settle(POOL)
settleChanged(changed)
return reply(was == 'h' and 'ok' or 'gone')
