package fn

import (
	"encoding/json"

	iam "github.com/upbound/provider-aws/v2/apis/namespaced/iam/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// PolicyDocument is an IAM policy document. Its fields marshal in a fixed
// order, so the rendered JSON is deterministic.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid    string `json:"Sid,omitempty"`
	Effect string `json:"Effect"`
	// Principal is a *Principal, or the string "*" (anyone) in a resource
	// policy's Deny.
	Principal any       `json:"Principal,omitempty"`
	Action    []string  `json:"Action"`
	Resource  []string  `json:"Resource,omitempty"`
	Condition Condition `json:"Condition,omitempty"`
}

// Principal of a resource-based or trust policy statement.
type Principal struct {
	Service string `json:"Service,omitempty"`
	AWS     string `json:"AWS,omitempty"`
}

// Condition is an IAM condition block: operator -> key -> value.
type Condition map[string]map[string]string

// allow is an identity-policy statement that allows actions on resources
// (the function grants, it never denies in identity policies).
func allow(actions []string, resources ...string) Statement {
	return Statement{Effect: "Allow", Action: actions, Resource: resources}
}

// policyDocument renders statements as a policy JSON string.
func policyDocument(st ...Statement) string {
	b, err := json.Marshal(PolicyDocument{Version: "2012-10-17", Statement: st})
	if err != nil {
		panic(err) // The types above always marshal.
	}
	return string(b)
}

// trustPolicy lets one AWS service assume a role, and only on behalf of
// this account's resources: the aws:SourceAccount and aws:SourceArn
// conditions AWS recommends against the cross-service confused deputy (IAM
// user guide, "The confused deputy problem"). sourceARN is the ARN pattern
// of the resources the service acts for, in the account. The account comes
// from the observed claim marker (AccountID), which is Ready before
// anything of the stack is rendered, so a new role gets its conditions
// from its first render. A role rendered before keeps its observed trust
// policy while the account is not observed (IAM updates a trust policy in
// place, so no render replaces or drops the role); a role never rendered
// waits for the account (false).
//
// A nil sourceARN is a trust policy with no conditions: the role of a
// stack whose defaults revision predates them (Defaults.ServiceRoleConditions).
func trustPolicy(o engine.Observed, roleKey, service string, sourceARN func(account string) string) (string, bool) {
	if sourceARN == nil {
		return policyDocument(Statement{Effect: "Allow", Principal: &Principal{Service: service}, Action: []string{"sts:AssumeRole"}}), true
	}
	if account := AccountID(o); account != "" {
		return policyDocument(Statement{
			Effect:    "Allow",
			Principal: &Principal{Service: service},
			Action:    []string{"sts:AssumeRole"},
			Condition: Condition{
				"StringEquals": {"aws:SourceAccount": account},
				"ArnLike":      {"aws:SourceArn": sourceARN(account)},
			},
		}), true
	}
	previous := o.GetString(roleKey, "spec.forProvider.assumeRolePolicy")
	return previous, previous != ""
}

// waitingForAccount is what a part waits for while a role's trust policy
// needs the account.
const waitingForAccount = "the AWS account ID (status.atProvider.ownerId of the claim marker) for the trust policy of "

// logGroupARN is the ARN of a log group in the stack's region. The account
// is a wildcard: IAM accepts it there, and the function does not know the
// account ID before anything exists.
func logGroupARN(s *Spec, name string) string {
	return "arn:aws:logs:" + s.Region + ":*:log-group:" + name
}

// serviceRole is an IAM role that one AWS service assumes, with the trust
// policy of trustPolicy, or false while that waits for the account. IAM is
// global: roles and their policies have no region.
func serviceRole(s *Spec, o engine.Observed, key, name, service string, sourceARN func(account string) string) (engine.Desired, bool) {
	trust, ok := trustPolicy(o, key, service, sourceARN)
	if !ok {
		return engine.Desired{}, false
	}
	return engine.Desired{Key: key, AWSName: name, ExternalName: true, Object: &iam.Role{
		Spec: iam.RoleSpec{ForProvider: iam.RoleParameters{
			Tags:                s.Tags(name),
			AssumeRolePolicy:    new(trust),
			ForceDetachPolicies: new(true),
		}},
	}}, true
}

// inlinePolicy is an inline policy of the role with key roleKey.
func inlinePolicy(s *Spec, key, roleKey, name, doc string) engine.Desired {
	return engine.Desired{Key: key, AWSName: name, ExternalName: true, Object: &iam.RolePolicy{
		Spec: iam.RolePolicySpec{ForProvider: iam.RolePolicyParameters{
			Policy:  new(doc),
			RoleRef: s.Ref(roleKey),
		}},
	}}
}

// confined is sourceARN for a role whose trust carries the confused deputy
// conditions in the stack's defaults revision, nil otherwise
// (Defaults.ServiceRoleConditions).
func (s *Spec) confined(sourceARN func(account string) string) func(account string) string {
	if !s.Defaults.ServiceRoleConditions {
		return nil
	}
	return sourceARN
}
