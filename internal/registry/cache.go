package registry

import "time"

// entry is a cached record, or the fact that there is none (found false).
type entry[V any] struct {
	v       V
	found   bool
	expires time.Time
}

// cache is a map whose entries expire. It is not safe for concurrent use:
// Registry holds its lock around every call.
type cache[K comparable, V any] struct {
	m map[K]entry[V]
}

func newCache[K comparable, V any]() cache[K, V] {
	return cache[K, V]{m: make(map[K]entry[V])}
}

// get returns the cached value, whether the record exists, and whether the
// cache knew the answer at all.
func (c *cache[K, V]) get(k K, now time.Time) (v V, found, ok bool) {
	e, ok := c.m[k]
	if !ok || !now.Before(e.expires) {
		return v, false, false
	}
	return e.v, e.found, true
}

func (c *cache[K, V]) put(k K, v V, found bool, now time.Time, ttl time.Duration) {
	if len(c.m) >= maxEntries {
		c.sweep(now)
	}
	c.m[k] = entry[V]{v: v, found: found, expires: now.Add(ttl)}
}

// sweep drops expired entries, and everything if that frees too little.
func (c *cache[K, V]) sweep(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.expires) {
			delete(c.m, k)
		}
	}
	if len(c.m) >= maxEntries*3/4 {
		c.m = make(map[K]entry[V])
	}
}
