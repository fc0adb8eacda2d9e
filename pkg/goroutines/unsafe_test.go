package goroutines

import "unsafe"

// unsafeSameData reports whether two strings share their bytes, which is how interning is
// observed.
func unsafeSameData(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}
