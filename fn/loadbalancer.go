package fn

// buildLoadBalancer renders the LoadBalancer part of the stack.
func buildLoadBalancer(s *Spec, o Observed) Built {
	var b Built
	return b
}
