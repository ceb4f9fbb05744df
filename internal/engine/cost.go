package engine

import "math/big"

// CostLine is one line of the monthly cost estimate, declared by the part
// that renders what it prices (Part.Cost). The engine only collects the
// lines; the caller prices them with its own price table.
type CostLine struct {
	// Item names what is priced, for a person. Lines with the same Price
	// are one item of the estimate: their quantities add up, so they must
	// name it alike.
	Item string
	// Unit is what Quantity counts, e.g. "instance-hour".
	Unit string
	// Quantity is how many units the stack runs at its minimum: per hour
	// when Hourly, else per month. A zero quantity is no item.
	Quantity *big.Rat
	// Price is the key of the unit price in the caller's price table.
	Price string
	// Hourly says the unit is per hour: a month has the table's hours.
	Hourly bool
}

// CostLines are the cost lines the parts declare for the spec s, in part
// order. They depend on the spec only, so the estimate exists before any
// resource does.
func CostLines[S any](parts []Part[S], s S) []CostLine {
	var out []CostLine
	for _, p := range parts {
		if p.Cost != nil {
			out = append(out, p.Cost(s)...)
		}
	}
	return out
}
