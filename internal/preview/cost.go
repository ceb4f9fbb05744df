package preview

import (
	"fmt"
	"strconv"
	"strings"
)

// costField is where the function reports the stack's estimated monthly
// cost in the XR's status.
func costField() []string {
	return []string{"status", "estimatedMonthlyCost"}
}

// Money is an amount per month.
type Money struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

func (m Money) String() string {
	if m.Currency == "USD" || m.Currency == "" {
		return fmt.Sprintf("$%.2f", m.Amount)
	}
	return fmt.Sprintf("%.2f %s", m.Amount, m.Currency)
}

// Cost is the estimated monthly cost before and after the change.
type Cost struct {
	Old *Money `json:"old,omitempty"`
	New *Money `json:"new,omitempty"`
	// OldFrom says where the old figure comes from: the live XR's status,
	// or a render of the live spec when the status has none.
	OldFrom string `json:"oldFrom,omitempty"`
	// Note explains a missing figure.
	Note string `json:"note,omitempty"`
	// Items are the line items whose monthly amount changes.
	Items []CostItemChange `json:"items,omitempty"`
}

// CostItemChange is one line item of the estimate that changes; an amount
// is nil where the item does not exist.
type CostItemChange struct {
	Item string `json:"item"`
	Old  *Money `json:"old,omitempty"`
	New  *Money `json:"new,omitempty"`
}

// costItems reads the line items of an XR's estimate by name.
func costItems(xr map[string]any) map[string]Money {
	est, _ := lookupPath(xr, costField()...).(map[string]any)
	items, _ := est["items"].([]any)
	out := map[string]Money{}
	for _, it := range items {
		m, _ := it.(map[string]any)
		name, _ := m["item"].(string)
		if money, ok := parseMoney(m["monthlyUSD"]); ok && name != "" {
			out[name] = money
		}
	}
	return out
}

// itemChanges lists the line items whose amount differs.
func itemChanges(old, now map[string]Money) []CostItemChange {
	names := map[string]bool{}
	for k := range old {
		names[k] = true
	}
	for k := range now {
		names[k] = true
	}
	var out []CostItemChange
	for _, n := range sortedKeys(names) {
		o, inOld := old[n]
		w, inNew := now[n]
		if inOld && inNew && o == w {
			continue
		}
		c := CostItemChange{Item: n}
		if inOld {
			c.Old = &o
		}
		if inNew {
			c.New = &w
		}
		out = append(out, c)
	}
	return out
}

// lookupPath reads a value at a path of nested maps, or nil.
func lookupPath(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

// costOf reads the estimated monthly cost from an XR, rendered or live.
func costOf(xr map[string]any) (*Money, bool) {
	m, ok := parseMoney(lookupPath(xr, costField()...))
	if !ok {
		return nil, false
	}
	return &m, true
}

// parseMoney accepts the shapes a cost field may take: a number (USD), a
// string such as "123.45", "$123.45" or "123.45 USD", or an object with an
// amount and a currency.
func parseMoney(v any) (Money, bool) {
	switch t := v.(type) {
	case float64:
		return Money{Amount: t, Currency: "USD"}, true
	case int64:
		return Money{Amount: float64(t), Currency: "USD"}, true
	case string:
		return parseMoneyString(t)
	case map[string]any:
		return parseMoneyObject(t)
	}
	return Money{}, false
}

func parseMoneyString(s string) (Money, bool) {
	s = strings.TrimSpace(s)
	cur := "USD"
	if rest, ok := strings.CutPrefix(s, "$"); ok {
		s = rest
	} else if amount, code, ok := strings.Cut(s, " "); ok {
		// "123.45 EUR" or "EUR 123.45".
		if _, err := strconv.ParseFloat(amount, 64); err != nil {
			amount, code = code, amount
		}
		s, cur = strings.TrimSpace(amount), strings.TrimSpace(code)
	}
	a, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil {
		return Money{}, false
	}
	return Money{Amount: a, Currency: cur}, true
}

// moneyAmountFields are the names an object's amount may have, by
// preference.
func moneyAmountFields() []string {
	return []string{"totalUSD", "total", "amount", "monthly", "usd", "value"}
}

func parseMoneyObject(m map[string]any) (Money, bool) {
	for _, f := range moneyAmountFields() {
		v, ok := m[f]
		if !ok {
			continue
		}
		money, ok := parseMoney(v)
		if !ok {
			continue
		}
		if c, ok := m["currency"].(string); ok && c != "" {
			money.Currency = c
		}
		return money, true
	}
	return Money{}, false
}

// Delta is the change of the monthly cost, or false if a figure is
// missing or the currencies differ.
func (c *Cost) Delta() (float64, bool) {
	if c == nil || c.Old == nil || c.New == nil || c.Old.Currency != c.New.Currency {
		return 0, false
	}
	return c.New.Amount - c.Old.Amount, true
}
