package fn

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// The rollout of the ECS service's task definition, in one place.
//
// Every field of an ECS task definition but tags is replace-only, so every
// change of its content registers a new revision: a new TaskDefinition
// resource whose key carries a hash of the content. This file is the only
// code that builds or recognises those keys. Of the observed revisions:
//
//   - the current one is the revision of today's content, which the service
//     part renders;
//   - the others are superseded: kept unchanged (with the Usage a stack
//     rendered by an earlier version has for each) until the service runs
//     the current revision;
//   - once the service's observed status names the current revision
//     (serviceMovedTo), they are retired: dropped with any such Usage, so
//     Crossplane deletes their managed resources. The revisions themselves
//     stay registered in ECS (skipDestroy, taskdefinition.go), so a
//     deployment that later fails can always roll back to them, however
//     provider-aws reported the deployment's end.

// keyTaskDefinitionPrefix starts the key of every task definition revision.
const keyTaskDefinitionPrefix = "task-definition-"

// KeyTaskDefinition is the key of the task definition with this content hash.
func KeyTaskDefinition(hash string) string { return keyTaskDefinitionPrefix + hash }

// IsTaskDefinitionKey reports whether a composition resource name is one of
// the task definition revisions.
func IsTaskDefinitionKey(key string) bool { return strings.HasPrefix(key, keyTaskDefinitionPrefix) }

// key is the key of the revision with this content.
func (c taskDefinitionContent) key() string { return KeyTaskDefinition(c.hash()) }

// hash is the first 10 hex characters of the SHA-256 of the content's
// JSON (struct fields marshal in a fixed order).
func (c taskDefinitionContent) hash() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // A struct of strings always marshals.
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:10]
}

// revisionKeys are the keys of every observed task definition revision,
// sorted.
func revisionKeys(o engine.Observed) []string {
	var keys []string
	for _, k := range o.Keys() {
		if IsTaskDefinitionKey(k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// observedTaskDefinitions are the keys of the observed task definitions,
// newest first (by creation time, then by key for a stable order).
func observedTaskDefinitions(o engine.Observed) []string {
	var keys []string
	for _, k := range revisionKeys(o) {
		if len(o[k].UnstructuredContent()) > 0 { // A resource with no body is not a revision.
			keys = append(keys, k)
		}
	}
	sort.SliceStable(keys, func(i, j int) bool {
		ti, tj := o.CreationTimestamp(keys[i]), o.CreationTimestamp(keys[j])
		return tj.Before(&ti)
	})
	return keys
}

// revisionUsageKey is the key of the Usage an earlier version of the
// function rendered to keep a revision while the service ran it. The
// service Uses no revision any more (deregistering one loses nothing, and
// skipDestroy keeps them in ECS); a stack rendered before has such Usages,
// which go with their revisions.
func revisionUsageKey(revision string) string { return engine.UsageKey(revision, KeyService) }

// declareRevisions tells Compose what to do with the observed revisions
// other than current ("" while the part cannot render one): keep them and
// their Usages on purpose, or retire them once the service runs current.
func declareRevisions(b *engine.Built, o engine.Observed, current string) {
	retire := serviceMovedTo(o, current)
	for _, k := range revisionKeys(o) {
		if k == current {
			continue
		}
		if retire {
			b.Retire(k, revisionUsageKey(k))
			continue
		}
		for _, key := range []string{k, revisionUsageKey(k)} {
			b.Keepf(key, "keeping superseded %q until the ECS service runs on the new task definition", key)
		}
	}
}

// serviceMovedTo reports whether the superseded revisions may be retired:
// whether the observed service runs the current revision. Nothing depends
// on when the deployment ends: retiring a revision deletes only its managed
// resource, never the revision in ECS (skipDestroy).
func serviceMovedTo(o engine.Observed, current string) bool {
	if current == "" {
		return false
	}
	arn := o.GetString(current, "status.atProvider.arn")
	return arn != "" && o.GetString(KeyService, "status.atProvider.taskDefinition") == arn
}

// rolloutSettled reports whether the observed service runs the task
// definition revision arn and its deployment has ended successfully, for
// the service's readiness message (serviceReadyNote).
//
// provider-aws v2.5.0 runs the service's create and update asynchronously
// (UseAsync): the Terraform apply runs in the background, and until it ends
// the provider's observation returns early without refreshing
// status.atProvider. With waitForSteadyState the apply of a new revision
// ends only when ECS reports the service deployment SUCCESSFUL (the
// Terraform AWS provider polls DescribeServiceDeployments; STOPPED and the
// rollback states end it with an error). Its end sets the LastAsyncOperation
// condition (True, or False with the error and Synced=False), and the next
// observation refreshes status.atProvider.taskDefinition from the live
// service: after a circuit-breaker rollback that is the revision ECS rolled
// back to. So the spec and the refreshed status both naming arn, with
// waitForSteadyState set and the last operation successful, usually means
// the deployment of arn completed.
//
// What this cannot see: the provider keeps its operation in memory; after a
// failed asynchronous update or a provider restart, its next observation
// that finds the resource up to date reports the last operation as
// succeeded (upjet's external_async_tfpluginsdk.go) before ECS has
// finished. That is why nothing is deleted on this signal.
func rolloutSettled(o engine.Observed, arn string) bool {
	return o.GetString(KeyService, "spec.forProvider.taskDefinition") == arn &&
		o.GetBool(KeyService, "spec.forProvider.waitForSteadyState") &&
		o.GetString(KeyService, "status.atProvider.taskDefinition") == arn &&
		o.ConditionTrue(KeyService, ConditionLastAsyncOperation) &&
		o.ConditionTrue(KeyService, xpv1.TypeSynced) &&
		o.Ready(KeyService)
}

// ConditionLastAsyncOperation is the condition upjet sets when an
// asynchronous create, update or delete ends: True when it succeeded,
// False with the error otherwise.
const ConditionLastAsyncOperation xpv1.ConditionType = "LastAsyncOperation"

// revisionImpact is what a new revision adds to the rolling deployment
// that the service's move to it starts: when the revision it replaces is
// let go (declareRevisions).
func revisionImpact() engine.ChangeImpact {
	return engine.ChangeImpact{
		Kind:      ImpactRollout,
		OnReplace: true,
		Joins:     true,
		Details: []string{
			"once the service's status names the new revision, the next reconcile stops composing {replaces}; the revision stays registered in ECS (skipDestroy), so a rollback to it still works",
		},
	}
}
