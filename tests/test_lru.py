from kb.lru import LRU


def test_the_least_recently_used_goes_first() -> None:
    cache: LRU[str, int] = LRU(max_size=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now "b" is the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0 and cache.get("a") is None


def test_a_size_of_zero_keeps_everything() -> None:
    cache: LRU[int, int] = LRU(max_size=0)
    for number in range(100):
        cache.put(number, number)
    assert len(cache) == 100 and cache.get(0) == 0
