-- cancel: a waiter leaves (cancelled, interrupted, timed out). If a grant raced the cancel and the
-- member holds a slot already, the slot is released here, in the same step.
-- ARGV[11] the member. Reply: cancelled | released | gone.
ensureCfg(POOL, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
local changed = sessions()
local was = remove(POOL, ARGV[11])
settle(POOL)
settleChanged(changed)
return reply(was == 'w' and 'cancelled' or (was == 'h' and 'released' or 'gone'))
