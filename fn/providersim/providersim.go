// Package providersim plays provider-aws for tests and fixtures: it turns the
// desired composed resources of a render into observed ones, as if every
// resource had been created and had become ready, with plausible status
// values (IDs, ARNs, the ALB's DNS name, the Aurora endpoints and managed
// secret, the CloudFront domain and Deployed status). It never talks to AWS.
package providersim

import (
	"fmt"
	"sort"
	"strings"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/types/known/structpb"
)

// Account and region of the simulated AWS side.
const (
	Account = "123456789012"
	Region  = "eu-north-1"
)

// Observe returns the observed state that follows a render: every desired
// resource exists and is Ready, with its spec as desired.
func Observe(desired map[string]*fnv1.Resource) map[string]*fnv1.Resource {
	objs := make(map[string]map[string]any, len(desired))
	for _, key := range sortedKeys(desired) {
		objs[key] = observeOne(key, desired[key].GetResource().AsMap())
	}
	resolveReferences(objs)
	out := make(map[string]*fnv1.Resource, len(objs))
	for key, obj := range objs {
		out[key] = &fnv1.Resource{Resource: mustStruct(obj)}
	}
	return out
}

// resolveReferences does what the provider's reference resolution does for
// the top-level spec.forProvider fields: fooRef {name} sets foo to the
// referenced resource's ARN (for ARN-like fields and task definitions) or ID.
func resolveReferences(objs map[string]map[string]any) {
	byName := map[string]map[string]any{}
	for _, obj := range objs {
		if meta, ok := obj["metadata"].(map[string]any); ok {
			if name, ok := meta["name"].(string); ok {
				byName[name] = obj
			}
		}
	}
	for _, obj := range objs {
		spec, _ := obj["spec"].(map[string]any)
		fp, _ := spec["forProvider"].(map[string]any)
		for field, v := range fp {
			ref, ok := v.(map[string]any)
			name, _ := ref["name"].(string)
			target, found := byName[name]
			if !ok || !strings.HasSuffix(field, "Ref") || !found {
				continue
			}
			fp[strings.TrimSuffix(field, "Ref")] = resolvedValue(strings.TrimSuffix(field, "Ref"), target)
		}
	}
}

func resolvedValue(field string, target map[string]any) string {
	status, _ := target["status"].(map[string]any)
	at, _ := status["atProvider"].(map[string]any)
	if strings.HasSuffix(strings.ToLower(field), "arn") || field == "taskDefinition" {
		arn, _ := at["arn"].(string)
		return arn
	}
	id, _ := at["id"].(string)
	return id
}

// SetReady sets a resource's Ready condition, for tests of resources that go
// unready.
func SetReady(r *fnv1.Resource, ready bool, reason string) {
	obj := r.GetResource().AsMap()
	status, _ := obj["status"].(map[string]any)
	if status == nil {
		status = map[string]any{}
	}
	status["conditions"] = conditions(ready, reason)
	obj["status"] = status
	r.Resource = mustStruct(obj)
}

func observeOne(key string, obj map[string]any) map[string]any {
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	annotations, _ := meta["annotations"].(map[string]any)
	if annotations == nil {
		annotations = map[string]any{}
		meta["annotations"] = annotations
	}
	annotations["crossplane.io/composition-resource-name"] = key
	id := externalName(key, annotations)
	annotations["crossplane.io/external-name"] = id
	atProvider := map[string]any{"id": id, "arn": arn(kind, id)}
	for k, v := range kindStatus(kind, id) {
		atProvider[k] = v
	}
	obj["status"] = map[string]any{"atProvider": atProvider, "conditions": conditions(true, "Available")}
	return obj
}

// externalName is the external name the provider would record.
func externalName(key string, annotations map[string]any) string {
	if en, ok := annotations["crossplane.io/external-name"].(string); ok && en != "" {
		return en
	}
	return fmt.Sprintf("sim-%s", key)
}

func arn(kind, id string) string {
	return fmt.Sprintf("arn:aws:sim:%s:%s:%s/%s", Region, Account, kind, id)
}

// kindStatus holds the status values other resources depend on.
func kindStatus(kind, id string) map[string]any {
	switch kind {
	case "LB":
		return map[string]any{"dnsName": id + "-1234567890." + Region + ".elb.amazonaws.com"}
	case "Cluster":
		return map[string]any{
			"endpoint":       id + ".cluster-abcdefghijkl." + Region + ".rds.amazonaws.com",
			"readerEndpoint": id + ".cluster-ro-abcdefghijkl." + Region + ".rds.amazonaws.com",
			"masterUserSecret": []any{map[string]any{
				"secretArn":    "arn:aws:secretsmanager:" + Region + ":" + Account + ":secret:rds!cluster-0000-1111-AbCdEf",
				"secretStatus": "active",
			}},
		}
	case "Distribution":
		return map[string]any{"domainName": "d111111abcdef8.cloudfront.net", "status": "Deployed"}
	}
	return nil
}

func conditions(ready bool, reason string) []any {
	status := "True"
	if !ready {
		status = "False"
	}
	return []any{
		map[string]any{"type": "Ready", "status": status, "reason": reason, "lastTransitionTime": "2026-01-01T00:00:00Z"},
		map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2026-01-01T00:00:00Z"},
	}
}

func mustStruct(obj map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(obj)
	if err != nil {
		panic(err) // Objects decoded from a Struct always convert back.
	}
	return s
}

func sortedKeys(m map[string]*fnv1.Resource) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
