/// The Lua scripts of ``RedisStockLedger``: each ledger operation is exactly one script, so Redis runs its
/// checks and its writes as one atomic step (no decrement-then-rollback, no window between check and take).
///
/// Keys: `KEYS[1]` is an item's hash (`quantity`, `limit`, `remaining`, `confirmed`); `KEYS[2]` is the item's
/// per-user hash (user id → units held or bought). `held` is never stored: it is `quantity − remaining − confirmed`.
/// Guarded steps answer `refused` and change nothing instead of pushing a counter past its bound.
enum RedisStockScripts {
    /// KEYS: the index, the loaded marker (it holds the ledger's epoch). ARGV: replace ("1" drops every item listed in
    /// the index first and stamps the marker), a JSON array of `{key, users, quantity, limit, remaining, confirmed,
    /// perUser: [[user, units], …]}`, then the epoch ('' keeps the marker's). A replacing load whose epoch is not newer
    /// than the marker's changes nothing and answers -1: a newer load (read later from SQLite) is already in.
    static let load = RedisScript(
        """
        if ARGV[1] == '1' then
          local current = redis.call('GET', KEYS[2])
          if ARGV[3] ~= '' and current and tonumber(current) and tonumber(current) >= tonumber(ARGV[3]) then return -1 end
          for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', key, key .. ':users') end
          redis.call('DEL', KEYS[1])
          if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3]) else redis.call('SET', KEYS[2], current or '0') end
        end
        local items = cjson.decode(ARGV[2])
        for _, item in ipairs(items) do
          redis.call('DEL', item.key, item.users)
          redis.call('HSET', item.key, 'quantity', item.quantity, 'limit', item.limit,
            'remaining', item.remaining, 'confirmed', item.confirmed)
          for _, pair in ipairs(item.perUser) do
            if pair[2] > 0 then redis.call('HSET', item.users, pair[1], pair[2]) end
          end
          redis.call('SADD', KEYS[1], item.key)
        end
        return #items
        """
    )

    /// KEYS[3]: the loaded marker. ARGV: user, quantity. The per-user limit first, then the stock; both taken or
    /// neither. Answers 'taken <epoch>'; refuses ('unloaded') while the ledger is not loaded from SQLite (Redis came
    /// back empty): units taken then would be overwritten by the load.
    static let reserve = RedisScript(
        """
        local epoch = redis.call('GET', KEYS[3])
        if not epoch then return 'unloaded' end
        local item = redis.call('HMGET', KEYS[1], 'limit', 'remaining')
        if not item[1] then return 'unknown' end
        local quantity = tonumber(ARGV[2])
        local taken = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
        if taken + quantity > tonumber(item[1]) then return 'limit' end
        if tonumber(item[2]) < quantity then return 'soldout' end
        redis.call('HINCRBY', KEYS[1], 'remaining', -quantity)
        redis.call('HINCRBY', KEYS[2], ARGV[1], quantity)
        return 'taken ' .. epoch
        """
    )

    /// KEYS[3]: the loaded marker. The item's quantity, remaining and confirmed; 'unloaded' while the ledger is not loaded.
    static let level = RedisScript(
        """
        if redis.call('EXISTS', KEYS[3]) == 0 then return 'unloaded' end
        return redis.call('HMGET', KEYS[1], 'quantity', 'remaining', 'confirmed')
        """
    )

    /// KEYS[3]: the loaded marker. ARGV: user, quantity, epoch ('' for any). Gives held units back; refused if the item
    /// or the user holds fewer (a second release of the same units, or a release after they were confirmed); 'stale'
    /// when the ledger was loaded under another epoch than the one given (an undone take it never counted, or a
    /// committed release its load already counted).
    static let release = RedisScript(
        """
        if ARGV[3] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[3] then return 'stale' end
        local item = redis.call('HMGET', KEYS[1], 'quantity', 'remaining', 'confirmed')
        if not item[1] then return 'unknown' end
        local quantity = tonumber(ARGV[2])
        local held = tonumber(item[1]) - tonumber(item[2]) - tonumber(item[3])
        local taken = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
        if held < quantity or taken < quantity then return 'refused' end
        redis.call('HINCRBY', KEYS[1], 'remaining', quantity)
        if taken == quantity then redis.call('HDEL', KEYS[2], ARGV[1]) else redis.call('HINCRBY', KEYS[2], ARGV[1], -quantity) end
        return 'done'
        """
    )

