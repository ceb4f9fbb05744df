package fn

import (
	"fmt"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// immutable is a CatalogApi field that AWS cannot change in place: changing
// it would make the provider replace, or fail forever on, a stateful
// resource. The function refuses such a change instead of rendering it.
type immutable struct {
	field string // the CatalogApi field, for the message
	key   string // the composed resource that carries it
	path  string // where the composed resource carries it
	why   string
}

var immutables = []immutable{
	{"spec.environmentSuffix", KeyDBCluster, "metadata.annotations[crossplane.io/external-name]", "every AWS name derives from it, and RDS, S3, IAM and ECS names cannot change in place"},
	{"spec.region", KeyVPC, "spec.forProvider.region", "resources cannot move between regions"},
	{"spec.network.vpcCidr", KeyVPC, "spec.forProvider.cidrBlock", "a VPC's primary CIDR cannot change; the VPC and everything in it would be replaced"},
	{"spec.database.name", KeyDBCluster, "spec.forProvider.databaseName", "Aurora cannot rename the initial database in place; the cluster would be replaced and its data lost"},
	{"spec.database.masterUsername", KeyDBCluster, "spec.forProvider.masterUsername", "Aurora cannot change the master user name in place; the cluster would be replaced and its data lost"},
}

// checkImmutable compares what is about to be rendered with what exists and
// rejects any change of an immutable field, naming the field and the reason.
func checkImmutable(desired map[string]*fnv1.Resource, o Observed) error {
	var errs ValidationError
	for _, im := range immutables {
		was := o.String(im.key, im.path)
		d, ok := desired[im.key]
		if was == "" || !ok {
			continue
		}
		now := structString(d.GetResource(), im.path)
		if now == "" || now == was {
			continue
		}
		errs = append(errs, FieldError{
			Field: im.field,
			Value: now,
			Rule:  fmt.Sprintf("cannot change after creation (the stack was created with %q): %s; create a new CatalogApi instead", was, im.why),
		})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
