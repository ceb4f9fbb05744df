package fn

// buildSecurity renders the Security part of the stack.
func buildSecurity(s *Spec, o Observed) Built {
	var b Built
	return b
}
