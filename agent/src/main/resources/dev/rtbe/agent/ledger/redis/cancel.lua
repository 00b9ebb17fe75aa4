-- cancel: a waiter leaves (cancelled, interrupted, timed out). If a grant raced the cancel and the
-- member holds a slot already, the slot is released here, in the same step.
-- ARGV[15] the member. Reply: cancelled | released | gone.
ensureCfg(POOL, 5)
local changed = sessions()
local was = remove(POOL, ARGV[15])
settle(POOL)
settleChanged(changed)
return reply(was == 'w' and 'cancelled' or (was == 'h' and 'released' or 'gone'))
