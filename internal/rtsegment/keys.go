package rtsegment

// keySet remembers the keys of one object that the parser does not know, so
// that a key given twice is found even when nobody reads it. Known keys are
// tracked by the parser with flags, which is cheaper.
type keySet struct {
	buf  []byte              // the keys, unescaped, one after another
	ends []int               // where each key ends in buf
	big  map[string]struct{} // used instead once an object has many keys
}

// smallKeys is how many unknown keys are compared one by one before a map
// takes over: a hostile object of a hundred thousand keys must not cost a
// quadratic number of comparisons.
const smallKeys = 16

// reset empties the set for the next object, keeping its memory.
func (k *keySet) reset() {
	k.buf, k.ends, k.big = k.buf[:0], k.ends[:0], nil
}

// add records key and reports whether it was already there.
func (k *keySet) add(key []byte) (dup bool) {
	if k.big != nil {
		if _, ok := k.big[string(key)]; ok {
			return true
		}
		k.big[string(key)] = struct{}{}
		return false
	}
	start := 0
	for _, end := range k.ends {
		if string(k.buf[start:end]) == string(key) {
			return true
		}
		start = end
	}
	k.buf = append(k.buf, key...)
	k.ends = append(k.ends, len(k.buf))
	if len(k.ends) > smallKeys {
		k.big = make(map[string]struct{}, 2*smallKeys)
		start = 0
		for _, end := range k.ends {
			k.big[string(k.buf[start:end])] = struct{}{}
			start = end
		}
	}
	return false
}
