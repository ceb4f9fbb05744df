package fn

// buildService renders the Service part of the stack.
func buildService(s *Spec, o Observed) Built {
	var b Built
	return b
}