    /// KEYS[3]: the loaded marker. ARGV: quantity, epoch ('' for any). Moves held units to confirmed; refused if fewer are
    /// held (e.g. they were released); 'stale' when the ledger was loaded under another epoch than the one given.
    static let confirm = RedisScript(
        """
        if ARGV[2] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[2] then return 'stale' end
        local item = redis.call('HMGET', KEYS[1], 'quantity', 'remaining', 'confirmed')
        if not item[1] then return 'unknown' end
        local quantity = tonumber(ARGV[1])
        local held = tonumber(item[1]) - tonumber(item[2]) - tonumber(item[3])
        if held < quantity then return 'refused' end
        redis.call('HINCRBY', KEYS[1], 'confirmed', quantity)
        return 'done'
        """
    )

    /// KEYS[3]: the loaded marker. ARGV: user, quantity, epoch ('' for any). Gives confirmed units back to the stock and
    /// to the user's limit; 'stale' when the ledger was loaded under another epoch than the one given.
    static let returnConfirmed = RedisScript(
        """
        if ARGV[3] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[3] then return 'stale' end
        local item = redis.call('HMGET', KEYS[1], 'confirmed')
        if not item[1] then return 'unknown' end
        local quantity = tonumber(ARGV[2])
        local taken = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
        if tonumber(item[1]) < quantity or taken < quantity then return 'refused' end
        redis.call('HINCRBY', KEYS[1], 'confirmed', -quantity)
        redis.call('HINCRBY', KEYS[1], 'remaining', quantity)
        if taken == quantity then redis.call('HDEL', KEYS[2], ARGV[1]) else redis.call('HINCRBY', KEYS[2], ARGV[1], -quantity) end
        return 'done'
        """
    )

    /// KEYS[1]: the index. ARGV: the same JSON as ``load``. Writes only the items whose hash does not exist yet and
    /// adds them to the index; a known item (its counts possibly already taken by a reservation) is never touched.
    /// Adds nothing to a ledger that is not loaded (KEYS[2], the marker, missing): the coming load writes every item.
    static let insertMissing = RedisScript(
        """
        if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
        local items = cjson.decode(ARGV[1])
        local created = 0
        for _, item in ipairs(items) do
          if redis.call('EXISTS', item.key) == 0 then
            redis.call('DEL', item.users)
            redis.call('HSET', item.key, 'quantity', item.quantity, 'limit', item.limit,
              'remaining', item.remaining, 'confirmed', item.confirmed)
            for _, pair in ipairs(item.perUser) do
              if pair[2] > 0 then redis.call('HSET', item.users, pair[1], pair[2]) end
            end
            redis.call('SADD', KEYS[1], item.key)
            created = created + 1
          end
        end
        return created
        """
    )

    /// ARGV: quantity, per-user limit. Changes both in place, keeping confirmed and per-user counts; `remaining`
    /// moves by the change in quantity, so held units stay held. Refused when the new quantity is below the units
    /// already held plus confirmed. A retired item (a quantity but nothing remaining, confirmed or taken by any user) stays retired:
    /// only its quantity changes, and ``unretire`` later restores the new one.
    static let redefine = RedisScript(
        """
        local item = redis.call('HMGET', KEYS[1], 'quantity', 'remaining', 'confirmed')
        if not item[1] then return 'unknown' end
        local before, remaining, confirmed = tonumber(item[1]), tonumber(item[2]), tonumber(item[3])
        local quantity = tonumber(ARGV[1])
        if before > 0 and remaining == 0 and confirmed == 0 and redis.call('HLEN', KEYS[2]) == 0 then
          redis.call('HSET', KEYS[1], 'quantity', quantity, 'limit', ARGV[2])
          return 'done'
        end
        if quantity < before - remaining then return 'refused' end
        redis.call('HSET', KEYS[1], 'quantity', quantity, 'limit', ARGV[2], 'remaining', remaining + quantity - before)
        return 'done'
        """
    )

    /// Takes every unit only while none is held or confirmed (`remaining == quantity`, `confirmed == 0`).
    static let retire = RedisScript(
        """
        local item = redis.call('HMGET', KEYS[1], 'quantity', 'remaining', 'confirmed')
        if not item[1] then return 'unknown' end
        if tonumber(item[3]) ~= 0 or tonumber(item[2]) ~= tonumber(item[1]) then return 'taken' end
        redis.call('HSET', KEYS[1], 'remaining', 0)
        return 'retired'
        """
    )

    /// Restores `remaining = quantity` of a retired item: nothing remaining, nothing confirmed, no user holding any
    /// unit (a sold-out item, whose units are held, is refused and left alone).
    static let unretire = RedisScript(
        """
        local item = redis.call('HMGET', KEYS[1], 'quantity', 'remaining', 'confirmed')
        if not item[1] then return 'unknown' end
        if tonumber(item[2]) ~= 0 or tonumber(item[3]) ~= 0 or redis.call('HLEN', KEYS[2]) ~= 0 then return 'refused' end
        redis.call('HSET', KEYS[1], 'remaining', item[1])
        return 'done'
        """
    )
}
