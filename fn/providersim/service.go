package providersim

import (
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// The ECS service as provider-aws v2.5.0 reports it.
//
// provider-aws runs the service's Create and Update asynchronously
// (UseAsync in its ecs config): the Terraform apply runs in the background,
// and while it runs the provider's Observe returns early, without refreshing
// status.atProvider. With waitForSteadyState the apply only ends once ECS
// reports the new service deployment SUCCESSFUL, or fails with the
// deployment's reason (circuit breaker rollback). When it ends, upjet sets
// the LastAsyncOperation condition (True/Success or False with the error)
// and the next Observe refreshes status.atProvider from the live service:
// taskDefinition is then the revision the service really runs. The
// simulator reports the converged state (every deployment done); the
// functions below set the states in between.

// Condition type and reasons upjet uses for asynchronous operations.
const (
	ConditionLastAsyncOperation = "LastAsyncOperation"
	reasonAsyncSuccess          = "Success"
	reasonAsyncUpdateFailure    = "AsyncUpdateFailure"
)

// serviceARN is a service's ARN, which is also its ID.
func serviceARN(o *object) string {
	return o.arnOf("ecs", "service/"+o.forProvider("cluster")+"/"+o.name)
}

// serviceStatus is what the provider reads back from a service besides its
// ARN: the task definition revision it runs.
func serviceStatus(o *object) map[string]any {
	return map[string]any{"taskDefinition": o.forProvider("taskDefinition")}
}

// asyncConditions are the conditions upjet adds for a kind it runs
// asynchronously (its row's async), after its last operation succeeded.
func (o *object) asyncConditions() []any {
	if !o.facts.async {
		return nil
	}
	return []any{condition(ConditionLastAsyncOperation, "True", reasonAsyncSuccess, "")}
}

// DeploymentInProgress makes an observed ECS service look as it does while
// provider-aws waits for a deployment to reach steady state: the spec
// already names the new revision, but status.atProvider still reports the
// revision the service ran when the provider last refreshed it, and the
// conditions are those of the previous, successful operation.
func DeploymentInProgress(r *fnv1.Resource, runningTaskDefinitionARN string) {
	obj := r.GetResource().AsMap()
	setNested(obj, runningTaskDefinitionARN, "status", "atProvider", "taskDefinition")
	r.Resource = mustStruct(obj)
}

// DeploymentRolledBack makes an observed ECS service look as it does after
// the deployment circuit breaker rolled a deployment back: the provider's
// update failed with the deployment's reason (LastAsyncOperation False,
// Synced False), and the refreshed status reports the revision ECS rolled
// back to.
func DeploymentRolledBack(r *fnv1.Resource, rolledBackToARN, reason string) {
	obj := r.GetResource().AsMap()
	setNested(obj, rolledBackToARN, "status", "atProvider", "taskDefinition")
	msg := "async update failed: failed to update the resource: waiting for ECS Service stable: " + reason
	status, _ := obj["status"].(map[string]any)
	status["conditions"] = []any{
		readyCondition(true, "Available"),
		condition("Synced", "False", "ReconcileError", "update failed: "+msg),
		condition(ConditionLastAsyncOperation, "False", reasonAsyncUpdateFailure, msg),
	}
	r.Resource = mustStruct(obj)
}

// setNested sets value at the path in obj, creating maps on the way.
func setNested(obj map[string]any, value any, path ...string) {
	m := obj
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
}
