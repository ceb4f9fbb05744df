package fn

// buildDatabase renders the Database part of the stack.
func buildDatabase(s *Spec, o Observed) Built {
	var b Built
	return b
}
