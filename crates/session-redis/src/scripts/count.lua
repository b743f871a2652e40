-- count_by_owner: how many live sessions the owner holds.
prune()
return redis.call('ZCARD', IDX)
