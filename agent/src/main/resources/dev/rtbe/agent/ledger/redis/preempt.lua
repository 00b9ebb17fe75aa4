-- preempt: an RT waiter's grace is over (a timer in its JVM): settle the pool, which preempts the
-- youngest offered BE call for it if no slot is free. Reply: ok.
ensureCfg(POOL, 5)
local changed = sessions()
settle(POOL)
settleChanged(changed)
return reply('ok')
