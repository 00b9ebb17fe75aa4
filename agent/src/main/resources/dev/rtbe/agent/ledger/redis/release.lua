-- release: a call gives its slot back; the pool settles (the slot may go to a waiter at once).
-- ARGV[15] the member. Reply: ok | gone (nothing held: preempted, purged or released already).
ensureCfg(POOL, 5)
local changed = sessions()
local was = remove(POOL, ARGV[15])
settle(POOL)
settleChanged(changed)
return reply(was == 'h' and 'ok' or 'gone')
