package fn

// Pointer helpers: the provider's parameters are pointers throughout; a
// single value is new(v).

// ptrList converts strings to the []*string the provider uses for lists.
func ptrList(v ...string) []*string {
	out := make([]*string, len(v))
	for i := range v {
		out[i] = &v[i]
	}
	return out
}

// f64 converts an int to the *float64 the provider uses for numbers.
func f64(v int) *float64 { f := float64(v); return &f }
