package fn

// buildScaling renders the Scaling part of the stack.
func buildScaling(s *Spec, o Observed) Built {
	var b Built
	return b
}
