package fn

import (
	"strings"
	"testing"

	"github.com/platform/function-catalog-api/internal/fntest"
)

// TestImmutableFieldsInSpecOrder: when several immutable fields change at
// once, the Fatal result names every one of them, in the order of the
// CatalogApi's spec (the order NewSpec reports invalid fields in), whichever
// resources carry them.
func TestImmutableFieldsInSpecOrder(t *testing.T) {
	states := converge(t, testXR)
	changed := `{
	"apiVersion": "catalog.example.org/v1alpha1",
	"kind": "CatalogApi",
	"metadata": {"name": "catalog-api", "namespace": "team-catalog"},
	"spec": {
		"environmentSuffix": "prod",
		"image": "123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api:1.0.0",
		"region": "eu-west-1",
		"network": {"vpcCidr": "10.1.0.0/16"},
		"database": {"name": "orders", "masterUsername": "orders_admin"}
	}
}`
	msg := fntest.FatalMessage(run(t, newRequest(changed, states[len(states)-1])))
	want := []string{
		"spec.environmentSuffix:", "spec.region:", "spec.network.vpcCidr:",
		"spec.database.name:", "spec.database.masterUsername:",
	}
	last := -1
	for _, field := range want {
		i := strings.Index(msg, field)
		if i < 0 {
			t.Errorf("Fatal message does not name %s: %q", field, msg)
			continue
		}
		if i < last {
			t.Errorf("%s is out of spec order in %q", field, msg)
		}
		last = i
	}
}
