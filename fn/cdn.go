package fn

// buildCDN renders the CDN part of the stack.
func buildCDN(s *Spec, o Observed) Built {
	var b Built
	return b
}
